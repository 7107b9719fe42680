// The distributed stampede lock (cached_options::lock, route_options::lock), written once for
// cached() functions and both HTTP adapters: what a miss does to become the one caller, across
// every process sharing the backend, that runs the function, and what the others do meanwhile.
// The decisions are pure (lock_schedule); two drivers (sync, async) make the backend calls.
#pragma once

#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/random_token.hpp>
#include <fast_cache/lock_options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace fast_cache::detail {

/// When a caller that did not get the lock looks again, and when it gives up: pauses start at
/// 5 ms and double up to 100 ms, so a short function's result is seen soon after it is stored,
/// and a long one's waiters cost the backend at most ten calls a second each.
class lock_schedule {
 public:
  using clock = std::chrono::steady_clock;

  lock_schedule(std::chrono::milliseconds wait, clock::time_point now) : give_up_at_(now + wait) {}

  /// The pause before looking again, or nullopt when the wait is over.
  [[nodiscard]] std::optional<std::chrono::milliseconds> next_pause(clock::time_point now) {
    if (now >= give_up_at_) return std::nullopt;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(give_up_at_ - now);
    const auto pause = std::min(pause_, left);
    pause_ = std::min(pause_ * 2, max_pause);
    return pause;
  }

 private:
  static constexpr std::chrono::milliseconds max_pause{100};
  clock::time_point give_up_at_;
  std::chrono::milliseconds pause_{5};
};

/// What a miss under the lock came to. Neither field set: run the function without the lock (the
/// wait ran out, or the backend failed: fail-open).
struct lock_outcome {
  /// Another caller's result, stored while this one waited (or just before it took the lock).
  std::optional<std::string> stored;
  /// This caller holds the lock: run the function, store its result, then release with it.
  std::optional<std::string> token;
};

// ---- the sync driver ----

/// Tries to take the lock for the session's key once: whether taken; nullopt when the backend
/// failed. A background refresh takes it so, and does nothing when another caller holds it.
std::optional<bool> try_lock_once(cache_session& s, const std::string& token, std::chrono::milliseconds lease);
/// Takes the lock for the session's key, or waits for the holder's stored result.
lock_outcome lock_or_wait(cache_session& s, const lock_options& options);
/// Releases a lock this caller holds (after storing its result, or when the function failed).
void release_lock(cache_session& s, const std::string& token);

// ---- the async driver: coroutines on the caller's executor ----

/// Tries to take the lock once: whether taken; nullopt when the backend failed.
template <class Executor>
boost::asio::awaitable<std::optional<bool>, Executor> async_try_lock(cache_session& s, std::string token,
                                                                     std::chrono::milliseconds lease) {
  if (!s.backend().supports_conditional_writes()) co_return s.local_lock(token, lease);
  constexpr auto as_tuple = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  auto [ec, taken] = co_await s.backend().async_set_if_absent(lock_key(s.key()), token, lease, s.diag(), as_tuple);
  co_return s.lock_finished(ec, taken);
}

[[nodiscard]] inline lock_outcome found_stored(std::optional<std::string> stored) {
  return lock_outcome{std::move(stored), std::nullopt};
}
[[nodiscard]] inline lock_outcome holding(std::string token) { return lock_outcome{std::nullopt, std::move(token)}; }

/// Takes the lock for the session's key, or waits for the holder's stored result.
template <class Executor>
boost::asio::awaitable<lock_outcome, Executor> async_lock_or_wait(cache_session& s, lock_options options) {
  std::string token = random_token();
  lock_schedule schedule(options.wait, lock_schedule::clock::now());
  for (;;) {
    const std::optional<bool> taken = co_await async_try_lock<Executor>(s, token, options.lease);
    if (!taken) co_return lock_outcome{};
    if (*taken) {
      // The previous holder may have stored and released between this caller's miss and now.
      std::optional<std::string> stored = co_await async_read<Executor>(s);
      if (stored) {
        co_await async_release_lock<Executor>(s, token);
        co_return found_stored(std::move(stored));
      }
      s.lock_taken();
      co_return holding(std::move(token));
    }
    const std::optional<std::chrono::milliseconds> pause = schedule.next_pause(lock_schedule::clock::now());
    if (!pause) {
      s.lock_wait_ran_out();
      co_return lock_outcome{};
    }
    const Executor ex = co_await boost::asio::this_coro::executor;
    boost::asio::basic_waitable_timer<lock_schedule::clock, boost::asio::wait_traits<lock_schedule::clock>, Executor>
        timer(ex, *pause);
    co_await timer.async_wait(boost::asio::use_awaitable_t<Executor>{});
    std::optional<std::string> stored = co_await async_read<Executor>(s);
    if (stored) {
      s.lock_waited();
      co_return found_stored(std::move(stored));
    }
  }
}

}  // namespace fast_cache::detail
