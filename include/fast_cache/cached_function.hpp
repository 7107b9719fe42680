// cached_function: what Cache::cached() returns. Included by cache.hpp.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/codec.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/callable_traits.hpp>
#include <fast_cache/detail/single_flight.hpp>
#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/key.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace fast_cache {

/// Tag to bypass the cache for one call: `f(fast_cache::skip_cache, args...)` runs the function and
/// neither reads nor writes the cache.
struct skip_cache_t {
  explicit constexpr skip_cache_t() = default;
};
inline constexpr skip_cache_t skip_cache{};

namespace detail {

template <class F, class ArgList>
struct cached_options_from_list;
template <class F, class... Args>
struct cached_options_from_list<F, type_list<Args...>> {
  using type = cached_options<Args...>;
};
template <class F>
struct cached_options_of : cached_options_from_list<F, typename callable_traits<F>::args> {};

// The state a cached_function and its copies share; one per cached() call.
template <class F, class T, class... Args>
struct cached_state {
  // A constructor, not aggregate initialisation: make_shared's parentheses reach aggregates only
  // from clang 16.
  cached_state(Cache* c, std::string n, cached_options<Args...> o, F f)
      : cache(c), name(std::move(n)), options(std::move(o)), fn(std::move(f)) {}

  Cache* cache;
  std::string name;
  cached_options<Args...> options;
  F fn;
  single_flight<T> flights;

  std::string key(const Args&... args) const {
    std::string key = options.key_builder ? options.key_builder(args...) : default_key(name, args...);
    return namespaced_key(options.namespace_, std::move(key));
  }
  expiry expire() const { return options.expire ? options.expire : cache->default_expire(); }

  // A stored value, or nullopt when absent or undecodable (a decode failure is absorbed like any
  // backend failure: the function runs and overwrites the entry).
  static std::optional<T> decode_stored(cache_session& session, std::optional<std::string> stored) {
    if (!stored) return std::nullopt;
    try {
      return decode<T>(*stored);
    } catch (const std::exception& e) {
      session.undecodable(e.what());
      return std::nullopt;
    }
  }
};

// Splits on whether F returns asio::awaitable<T>: the call operators differ, the state does not.
template <class F, class R, class ArgList, bool Async = awaitable_traits<R>::value>
class cached_function_impl;

// A plain callable: the caller's thread reads, computes and stores; concurrent identical misses
// block on the leader's flight.
template <class F, class R, class... Args>
class cached_function_impl<F, R, type_list<Args...>, false> {
 public:
  using value_type = R;
  static_assert(cacheable<R>, "cached(): the function's result type has no fast_cache::codec");

  cached_function_impl(Cache& cache, std::string name, cached_options<Args...> options, F fn)
      : state_(std::make_shared<state>(&cache, std::move(name), std::move(options), std::move(fn))) {}

  R operator()(const Args&... args) const {
    state& s = *state_;
    const std::shared_ptr<Backend> backend = s.cache->backend();
    if (!backend) return std::invoke(s.fn, args...);
    cache_session session(*s.cache, backend, s.key(args...));
    if (std::optional<R> hit = s.decode_stored(session, read(session))) {
      session.hit();
      return std::move(*hit);
    }
    auto [flight, leader] = s.flights.join(session.key());
    session.miss();  // after joining, so a counted miss is always part of a flight
    if (!leader) return flight->wait();
    leadership<R> lead(s.flights, session.key(), std::move(flight));
    std::optional<std::string> lock_token;
    if (s.options.lock) {
      lock_outcome got = lock_or_wait(session, *s.options.lock);
      if (std::optional<R> theirs = s.decode_stored(session, std::move(got.stored))) {
        lead.publish(theirs, nullptr);
        lead.end();
        return std::move(*theirs);
      }
      lock_token = std::move(got.token);
    }
    std::optional<R> value;
    try {
      value.emplace(std::invoke(s.fn, args...));
    } catch (...) {
      if (lock_token) release_lock(session, *lock_token);
      lead.end();  // first: a caller arriving now computes afresh rather than sharing the failure
      lead.publish(std::nullopt, std::current_exception());
      throw;
    }
    lead.publish(value, nullptr);
    store(session, encode(*value), s.expire());
    if (lock_token) release_lock(session, *lock_token);  // after the store: waiters find the value
    lead.end();
    return std::move(*value);
  }

  R operator()(skip_cache_t, const Args&... args) const { return std::invoke(state_->fn, args...); }

  /// The key a call with these arguments reads and writes, namespace included.
  std::string key(const Args&... args) const { return state_->key(args...); }

 private:
  using state = cached_state<F, R, Args...>;

  std::shared_ptr<state> state_;
};

// A callable returning asio::awaitable<T>: the call is a coroutine on the caller's executor, and
// concurrent identical misses suspend on the leader's flight.
template <class F, class R, class... Args>
class cached_function_impl<F, R, type_list<Args...>, true> {
 public:
  using value_type = typename awaitable_traits<R>::value_type;
  using executor_type = typename awaitable_traits<R>::executor_type;
  static_assert(cacheable<value_type>, "cached(): the coroutine's result type has no fast_cache::codec");

  cached_function_impl(Cache& cache, std::string name, cached_options<Args...> options, F fn)
      : state_(std::make_shared<state>(&cache, std::move(name), std::move(options), std::move(fn))) {}

  // Parameters by value: they live in the coroutine frame for the whole call.
  R operator()(Args... args) const {
    const std::shared_ptr<state> keep_alive = state_;
    state& s = *keep_alive;
    const std::shared_ptr<Backend> backend = s.cache->backend();
    if (!backend) co_return co_await std::invoke(s.fn, args...);
    cache_session session(*s.cache, backend, s.key(args...));
    std::optional<std::string> stored = co_await async_read<executor_type>(session);
    if (std::optional<value_type> hit = s.decode_stored(session, std::move(stored))) {
      session.hit();
      co_return std::move(*hit);
    }
    auto [flight, leader] = s.flights.join(session.key());
    session.miss();  // after joining, so a counted miss is always part of a flight
    if (!leader) {
      co_await flight->async_wait(use_awaitable);
      co_return flight->result();
    }
    // Lives in the coroutine frame: if the frame is destroyed mid-way (its io_context gone), the
    // waiters are failed and the key freed.
    leadership<value_type> lead(s.flights, session.key(), std::move(flight));
    std::optional<std::string> lock_token;
    if (s.options.lock) {
      lock_outcome got = co_await async_lock_or_wait<executor_type>(session, *s.options.lock);
      std::optional<value_type> theirs = s.decode_stored(session, std::move(got.stored));
      if (theirs) {
        lead.publish(theirs, nullptr);
        lead.end();
        co_return std::move(*theirs);
      }
      lock_token = std::move(got.token);
    }
    std::optional<value_type> value;
    std::exception_ptr failure;
    try {
      value.emplace(co_await std::invoke(s.fn, args...));
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      if (lock_token) co_await async_release_lock<executor_type>(session, std::move(*lock_token));
      lead.end();  // first: a caller arriving now computes afresh rather than sharing the failure
      lead.publish(std::nullopt, failure);
      std::rethrow_exception(failure);
    }
    lead.publish(value, nullptr);
    // The lock goes once the store has landed, so the callers waiting on it find the value.
    co_await async_store_in_background<executor_type>(session, encode(*value), s.expire(), std::move(lock_token));
    lead.end();
    co_return std::move(*value);
  }

  R operator()(skip_cache_t, Args... args) const {
    const std::shared_ptr<state> keep_alive = state_;
    co_return co_await std::invoke(keep_alive->fn, args...);
  }

  /// The key a call with these arguments reads and writes, namespace included.
  std::string key(const Args&... args) const { return state_->key(args...); }

 private:
  using state = cached_state<F, value_type, Args...>;
  static constexpr boost::asio::use_awaitable_t<executor_type> use_awaitable{};

  std::shared_ptr<state> state_;
};

template <class F>
using cached_function_base =
    cached_function_impl<F, typename callable_traits<F>::result, typename callable_traits<F>::args>;

}  // namespace detail

/// A function whose results are cached: call it like the function it wraps. Copies share the
/// cache entries and the single-flight state.
///
/// - The key is `[<namespace_>:]<name>:<arguments as JSON>` or, with a key_builder,
///   `[<namespace_>:]<key_builder(args...)>`.
/// - A hit returns the decoded stored value; a miss runs the function, stores its result and
///   returns it. A coroutine returns before its store completes (bounded by
///   CacheOptions::max_background_stores; meanwhile this process reads the pending value).
///   Concurrent identical misses in this process run the function once; an exception from the
///   function reaches every waiter and nothing is stored. With cached_options::lock, once across
///   every process sharing the backend (see lock_options).
/// - Fail-open: a backend failure (or an undecodable stored value) never breaks the call; it is
///   counted in Cache::stats().errors and reported to the error hook, and the function runs.
/// - Without a backend (before Cache::init) the function just runs.
template <class F>
class cached_function : public detail::cached_function_base<F> {
 public:
  using detail::cached_function_base<F>::cached_function_base;
  using detail::cached_function_base<F>::operator();
};

}  // namespace fast_cache
