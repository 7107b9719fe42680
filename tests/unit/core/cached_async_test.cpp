#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/run_coroutine.hpp"
#include "support/test_backends.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using fast_cache::testing::run;

struct doubler {
  std::atomic<int>* calls;
  asio::awaitable<int> operator()(int x) const {
    ++*calls;
    co_return x * 2;
  }
};

class CachedAsync : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(backend); }
  asio::io_context io;
  fast_cache::Cache cache;
  std::shared_ptr<fast_cache::InMemoryBackend> backend = std::make_shared<fast_cache::InMemoryBackend>();
  std::atomic<int> calls{0};
};

asio::awaitable<int> call_twice(fast_cache::cached_function<doubler> f, int x) {
  const int first = co_await f(x);
  const int second = co_await f(x);
  co_return first + second;
}

TEST_F(CachedAsync, MissThenHit) {
  auto f = cache.cached("double", doubler{&calls});
  EXPECT_EQ(run(call_twice(f, 21), io), 84);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(backend->get("double:[21]"), "42");
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

asio::awaitable<int> call_once(fast_cache::cached_function<doubler> f, int x) { co_return co_await f(x); }

// A backend whose read on the calling thread fails, as InMemoryBackend's may when close() races
// with it or the copy finds no memory.
class throwing_try_get_now : public fast_cache::InMemoryBackend {
 public:
  bool try_get_now(std::string_view, std::optional<std::string>&) override { throw std::bad_alloc(); }
};

// The read goes the async way, which answers it; the failure does not reach the caller.
TEST_F(CachedAsync, AThrowingReadOnTheCallingThreadFallsBackToTheAsyncRead) {
  auto throwing = std::make_shared<throwing_try_get_now>();
  fast_cache::Cache own;
  own.init(throwing);
  throwing->set("double:[5]", "10");
  auto f = own.cached("double", doubler{&calls});
  EXPECT_EQ(run(call_once(f, 5), io), 10);
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(own.stats().hits, 1u);
  EXPECT_EQ(own.stats().errors, 0u);
}
asio::awaitable<int> call_skipping(fast_cache::cached_function<doubler> f, int x) {
  co_return co_await f(fast_cache::skip_cache, x);
}

TEST_F(CachedAsync, KeyBuilderNamespaceAndExpire) {
  auto f = cache.cached(
      "custom",
      {.expire = 120s, .key_builder = [](int x) { return "custom:" + std::to_string(x); }, .namespace_ = "special"},
      doubler{&calls});
  EXPECT_EQ(run(call_once(f, 4), io), 8);
  EXPECT_EQ(backend->get("special:custom:4"), "8");
}

TEST_F(CachedAsync, SkipCache) {
  auto f = cache.cached("double", doubler{&calls});
  EXPECT_EQ(run(call_skipping(f, 1), io), 2);
  EXPECT_FALSE(backend->has("double:[1]"));
  EXPECT_EQ(run(call_once(f, 1), io), 2);
  EXPECT_EQ(run(call_skipping(f, 1), io), 2);
  EXPECT_EQ(calls.load(), 3);
}

TEST(CachedAsyncExpiry, ExpireOverridesDefaultAndDefaultApplies) {
  asio::io_context io;
  fast_cache::Cache cache;
  auto backend = std::make_shared<fast_cache::testing::recording_backend>();
  cache.init(backend, {.default_expire = 120s});
  std::atomic<int> calls{0};
  EXPECT_EQ(run(call_once(cache.cached("a", {.expire = 60s}, doubler{&calls}), 1), io), 2);
  EXPECT_EQ(run(call_once(cache.cached("b", doubler{&calls}), 1), io), 2);
  const auto expiries = backend->expiries();
  ASSERT_EQ(expiries.size(), 2u);
  EXPECT_EQ(expiries[0], fast_cache::duration(60s));
  EXPECT_EQ(expiries[1], fast_cache::duration(120s));
}

TEST(CachedAsyncNoBackend, FunctionJustRuns) {
  asio::io_context io;
  fast_cache::Cache cache;
  std::atomic<int> calls{0};
  auto f = cache.cached("double", doubler{&calls});
  EXPECT_EQ(run(call_once(f, 1), io), 2);
  EXPECT_EQ(run(call_once(f, 1), io), 2);
  EXPECT_EQ(calls.load(), 2);
}

TEST(CachedAsyncFailOpen, BackendFailureReturnsTheFunctionsResult) {
  asio::io_context io;
  fast_cache::Cache cache;
  std::atomic<int> reported{0};
  cache.init(std::make_shared<fast_cache::testing::failing_backend>(),
             {.on_error = [&reported](const fast_cache::cache_error&) { ++reported; }});
  std::atomic<int> calls{0};
  auto f = cache.cached("double", doubler{&calls});
  EXPECT_EQ(run(call_once(f, 3), io), 6);
  EXPECT_EQ(run(call_once(f, 3), io), 6);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(cache.stats().errors, 4u);
  EXPECT_EQ(reported.load(), 4);
}

// Waits, without blocking its thread, until `expected` callers have missed.
struct waits_for_all_misses {
  fast_cache::Cache* cache;
  std::atomic<int>* calls;
  std::uint64_t expected;
  bool fail;
  asio::awaitable<std::string> operator()(int x) const {
    ++*calls;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int i = 0; i < 20000 && cache->stats().misses < expected; ++i) {
      timer.expires_after(1ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (fail) throw std::runtime_error("upstream is down");
    co_return "value " + std::to_string(x);
  }
};

struct outcome {
  std::atomic<int> values{0};
  std::atomic<int> failures{0};
};

asio::awaitable<void> call_and_count(fast_cache::cached_function<waits_for_all_misses> f, outcome& out) {
  try {
    if (co_await f(9) == "value 9") ++out.values;
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()) == "upstream is down") ++out.failures;
  }
}

struct tally {
  int values;
  int failures;
};

// Calls f(9) from `callers` coroutines at once on two threads and counts how each call ended.
tally call_concurrently(const fast_cache::cached_function<waits_for_all_misses>& f, int callers) {
  asio::thread_pool pool(2);
  outcome out;
  for (int i = 0; i < callers; ++i) asio::co_spawn(pool, call_and_count(f, out), asio::detached);
  pool.join();
  return {out.values.load(), out.failures.load()};
}

TEST_F(CachedAsync, SingleFlightUnder1000Coroutines) {
  constexpr int callers = 1000;
  const tally out =
      call_concurrently(cache.cached("slow", waits_for_all_misses{&cache, &calls, callers, false}), callers);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(out.values, callers);
  EXPECT_EQ(backend->get("slow:[9]"), "value 9");
}

TEST_F(CachedAsync, ExceptionReachesEveryWaiterAndNothingIsStored) {
  constexpr int callers = 100;
  const tally out =
      call_concurrently(cache.cached("failing", waits_for_all_misses{&cache, &calls, callers, true}), callers);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(out.failures, callers);
  EXPECT_FALSE(backend->has("failing:[9]"));
}

}  // namespace

// A coroutine's result is returned before its store lands; meanwhile this process reads it.
TEST(CachedAsyncStore, ResultDoesNotWaitForItsStore) {
  fast_cache::Cache cache;
  const auto slow = std::make_shared<fast_cache::testing::recording_backend>();
  cache.init(slow);
  slow->hold_writes();
  std::atomic<int> calls{0};
  auto f = cache.cached("double", doubler{&calls});
  asio::io_context io;
  const auto call = [&] {
    auto result = asio::co_spawn(io, call_once(f, 21), asio::use_future);
    while (result.wait_for(0s) != std::future_status::ready) io.run_one();
    return result.get();
  };
  EXPECT_EQ(call(), 42);
  EXPECT_FALSE(slow->has("double:[21]")) << "the store is still on its way";
  EXPECT_EQ(cache.stats().background_stores_in_flight, 1U);
  EXPECT_EQ(call(), 42);
  EXPECT_EQ(calls.load(), 1) << "the second call read the pending store";
  slow->release_writes();
  io.run();
  EXPECT_EQ(slow->get("double:[21]"), "42");
  EXPECT_EQ(cache.stats().background_stores_in_flight, 0U);
}

namespace abandoned_leader {

// A function that never finishes by itself: it waits on a timer that nobody fires.
struct waits_forever {
  std::atomic<int>* calls;
  asio::awaitable<int> operator()(int x) const {
    ++*calls;
    asio::steady_timer never(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await never.async_wait(asio::use_awaitable);
    co_return x;
  }
};

asio::awaitable<void> call_into(fast_cache::cached_function<waits_forever> f, int x, std::string* outcome) {
  try {
    *outcome = std::to_string(co_await f(x));
  } catch (const std::exception& e) {
    *outcome = std::string("error: ") + e.what();
  }
}

// The leader's io_context is destroyed while it computes: its waiters on another io_context get
// an error instead of waiting forever, and the key is free for the next caller.
TEST(CachedAsyncAbandonedLeader, WaitersFailAndTheKeyIsFreed) {
  fast_cache::Cache cache;
  cache.init(std::make_shared<fast_cache::InMemoryBackend>());
  std::atomic<int> calls{0};
  auto f = cache.cached("forever", waits_forever{&calls});
  std::string leader_outcome, waiter_outcome;
  asio::io_context waiter_io;
  {
    asio::io_context leader_io;
    asio::co_spawn(leader_io, call_into(f, 1, &leader_outcome), asio::detached);
    leader_io.poll();  // the leader reads, misses, and suspends inside the function
    ASSERT_EQ(calls.load(), 1);
    asio::co_spawn(waiter_io, call_into(f, 1, &waiter_outcome), asio::detached);
    waiter_io.poll();  // the waiter joins the leader's flight
  }                    // the leader's frame goes with its io_context
  waiter_io.restart();
  waiter_io.run();
  EXPECT_NE(waiter_outcome.find("error: "), std::string::npos) << waiter_outcome;
  EXPECT_EQ(calls.load(), 1);

  // Not stuck: the next caller leads a new flight.
  asio::io_context next_io;
  std::string next_outcome;
  asio::co_spawn(next_io, call_into(f, 1, &next_outcome), asio::detached);
  next_io.poll();
  EXPECT_EQ(calls.load(), 2);
}

// The leader is cancelled (here by an awaitable operator's timer) while it computes: the function
// ends with operation_aborted, which its waiters share; the key is free again.
asio::awaitable<void> lead_with_deadline(fast_cache::cached_function<waits_forever> f, int x, std::string* outcome) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(co_await asio::this_coro::executor, 20ms);
  try {
    auto first = co_await (f(x) || deadline.async_wait(asio::use_awaitable));
    *outcome = first.index() == 0 ? "value" : "deadline";
  } catch (const std::exception& e) {
    *outcome = std::string("error: ") + e.what();
  }
}

TEST(CachedAsyncAbandonedLeader, CancelledLeaderFailsItsWaitersAndFreesTheKey) {
  fast_cache::Cache cache;
  cache.init(std::make_shared<fast_cache::InMemoryBackend>());
  std::atomic<int> calls{0};
  auto f = cache.cached("forever", waits_forever{&calls});
  std::string leader_outcome, waiter_outcome;
  asio::io_context io;
  asio::co_spawn(io, lead_with_deadline(f, 1, &leader_outcome), asio::detached);
  asio::co_spawn(io, call_into(f, 1, &waiter_outcome), asio::detached);
  io.run_for(2s);
  EXPECT_EQ(leader_outcome, "deadline");
  EXPECT_NE(waiter_outcome.find("error: "), std::string::npos) << waiter_outcome;
  EXPECT_EQ(calls.load(), 1);

  std::string next_outcome;
  asio::co_spawn(io, call_into(f, 1, &next_outcome), asio::detached);
  io.restart();
  io.poll();
  EXPECT_EQ(calls.load(), 2) << "the next caller leads a new flight";
}

}  // namespace abandoned_leader
