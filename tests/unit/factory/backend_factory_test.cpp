#include <fast_cache/backend_factory.hpp>
#include <fast_cache/memory_backend.hpp>
#include <fast_cache/tiered_backend.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

void expect_invalid(const std::string& url, const std::string& fragment) {
  try {
    (void)fast_cache::make_backend(url);
    FAIL() << url << " was accepted";
  } catch (const fast_cache::Error& e) {
    EXPECT_EQ(e.code(), fast_cache::errc::invalid_argument) << url;
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BackendFactory, MemoryWithDefaults) {
  auto backend = fast_cache::make_backend("memory://");
  auto* memory = dynamic_cast<fast_cache::InMemoryBackend*>(backend.get());
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->namespace_name(), "cache");
  backend->set("k", "v");
  EXPECT_EQ(backend->get("k"), "v");
}

TEST(BackendFactory, MemoryWithOptions) {
  auto backend = fast_cache::make_backend("memory://?max_size=2&eviction=lru&namespace=web&shards=1&default_expire=60");
  EXPECT_EQ(backend->namespace_name(), "web");
  backend->set("a", "1");
  backend->set("b", "2");
  backend->set("c", "3");  // evicts "a", the least recently used of two
  EXPECT_FALSE(backend->has("a"));
  EXPECT_TRUE(backend->has("c"));
}

TEST(BackendFactory, BadUrlsAreClearErrors) {
  expect_invalid("", "expected scheme://");
  expect_invalid("not a url", "expected scheme://");
  expect_invalid("cassandra://localhost", "invalid backend URL cassandra://localhost: unknown scheme");
  expect_invalid("redis://", "the host is missing");
  expect_invalid("memory://somewhere", "memory:// takes no host");
  expect_invalid("memory://?max_size=-1", "max_size must be a non-negative whole number");
  expect_invalid("memory://?max_size=ten", "max_size must be a non-negative whole number");
  expect_invalid("memory://?eviction=fifo", "eviction must be lru or tinylfu");
  expect_invalid("memory://?max_sise=10", "unknown parameter(s): max_sise");
  expect_invalid("memory://?max_size=1&max_size=2", "given twice");
  expect_invalid("memory://?max_size", "has no value");
  expect_invalid("memory:///path", "unexpected path");
}

TEST(BackendFactory, InvalidMemoryOptionsComeFromTheBackend) {
  expect_invalid("memory://?shards=0", "shards");
  expect_invalid("memory://?namespace=", "namespace");
}

}  // namespace

namespace {

TEST(BackendFactory, TieredOverMemory) {
  auto backend = fast_cache::make_backend(
      "tiered://?l1=memory%3A%2F%2F%3Fmax_size%3D100&l2=memory%3A%2F%2F%3Fnamespace%3Dshared&max_staleness_ms=500");
  ASSERT_NE(dynamic_cast<fast_cache::TieredBackend*>(backend.get()), nullptr);
  EXPECT_EQ(backend->namespace_name(), "shared");
  backend->set("k", "v", std::chrono::seconds(10));
  EXPECT_EQ(backend->get("k"), "v");
  EXPECT_EQ(backend->stats().l1_hits, 1u);
  EXPECT_NE(dynamic_cast<fast_cache::TieredBackend*>(fast_cache::make_backend("tiered://?l2=memory://").get()),
            nullptr);
}

TEST(BackendFactory, BadTieredUrlsAreClearErrors) {
  expect_invalid("tiered://", "l2 (the percent-encoded URL of the shared backend) is required");
  expect_invalid("tiered://?l1=memory://", "l2 (the percent-encoded URL");
  expect_invalid("tiered://?l2=memory://&l1=redis%3A%2F%2Flocalhost", "l1 must be a memory:// URL");
  expect_invalid("tiered://?l2=tiered%3A%2F%2F%3Fl2%3Dmemory%3A%2F%2F", "l2 must not be another tiered:// URL");
  expect_invalid("tiered://host?l2=memory://", "tiered:// takes no host");
  expect_invalid("tiered://?l2=memory://&max_staleness_ms=soon",
                 "max_staleness_ms must be a non-negative whole number");
  expect_invalid("tiered://?l2=memory://&max_staleness_ms=0", "max_staleness must be positive");
  expect_invalid("tiered://?l2=memory://&staleness=1", "unknown parameter(s): staleness");
  expect_invalid("tiered://?l2=memory://&invalidations=maybe", "invalidations must be true or false");
  expect_invalid("tiered://?l2=memory%3A%2F%2F%3Fmax_sise%3D1", "unknown parameter(s): max_sise");
  expect_invalid("tiered://?l2=memory://&l1=memory%3A%2F%2F%3Fshards%3D0", "shards");
}

}  // namespace
