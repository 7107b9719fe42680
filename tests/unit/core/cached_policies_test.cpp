// cached() policies beyond a TTL, for plain functions: negative and conditional caching,
// stale-while-revalidate, stale-if-error, early refresh and tags, on a wall clock moved by hand.
#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/wait_for.hpp"
#include "unit/core/wall_clock.hpp"
#include "unit/memory/manual_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using fast_cache::testing::wait_for;

class CachedPolicies : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(backend, {.clock = clock.function()}); }
  fast_cache::test::manual_wall_clock clock;
  fast_cache::Cache cache;
  std::shared_ptr<fast_cache::InMemoryBackend> backend = std::make_shared<fast_cache::InMemoryBackend>();
  std::atomic<int> calls{0};
};

TEST_F(CachedPolicies, OptionalResultsCacheNoneWithItsOwnExpiry) {
  auto find =
      cache.cached("find", {.expire = 60s, .negative_expire = 5s}, [this](int id) -> std::optional<std::string> {
        ++calls;
        if (id == 0) return std::nullopt;
        return "user" + std::to_string(id);
      });
  EXPECT_EQ(find(0), std::nullopt);
  EXPECT_EQ(find(0), std::nullopt);
  EXPECT_EQ(find(7), "user7");
  EXPECT_EQ(find(7), "user7");
  EXPECT_EQ(calls, 2) << "a cached none is a hit, not a miss";
  clock.advance(6s);
  EXPECT_EQ(find(0), std::nullopt);
  EXPECT_EQ(find(7), "user7");
  EXPECT_EQ(calls, 3) << "the none expired after negative_expire, the value lives on";
}

TEST_F(CachedPolicies, CacheIfDecidesFromTheResult) {
  auto f = cache.cached("f", {.cache_if = [](const int& v) { return v >= 0; }}, [this](int x) {
    ++calls;
    return x;
  });
  EXPECT_EQ(f(-1), -1);
  EXPECT_EQ(f(-1), -1);
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(backend->get("f:[-1]"));
  EXPECT_EQ(backend->get("f:[1]"), "1") << "without policies needing metadata, the codec bytes alone";
}

TEST(CachedExpireFrom, ComputesTheLifetimeFromTheResult) {
  // No policy that needs metadata: the backend's own expiry, on the backend's clock.
  fast_cache::test::manual_clock clock;
  fast_cache::Cache cache;
  cache.init(std::make_shared<fast_cache::InMemoryBackend>(fast_cache::InMemoryOptions{.clock = clock.function()}));
  int calls = 0;
  auto token = cache.cached(
      "token",
      {.expire = 1h,
       .expire_from = [](const int& lifetime_s) -> fast_cache::expiry { return std::chrono::seconds(lifetime_s); }},
      [&calls](int lifetime_s) {
        ++calls;
        return lifetime_s;
      });
  EXPECT_EQ(token(10), 10);
  EXPECT_EQ(token(100), 100);
  clock.advance(11s);
  EXPECT_EQ(token(10), 10);
  EXPECT_EQ(token(100), 100);
  EXPECT_EQ(calls, 3) << "only the 10 s result expired";
}

TEST_F(CachedPolicies, StaleWhileRevalidateServesAtOnceAndRefreshesOnce) {
  std::atomic<int> version{1};
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  auto f = cache.cached("f", {.expire = 10s, .stale_while_revalidate = 30s}, [&](int) {
    ++calls;
    if (calls > 1) opened.wait();  // the refresh blocks until the test lets it go
    return version.load();
  });
  EXPECT_EQ(f(1), 1);
  version = 2;
  clock.advance(15s);
  // Stale: served at once while the refresh is held up, and refreshed once however many ask.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f(1), 1);
  gate.set_value();
  ASSERT_TRUE(wait_for([&] { return cache.stats().refreshes == 1; }));
  EXPECT_EQ(f(1), 2) << "the refreshed value, fresh again";
  const auto stats = cache.stats();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(stats.stale_served, 100u);
  EXPECT_EQ(stats.refresh_failures, 0u);
  clock.advance(45s);  // past the fresh 10 s and the 30 s window: a plain miss
  EXPECT_EQ(f(1), 2);
  EXPECT_EQ(calls, 3);
}

TEST_F(CachedPolicies, AThousandCallersAroundAnExpiryRunTheFunctionOnceAndNoneWaits) {
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  auto f = cache.cached("f", {.expire = 10s, .stale_while_revalidate = 60s}, [&](int) {
    if (++calls > 1) opened.wait();
    return calls.load();
  });
  ASSERT_EQ(f(1), 1);
  clock.advance(11s);
  constexpr int threads = 8;
  std::latch start(threads);
  std::atomic<int> served_stale{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 125; ++i) served_stale += f(1) == 1;
    });
  }
  for (auto& c : callers) c.join();  // every caller has returned while the refresh is still held
  EXPECT_EQ(served_stale, 1000);
  gate.set_value();
  ASSERT_TRUE(wait_for([&] { return cache.stats().refreshes == 1; }));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(f(1), 2);
}

TEST_F(CachedPolicies, AFailedRefreshIsCountedAndTheStaleValueStays) {
  std::atomic<bool> fail{false};
  auto f = cache.cached("f", {.expire = 10s, .stale_while_revalidate = 30s}, [&](int x) {
    ++calls;
    if (fail) throw std::runtime_error("database down");
    return x;
  });
  EXPECT_EQ(f(3), 3);
  fail = true;
  clock.advance(15s);
  EXPECT_EQ(f(3), 3);
  ASSERT_TRUE(wait_for([&] { return cache.stats().refresh_failures == 1; }));
  EXPECT_EQ(f(3), 3) << "still within the window";
}

TEST_F(CachedPolicies, StaleIfErrorAnswersAFailureWithTheStaleValue) {
  std::atomic<bool> fail{false};
  auto f = cache.cached("f", {.expire = 10s, .stale_if_error = 60s}, [&](int x) {
    ++calls;
    if (fail) throw std::runtime_error("database down");
    return x * 10;
  });
  EXPECT_EQ(f(1), 10);
  clock.advance(20s);
  fail = true;
  EXPECT_EQ(f(1), 10) << "stale, since the function failed";
  EXPECT_EQ(cache.stats().stale_if_error_served, 1u);
  fail = false;
  EXPECT_EQ(f(1), 10);
  EXPECT_EQ(calls, 3) << "stale-if-error is no stale-while-revalidate: the function ran each time";
  clock.advance(71s);
  fail = true;
  EXPECT_THROW(f(1), std::runtime_error) << "past the window the failure goes through";
  EXPECT_THROW(f(2), std::runtime_error) << "nothing stale to fall back on";
}

TEST_F(CachedPolicies, EarlyRefreshRefreshesAHotValueBeforeItExpires) {
  auto f = cache.cached("f", {.expire = 10s, .early_refresh_beta = 1e9}, [&](int) {
    std::this_thread::sleep_for(5ms);  // a computation that takes time: XFetch refreshes ahead by it
    return ++calls;
  });
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(f(1), 1) << "served while refreshing";
  ASSERT_TRUE(wait_for([&] { return cache.stats().refreshes >= 1; }));
  EXPECT_GE(cache.stats().early_refreshes, 1u);
  auto never = cache.cached("never", {.expire = 10s, .early_refresh_beta = 0}, [&](int) {
    std::this_thread::sleep_for(5ms);
    return ++calls;
  });
  const int before = calls;
  for (int i = 0; i < 10; ++i) never(1);
  EXPECT_EQ(calls, before + 1);
}

TEST_F(CachedPolicies, InvalidatingATagMissesEveryValueCarryingIt) {
  auto profile = cache.cached(
      "profile", {.tags = [](const int& id) { return std::vector<std::string>{"user:" + std::to_string(id)}; }},
      [this](int id) {
        ++calls;
        return "profile of " + std::to_string(id);
      });
  auto posts = cache.cached("posts",
                            {.tags =
                                 [](const int& id) {
                                   return std::vector<std::string>{"user:" + std::to_string(id), "posts"};
                                 }},
                            [this](int id) {
                              ++calls;
                              return std::to_string(id) + " posts";
                            });
  profile(42);
  posts(42);
  profile(7);
  profile(42);
  posts(42);
  EXPECT_EQ(calls, 3);
  cache.invalidate_tags({"user:42"});
  profile(42);
  posts(42);
  profile(7);
  EXPECT_EQ(calls, 5) << "both of user 42's values missed; user 7's did not";
  cache.invalidate_tags({"posts"});
  posts(42);
  profile(42);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(cache.stats().tag_invalidations, 2u);
}

TEST_F(CachedPolicies, AVanishedTagVersionNeverRevivesOldValues) {
  auto f = cache.cached("f", {.tags = [](const int&) { return std::vector<std::string>{"t"}; }},
                        [this](int) { return ++calls; });
  EXPECT_EQ(f(1), 1);
  backend->erase("%tag:t");  // evicted, say
  EXPECT_EQ(f(1), 2);
  EXPECT_EQ(f(1), 2);
}

TEST_F(CachedPolicies, TagsRefuseEmptyNamesAndNeedNoBackend) {
  EXPECT_THROW(cache.invalidate_tags({"a", ""}), fast_cache::Error);
  fast_cache::Cache uninitialised;
  EXPECT_NO_THROW(uninitialised.invalidate_tags({"a"}));
}

TEST_F(CachedPolicies, AForeignValueUnderAPolicyKeyIsAnAbsorbedMiss) {
  auto f = cache.cached("f", {.expire = 10s, .stale_if_error = 10s}, [this](int x) {
    ++calls;
    return x;
  });
  backend->set("f:[1]", "1");  // codec bytes without the metadata
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.stats().undecodable, 1u);
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(calls, 1) << "overwritten with a value it can read";
}

}  // namespace
