// One cached call's traffic with its backend, written once for cached() functions and both HTTP
// adapters: the session is sans-I/O, and two drivers (sync, async) make the backend calls.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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
  /// A store ended.
  void store_finished(const boost::system::error_code& ec);

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

template <class Executor>
boost::asio::awaitable<void, Executor> store_detached(cache_session s, std::string bytes, expiry expire,
                                                      [[maybe_unused]] background_slot slot) {  // held until done
  co_await async_store<Executor>(s, std::move(bytes), expire);
}

/// Stores bytes under the session's key in the background on `ex`, holding `slot`: the caller
/// (an HTTP response) need not wait. The io_context behind `ex` runs until the store ends, so a
/// server drains its stores before it stops.
template <class Executor>
void spawn_store(const cache_session& s, std::string bytes, expiry expire, const Executor& ex, background_slot slot) {
  boost::asio::co_spawn(ex, store_detached<Executor>(s, std::move(bytes), expire, std::move(slot)),
                        boost::asio::detached);
}

/// Stores without making the caller wait, on the caller's executor, while the Cache has room for
/// another background store; past that bound, waits for the store (back-pressure, nothing lost).
/// Until the store lands, reads in this process see its bytes.
template <class Executor>
boost::asio::awaitable<void, Executor> async_store_in_background(cache_session& s, std::string bytes, expiry expire) {
  background_slot slot(s.cache(), s.key(), bytes);
  if (!slot) {
    co_await async_store<Executor>(s, std::move(bytes), expire);
    co_return;
  }
  const Executor ex = co_await boost::asio::this_coro::executor;
  spawn_store(s, std::move(bytes), expire, ex, std::move(slot));
}

}  // namespace fast_cache::detail
