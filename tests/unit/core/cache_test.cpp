#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

TEST(Cache, GetCacheBeforeInitThrowsLogicError) {
  fast_cache::Cache cache;
  try {
    (void)cache.get_cache();
    FAIL() << "get_cache did not throw";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "Cache not initialized. Call init_app first.");
  }
}

TEST(Cache, InitRejectsNullBackend) {
  fast_cache::Cache cache;
  EXPECT_THROW(cache.init(nullptr), std::invalid_argument);
}

TEST(Cache, GetCacheReturnsTheBackend) {
  fast_cache::Cache cache;
  auto backend = std::make_shared<fast_cache::InMemoryBackend>();
  cache.init(backend, {.default_expire = std::chrono::seconds(120)});
  EXPECT_EQ(cache.get_cache(), backend);
  EXPECT_EQ(cache.default_expire(), std::chrono::seconds(120));
  cache.get_cache()->set("k", "v");
  EXPECT_EQ(backend->get("k"), "v");
}

TEST(Cache, CloseClosesAndForgetsTheBackend) {
  fast_cache::Cache cache;
  auto backend = std::make_shared<fast_cache::InMemoryBackend>();
  cache.init(backend);
  cache.close();
  EXPECT_EQ(cache.backend(), nullptr);
  EXPECT_THROW(backend->get("k"), fast_cache::Error);
}

TEST(Cache, GlobalCacheExists) { EXPECT_EQ(fast_cache::cache.backend(), nullptr); }

}  // namespace
