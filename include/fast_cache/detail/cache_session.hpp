// One cached call's traffic with its backend, written once for cached() functions and both HTTP
// adapters: the session is sans-I/O, and two drivers (sync, async) make the backend calls.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/detail/freshness.hpp>
#include <fast_cache/detail/single_flight.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fast_cache {
class Cache;
}

namespace fast_cache::detail {

/// What a cached call does around its backend calls, without doing them: a driver reads or
/// writes and reports the outcome here, and the session applies the policies every cached call
/// shares. Fail-open: a failed read is a miss and a failed store is skipped, each counted and
/// reported to the Cache's error hook. Backends bound each call by their budgets and breakers.
class cache_session {
 public:
  cache_session(Cache& cache, std::shared_ptr<Backend> backend, std::string key);

  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] Backend& backend() const noexcept { return *backend_; }
  [[nodiscard]] const std::shared_ptr<Backend>& backend_ptr() const noexcept { return backend_; }
  [[nodiscard]] Cache& cache() const noexcept { return *cache_; }
  /// Where drivers let the backend write a failure's diagnosis.
  [[nodiscard]] diagnostics& diag() noexcept { return diag_; }

  /// The bytes a background store of this process is writing under the key, if any: a read
  /// serves them, so a response is not followed by a miss while its store is on its way.
  [[nodiscard]] std::optional<std::string> pending_store() const;
  /// A read ended: the stored bytes, or nullopt when absent or when the read failed.
  std::optional<std::string> read_finished(const boost::system::error_code& ec, std::optional<std::string> stored);
  /// Stored bytes could not be decoded: the call goes on as a miss and overwrites them.
  void undecodable(std::string_view why);
  void hit() noexcept;
  void miss() noexcept;
  /// A value was served from the backend as judged (a hit; stale, or refreshed early, counted).
  void served(freshness verdict) noexcept;
  /// A failed computation was answered with a stale value (stale-if-error).
  void stale_if_error() noexcept;
  /// Starts the background refresh of the session's key: a guard that ends it when destroyed, or
  /// nullopt when one is already under way in this process (one refresh per key at a time).
  [[nodiscard]] std::optional<refresh_guard> begin_refresh();
  /// A background refresh ended: whether its function gave a value (then stored).
  void refresh_finished(bool stored) noexcept;
  /// Runs the background refresh of a plain function on the Cache's refresh threads.
  static void run_in_background(Cache& cache, std::function<void()> work);
  /// A store ended.
  void store_finished(const boost::system::error_code& ec);

  // The stampede lock (detail/stampede_lock.hpp) reports here.
  /// An attempt to take the lock ended: whether taken, or nullopt when the backend failed.
  std::optional<bool> lock_finished(const boost::system::error_code& ec, bool taken);
  /// A release ended.
  void unlock_finished(const boost::system::error_code& ec);
  /// The lock of a backend without conditional writes: this process's own.
  bool local_lock(const std::string& token, std::chrono::milliseconds lease);
  void local_unlock(const std::string& token);
  void lock_taken() noexcept;
  void lock_waited() noexcept;
  void lock_wait_ran_out() noexcept;

 private:
  Cache* cache_;
  std::shared_ptr<Backend> backend_;
  std::string key_;
  diagnostics diag_;
};

// ---- the sync driver ----

/// Reads the session's key on the calling thread.
std::optional<std::string> read(cache_session& s);
/// Stores bytes under the session's key on the calling thread.
void store(cache_session& s, std::string bytes, expiry expire);

// ---- the async driver: coroutines on the caller's executor ----

template <class Executor>
boost::asio::awaitable<std::optional<std::string>, Executor> async_read(cache_session& s) {
  if (auto pending = s.pending_store()) co_return pending;
  std::optional<std::string> now;
  bool answered = false;
  try {
    answered = s.backend().try_get_now(s.key(), now);
  } catch (...) {
    // A close() racing with the read, or no memory for the copy: the async read reports it.
  }
  if (answered) co_return s.read_finished({}, std::move(now));
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  auto [ec, stored] = co_await s.backend().async_get(s.key(), s.diag(), token);
  co_return s.read_finished(ec, std::move(stored));
}

template <class Executor>
boost::asio::awaitable<void, Executor> async_store(cache_session& s, std::string bytes, expiry expire) {
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  auto [ec] = co_await s.backend().async_set(s.key(), std::move(bytes), expire, s.diag(), token);
  s.store_finished(ec);
}

/// A place among the Cache's bounded background stores, taken with the bytes being stored so
/// that reads of the key in this process see them before the backend does; given back (and the
/// bytes forgotten) when destroyed.
class background_slot {
 public:
  /// Takes a place for `key`; empty (false) when the Cache's bound is reached.
  background_slot(Cache& cache, const std::string& key, const std::string& bytes);
  background_slot(background_slot&& other) noexcept
      : cache_(std::exchange(other.cache_, nullptr)), key_(std::move(other.key_)) {}
  background_slot& operator=(background_slot&&) = delete;
  ~background_slot();
  explicit operator bool() const noexcept { return cache_ != nullptr; }

 private:
  Cache* cache_;
  std::string key_;
};

/// Lock keys start with this: beside the entry they guard, in a key space of their own that the
/// keys of cached() functions (whose escaped parts never start with `%`) and routes cannot reach.
inline constexpr std::string_view lock_key_prefix = "%lock:";

[[nodiscard]] inline std::string lock_key(std::string_view key) {
  std::string out(lock_key_prefix);
  out += key;
  return out;
}

/// Releases the stampede lock this caller holds on the session's key (detail/stampede_lock.hpp).
template <class Executor>
boost::asio::awaitable<void, Executor> async_release_lock(cache_session& s, std::string token) {
  if (!s.backend().supports_conditional_writes()) {
    s.local_unlock(token);
    co_return;
  }
  constexpr auto as_tuple = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  auto [ec, released] = co_await s.backend().async_erase_if_equal(lock_key(s.key()), token, s.diag(), as_tuple);
  s.unlock_finished(ec);
}

/// Stores, then releases the stampede lock when `lock_token` is set: the lock goes only once
/// the value is there for the callers waiting on it.
template <class Executor>
boost::asio::awaitable<void, Executor> async_store_and_release(cache_session& s, std::string bytes, expiry expire,
                                                               std::optional<std::string> lock_token) {
  co_await async_store<Executor>(s, std::move(bytes), expire);
  if (lock_token) co_await async_release_lock<Executor>(s, std::move(*lock_token));
}

template <class Executor>
boost::asio::awaitable<void, Executor> store_detached(cache_session s, std::string bytes, expiry expire,
                                                      std::optional<std::string> lock_token,
                                                      [[maybe_unused]] background_slot slot) {  // held until done
  co_await async_store_and_release<Executor>(s, std::move(bytes), expire, std::move(lock_token));
}

/// Stores bytes under the session's key (then releases `lock_token`'s lock) in the background on
/// `ex`, holding `slot`: the caller (an HTTP response) need not wait. The io_context behind `ex`
/// runs until the store ends, so a server drains its stores before it stops.
template <class Executor>
void spawn_store(const cache_session& s, std::string bytes, expiry expire, std::optional<std::string> lock_token,
                 const Executor& ex, background_slot slot) {
  boost::asio::co_spawn(ex,
                        store_detached<Executor>(s, std::move(bytes), expire, std::move(lock_token), std::move(slot)),
                        boost::asio::detached);
}

/// Stores without making the caller wait, on the caller's executor, while the Cache has room for
/// another background store; past that bound, waits for the store (back-pressure, nothing lost).
/// Until the store lands, reads in this process see its bytes. With `lock_token`, releases that
/// stampede lock once the store has landed.
template <class Executor>
boost::asio::awaitable<void, Executor> async_store_in_background(cache_session& s, std::string bytes, expiry expire,
                                                                 std::optional<std::string> lock_token = std::nullopt) {
  background_slot slot(s.cache(), s.key(), bytes);
  if (!slot) {
    co_await async_store_and_release<Executor>(s, std::move(bytes), expire, std::move(lock_token));
    co_return;
  }
  const Executor ex = co_await boost::asio::this_coro::executor;
  spawn_store(s, std::move(bytes), expire, std::move(lock_token), ex, std::move(slot));
}

}  // namespace fast_cache::detail
