#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/test_backends.hpp"
#include "support/wait_for.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

class CachedSync : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(backend); }
  fast_cache::Cache cache;
  std::shared_ptr<fast_cache::InMemoryBackend> backend = std::make_shared<fast_cache::InMemoryBackend>();
};

TEST_F(CachedSync, MissThenHit) {
  int calls = 0;
  auto twice = cache.cached("twice", [&calls](int x) {
    ++calls;
    return x * 2;
  });
  EXPECT_EQ(twice(21), 42);
  EXPECT_EQ(twice(21), 42);
  EXPECT_EQ(twice(1), 2);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(backend->get("twice:[21]"), "42");
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.errors, 0u);
}

TEST_F(CachedSync, CopiesShareEntries) {
  int calls = 0;
  auto f = cache.cached("f", [&calls](const std::string& s) {
    ++calls;
    return s + "!";
  });
  auto copy = f;
  EXPECT_EQ(f("a"), "a!");
  EXPECT_EQ(copy("a"), "a!");
  EXPECT_EQ(calls, 1);
}

TEST_F(CachedSync, KeyBuilderAndNamespace) {
  auto custom = cache.cached(
      "custom",
      {.expire = 120s, .key_builder = [](int x) { return "custom:" + std::to_string(x); }, .namespace_ = "special"},
      [](int x) {
        return boost::json::value{{"value", x}};
      });
  EXPECT_EQ(custom(5), (boost::json::value{{"value", 5}}));
  EXPECT_EQ(custom.key(5), "special:custom:5");
  EXPECT_EQ(backend->get("special:custom:5"), R"({"value":5})");
}

TEST_F(CachedSync, NamespaceWithDefaultKey) {
  auto f = cache.cached("f", {.namespace_ = "ns"}, [](int x) { return x; });
  EXPECT_EQ(f(3), 3);
  EXPECT_TRUE(backend->has("ns:f:[3]"));
}

TEST_F(CachedSync, SkipCacheRunsTheFunctionAndStoresNothing) {
  int calls = 0;
  auto f = cache.cached("f", [&calls](int x) { return x + ++calls; });
  EXPECT_EQ(f(fast_cache::skip_cache, 10), 11);
  EXPECT_FALSE(backend->has("f:[10]"));
  EXPECT_EQ(f(10), 12);
  EXPECT_EQ(f(fast_cache::skip_cache, 10), 13);  // runs even though an entry exists
  EXPECT_EQ(f(10), 12);
}

TEST(CachedSyncExpiry, ExpireOverridesDefaultAndDefaultApplies) {
  fast_cache::Cache cache;
  auto backend = std::make_shared<fast_cache::testing::recording_backend>();
  cache.init(backend, {.default_expire = 120s});
  auto explicit_expire = cache.cached("a", {.expire = 60s}, [](int x) { return x; });
  auto default_expire = cache.cached("b", [](int x) { return x; });
  auto never = cache.cached("c", {.expire = 0s}, [](int x) { return x; });
  explicit_expire(1);
  default_expire(1);
  never(1);
  const auto expiries = backend->expiries();
  ASSERT_EQ(expiries.size(), 3u);
  EXPECT_EQ(expiries[0], fast_cache::duration(60s));
  EXPECT_EQ(expiries[1], fast_cache::duration(120s));
  EXPECT_EQ(expiries[2], fast_cache::duration(0s));
}

TEST(CachedSyncExpiry, EntriesExpire) {
  fast_cache::Cache cache;
  auto backend = std::make_shared<fast_cache::InMemoryBackend>();
  cache.init(backend);
  int calls = 0;
  auto f = cache.cached("f", {.expire = 50ms}, [&calls](int x) { return x + ++calls; });
  EXPECT_EQ(f(1), 2);
  EXPECT_EQ(f(1), 2);
  ASSERT_TRUE(fast_cache::testing::wait_for([&] { return !backend->has("f:[1]"); }, 5s));
  EXPECT_EQ(f(1), 3);
}

TEST(CachedSyncNoBackend, FunctionJustRuns) {
  fast_cache::Cache cache;
  int calls = 0;
  auto f = cache.cached("f", [&calls](int x) { return x + ++calls; });
  EXPECT_EQ(f(1), 2);
  EXPECT_EQ(f(1), 3);
  EXPECT_EQ(cache.stats().misses, 0u);
}

TEST(CachedSyncFailOpen, BackendFailureReturnsTheFunctionsResult) {
  fast_cache::Cache cache;
  std::vector<std::string> reported;
  cache.init(std::make_shared<fast_cache::testing::failing_backend>(),
             {.on_error = [&reported](const fast_cache::cache_error& e) {
               reported.push_back(std::string(e.operation) + " " + std::string(e.key) + ": " + e.diag.message);
             }});
  int calls = 0;
  auto f = cache.cached("f", [&calls](int x) { return x + ++calls; });
  EXPECT_EQ(f(1), 2);
  EXPECT_EQ(f(1), 3);
  EXPECT_EQ(cache.stats().errors, 4u);
  ASSERT_EQ(reported.size(), 4u);
  EXPECT_EQ(reported[0], "get f:[1]: connection refused by the test backend");
  EXPECT_EQ(reported[1], "set f:[1]: connection refused by the test backend");
}

TEST_F(CachedSync, UndecodableEntryIsRecomputedAndReported) {
  backend->set("f:[1]", "not a number");
  auto f = cache.cached("f", [](int x) { return x * 10; });
  EXPECT_EQ(f(1), 10);
  EXPECT_EQ(cache.stats().errors, 1u);
  EXPECT_EQ(backend->get("f:[1]"), "10");
}

TEST_F(CachedSync, SingleFlightUnder64Threads) {
  constexpr int threads = 64;
  std::atomic<int> calls{0};
  // The leader waits until every caller has missed, so all 64 are in flight at once.
  auto slow = cache.cached("slow", [&](int x) {
    ++calls;
    EXPECT_TRUE(fast_cache::testing::wait_for([&] { return cache.stats().misses == threads; }));
    return x * 2;
  });
  std::latch start(threads);
  std::vector<int> results(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = slow(7);
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(calls.load(), 1);
  for (int r : results) EXPECT_EQ(r, 14);
}

TEST_F(CachedSync, ExceptionReachesEveryWaiterAndNothingIsStored) {
  constexpr int threads = 16;
  std::atomic<int> calls{0};
  auto failing = cache.cached("failing", [&](int) -> int {
    ++calls;
    EXPECT_TRUE(fast_cache::testing::wait_for([&] { return cache.stats().misses == threads; }));
    throw std::runtime_error("upstream is down");
  });
  std::latch start(threads);
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      start.arrive_and_wait();
      try {
        failing(1);
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "upstream is down") ++failures;
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(failures.load(), threads);
  EXPECT_FALSE(backend->has("failing:[1]"));
}

}  // namespace
