// cached() policies beyond a TTL, for coroutines: refreshes are coroutines on the caller's
// executor; on a wall clock moved by hand.
#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/run_coroutine.hpp"
#include "unit/core/wall_clock.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using fast_cache::testing::run;

// A coroutine that counts its runs, answers `answer`, or throws while `fail` is set.
struct source {
  std::atomic<int>* calls;
  std::atomic<int>* answer;
  std::atomic<bool>* fail;
  asio::awaitable<int> operator()(int) const {
    ++*calls;
    if (*fail) throw std::runtime_error("upstream down");
    co_return answer->load();
  }
};

class CachedPoliciesAsync : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(backend, {.clock = clock.function()}); }
  asio::io_context io;
  fast_cache::test::manual_wall_clock clock;
  fast_cache::Cache cache;
  std::shared_ptr<fast_cache::InMemoryBackend> backend = std::make_shared<fast_cache::InMemoryBackend>();
  std::atomic<int> calls{0};
  std::atomic<int> answer{1};
  std::atomic<bool> fail{false};
  source fn{&calls, &answer, &fail};
};

TEST_F(CachedPoliciesAsync, StaleWhileRevalidateRefreshesInTheBackground) {
  auto f = cache.cached("f", {.expire = 10s, .stale_while_revalidate = 30s}, fn);
  EXPECT_EQ(run(f(1), io), 1);
  answer = 2;
  clock.advance(15s);
  EXPECT_EQ(run(f(1), io), 1) << "stale, served while its refresh is spawned";
  EXPECT_EQ(run(f(1), io), 2) << "io.run() drained the refresh: the new value is stored";
  EXPECT_EQ(calls, 2);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.stale_served, 1u);
  EXPECT_EQ(stats.refreshes, 1u);
}

TEST_F(CachedPoliciesAsync, AFailedRefreshIsCounted) {
  auto f = cache.cached("f", {.expire = 10s, .stale_while_revalidate = 30s}, fn);
  EXPECT_EQ(run(f(1), io), 1);
  fail = true;
  clock.advance(15s);
  EXPECT_EQ(run(f(1), io), 1);
  EXPECT_EQ(cache.stats().refresh_failures, 1u);
}

TEST_F(CachedPoliciesAsync, StaleIfErrorAnswersAFailure) {
  auto f = cache.cached("f", {.expire = 10s, .stale_if_error = 60s}, fn);
  EXPECT_EQ(run(f(1), io), 1);
  clock.advance(20s);
  fail = true;
  EXPECT_EQ(run(f(1), io), 1);
  EXPECT_EQ(cache.stats().stale_if_error_served, 1u);
  clock.advance(60s);
  EXPECT_THROW(run(f(1), io), std::runtime_error);
}

TEST_F(CachedPoliciesAsync, TagsInvalidateAsynchronously) {
  auto f = cache.cached(
      "f", {.tags = [](const int& id) { return std::vector<std::string>{"user:" + std::to_string(id)}; }}, fn);
  EXPECT_EQ(run(f(42), io), 1);
  answer = 2;
  EXPECT_EQ(run(f(42), io), 1);
  const std::vector<std::string> tags = {"user:42"};  // outside the coroutine: g++ 12 (DESIGN.md §4)
  auto invalidate = [&]() -> asio::awaitable<void> { co_await cache.async_invalidate_tags(tags, asio::use_awaitable); };
  run(invalidate(), io);
  EXPECT_EQ(run(f(42), io), 2);
  EXPECT_EQ(calls, 2);
}

TEST_F(CachedPoliciesAsync, OptionalResultsCacheNone) {
  struct finder {
    std::atomic<int>* calls;
    asio::awaitable<std::optional<std::string>> operator()(int id) const {
      ++*calls;
      if (id == 0) co_return std::nullopt;
      co_return "found";
    }
  };
  auto find = cache.cached("find", {.expire = 60s, .negative_expire = 1s}, finder{&calls});
  EXPECT_EQ(run(find(0), io), std::nullopt);
  EXPECT_EQ(run(find(0), io), std::nullopt);
  EXPECT_EQ(calls, 1);
  clock.advance(2s);
  EXPECT_EQ(run(find(0), io), std::nullopt);
  EXPECT_EQ(calls, 2);
}

TEST_F(CachedPoliciesAsync, InvalidatingWithoutABackendCompletes) {
  fast_cache::Cache uninitialised;
  const std::vector<std::string> tags = {"a"};
  auto invalidate = [&]() -> asio::awaitable<void> {
    co_await uninitialised.async_invalidate_tags(tags, asio::use_awaitable);
  };
  EXPECT_NO_THROW(run(invalidate(), io));
}

}  // namespace
