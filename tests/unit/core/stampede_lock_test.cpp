// The stampede lock of cached() (cached_options::lock): its schedule, and its drivers over the
// in-memory backend. Two Cache objects sharing one backend stand for two processes sharing a
// store: each has its own cached function and in-process single-flight, so only the lock in the
// backend can make them run the function once. The same across real servers: the conformance
// suite and the demo's end-to-end tests.
#include <fast_cache/cache.hpp>
#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/test_backends.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using fast_cache::Cache;
using fast_cache::lock_options;
using fast_cache::detail::lock_key;
using fast_cache::detail::lock_schedule;
using clock_type = std::chrono::steady_clock;

TEST(LockSchedule, PausesDoubleToACapAndEndWithTheWait) {
  const auto start = clock_type::now();
  lock_schedule schedule(1000ms, start);
  std::vector<std::chrono::milliseconds> pauses;
  auto now = start;
  while (auto pause = schedule.next_pause(now)) {
    pauses.push_back(*pause);
    now += *pause;
  }
  ASSERT_GE(pauses.size(), 7u);
  EXPECT_EQ(std::vector(pauses.begin(), pauses.begin() + 7),
            (std::vector<std::chrono::milliseconds>{5ms, 10ms, 20ms, 40ms, 80ms, 100ms, 100ms}));
  std::chrono::milliseconds total{};
  for (const auto p : pauses) total += p;
  EXPECT_EQ(total, 1000ms) << "the last pause ends exactly when the wait does";
  EXPECT_EQ(schedule.next_pause(start + 1000ms), std::nullopt);
}

TEST(LockSchedule, NoWaitMeansNoPause) {
  const auto start = clock_type::now();
  lock_schedule schedule(0ms, start);
  EXPECT_EQ(schedule.next_pause(start), std::nullopt);
}

TEST(LockTokens, AreLongRandomAndDistinct) {
  const std::string a = fast_cache::detail::random_token();
  const std::string b = fast_cache::detail::random_token();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

// A function that takes a while and counts its runs.
struct slow_report {
  std::atomic<int>* runs;
  std::chrono::milliseconds takes;
  std::string operator()(int id) const {
    runs->fetch_add(1);
    std::this_thread::sleep_for(takes);
    return "report " + std::to_string(id);
  }
};

class StampedeLock : public ::testing::Test {
 protected:
  void SetUp() override {
    first.init(store);
    second.init(store);
  }
  std::shared_ptr<fast_cache::InMemoryBackend> store = std::make_shared<fast_cache::InMemoryBackend>();
  Cache first;   // one process
  Cache second;  // another, sharing the store
  std::atomic<int> runs{0};
};

TEST_F(StampedeLock, ProcessesSharingAStoreRunTheFunctionOnce) {
  const lock_options lock{.lease = 5s, .wait = 5s};
  auto in_first = first.cached("report", {.expire = 60s, .lock = lock}, slow_report{&runs, 200ms});
  auto in_second = second.cached("report", {.expire = 60s, .lock = lock}, slow_report{&runs, 200ms});
  constexpr int callers = 8;
  std::latch start(callers);
  std::vector<std::string> answers(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      answers[i] = i % 2 == 0 ? in_first(7) : in_second(7);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  for (const auto& answer : answers) EXPECT_EQ(answer, "report 7");
  const auto a = first.stats();
  const auto b = second.stats();
  EXPECT_EQ(a.locks_taken + b.locks_taken, 1u);
  // The other process's flight leader waited (unless it came after the store): its callers shared that.
  EXPECT_LE(a.lock_waits + b.lock_waits, 1u);
  EXPECT_EQ(a.lock_timeouts + b.lock_timeouts, 0u);
  EXPECT_EQ(store->get(lock_key(in_first.key(7))), std::nullopt) << "released after the store";
  EXPECT_EQ(store->get(in_first.key(7)), "report 7");
}

TEST_F(StampedeLock, WithoutTheLockEachProcessRunsIt) {
  auto in_first = first.cached("report", {.expire = 60s}, slow_report{&runs, 200ms});
  auto in_second = second.cached("report", {.expire = 60s}, slow_report{&runs, 200ms});
  std::latch start(2);
  std::thread a([&] {
    start.arrive_and_wait();
    (void)in_first(7);
  });
  std::thread b([&] {
    start.arrive_and_wait();
    (void)in_second(7);
  });
  a.join();
  b.join();
  EXPECT_EQ(runs.load(), 2) << "the control for the test above";
}

TEST_F(StampedeLock, AHolderThatDiedFreesTheLockWhenItsLeaseEnds) {
  auto report =
      first.cached("report", {.expire = 60s, .lock = lock_options{.lease = 5s, .wait = 5s}}, slow_report{&runs, 0ms});
  ASSERT_TRUE(store->set_if_absent(lock_key(report.key(1)), "a holder that died", 300ms));
  const auto start = clock_type::now();
  EXPECT_EQ(report(1), "report 1");
  EXPECT_GE(clock_type::now() - start, 250ms) << "waited for the lease";
  EXPECT_LT(clock_type::now() - start, 3s);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(first.stats().locks_taken, 1u);
}

TEST_F(StampedeLock, WhenTheWaitRunsOutTheFunctionRunsAnyway) {
  auto report = first.cached("report", {.expire = 60s, .lock = lock_options{.lease = 5s, .wait = 150ms}},
                             slow_report{&runs, 0ms});
  ASSERT_TRUE(store->set_if_absent(lock_key(report.key(1)), "a hung holder", 1h));
  const auto start = clock_type::now();
  EXPECT_EQ(report(1), "report 1");
  EXPECT_GE(clock_type::now() - start, 150ms);
  EXPECT_LT(clock_type::now() - start, 3s);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(first.stats().lock_timeouts, 1u);
  EXPECT_EQ(store->get(lock_key(report.key(1))), "a hung holder") << "another holder's lock is never released";
  EXPECT_EQ(report(1), "report 1");
  EXPECT_EQ(runs.load(), 1) << "the result was stored";
}

TEST_F(StampedeLock, AFailingFunctionReleasesTheLockAtOnce) {
  auto failing = first.cached("failing", {.lock = lock_options{.lease = 1h, .wait = 5s}}, [this](int) -> int {
    runs.fetch_add(1);
    throw std::runtime_error("no report today");
  });
  EXPECT_THROW((void)failing(1), std::runtime_error);
  EXPECT_EQ(store->get(lock_key(failing.key(1))), std::nullopt);
  const auto start = clock_type::now();
  EXPECT_THROW((void)failing(1), std::runtime_error);
  EXPECT_LT(clock_type::now() - start, 1s) << "the next caller did not wait for the lease";
  EXPECT_EQ(runs.load(), 2);
}

TEST_F(StampedeLock, ALockTakenJustAfterTheHolderStoredServesTheStoredValue) {
  auto report = first.cached("report", {.expire = 60s, .lock = lock_options{}}, slow_report{&runs, 0ms});
  // As if another process stored the value between this caller's miss and its lock: the lock
  // is free again, and the caller reads before running.
  fast_cache::detail::cache_session session(first, store, report.key(3));
  store->set(report.key(3), "\"report 3 from elsewhere\"");
  const fast_cache::detail::lock_outcome got = fast_cache::detail::lock_or_wait(session, lock_options{});
  EXPECT_EQ(got.stored, "\"report 3 from elsewhere\"");
  EXPECT_EQ(got.token, std::nullopt);
  EXPECT_EQ(store->get(lock_key(report.key(3))), std::nullopt) << "the lock it took is given back";
}

TEST(StampedeLockWithoutConditionalWrites, TheLockIsTheProcesssOwn) {
  Cache cache;
  cache.init(std::make_shared<fast_cache::testing::recording_backend>());
  std::atomic<int> runs{0};
  const lock_options lock{.lease = 5s, .wait = 5s};
  // Two cached functions with one key: separate in-process flights, one lock.
  auto one = cache.cached("report", {.lock = lock}, slow_report{&runs, 200ms});
  auto other = cache.cached("report", {.lock = lock}, slow_report{&runs, 200ms});
  std::latch start(2);
  std::thread a([&] {
    start.arrive_and_wait();
    EXPECT_EQ(one(5), "report 5");
  });
  std::thread b([&] {
    start.arrive_and_wait();
    EXPECT_EQ(other(5), "report 5");
  });
  a.join();
  b.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(cache.stats().locks_taken, 1u);
}

TEST(StampedeLockFailOpen, ADeadBackendRunsTheFunction) {
  Cache cache;
  std::vector<std::string> failed;
  cache.init(std::make_shared<fast_cache::testing::failing_backend>(),
             {.on_error = [&](const fast_cache::cache_error& e) { failed.emplace_back(e.operation); }});
  std::atomic<int> runs{0};
  auto report = cache.cached("report", {.lock = lock_options{}}, slow_report{&runs, 0ms});
  const auto start = clock_type::now();
  EXPECT_EQ(report(9), "report 9");
  EXPECT_LT(clock_type::now() - start, 1s) << "no wait for a lock the backend cannot give";
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(failed, (std::vector<std::string>{"get", "lock", "set"}));
}

// ---- the async driver ----

asio::awaitable<std::string> slow_report_async(std::atomic<int>* runs, int id) {
  runs->fetch_add(1);
  asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
  co_await timer.async_wait(asio::use_awaitable);
  co_return "report " + std::to_string(id);
}

struct async_report {
  std::atomic<int>* runs;
  asio::awaitable<std::string> operator()(int id) const { return slow_report_async(runs, id); }
};

template <class F>
asio::awaitable<void> call_into(F f, int id, std::string* answer) {
  *answer = co_await f(id);
}

TEST_F(StampedeLock, CoroutinesInProcessesSharingAStoreRunTheFunctionOnce) {
  const lock_options lock{.lease = 5s, .wait = 5s};
  auto in_first = first.cached("async_report", {.expire = 60s, .lock = lock}, async_report{&runs});
  auto in_second = second.cached("async_report", {.expire = 60s, .lock = lock}, async_report{&runs});
  asio::io_context io;
  std::vector<std::string> answers(8);
  for (int i = 0; i < 8; ++i) {
    if (i % 2 == 0) {
      asio::co_spawn(io, call_into(in_first, 4, &answers[i]), asio::detached);
    } else {
      asio::co_spawn(io, call_into(in_second, 4, &answers[i]), asio::detached);
    }
  }
  io.run();
  EXPECT_EQ(runs.load(), 1);
  for (const auto& answer : answers) EXPECT_EQ(answer, "report 4");
  EXPECT_EQ(first.stats().locks_taken + second.stats().locks_taken, 1u);
  EXPECT_EQ(store->get(lock_key(in_first.key(4))), std::nullopt) << "released once the store landed";
}

}  // namespace
