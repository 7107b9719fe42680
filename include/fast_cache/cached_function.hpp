// cached_function: what Cache::cached() returns. Included by cache.hpp.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/codec.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/callable_traits.hpp>
#include <fast_cache/detail/freshness.hpp>
#include <fast_cache/detail/random_token.hpp>
#include <fast_cache/detail/single_flight.hpp>
#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/detail/stored_value.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/key.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace fast_cache {

/// Tag to bypass the cache for one call: `f(fast_cache::skip_cache, args...)` runs the function and
/// neither reads nor writes the cache.
struct skip_cache_t {
  explicit constexpr skip_cache_t() = default;
};
inline constexpr skip_cache_t skip_cache{};

namespace detail {

template <class T>
struct optional_traits : std::false_type {};
template <class V>
struct optional_traits<std::optional<V>> : std::true_type {
  using value_type = V;
};

/// Whether cached() can store results of type T: T has a codec, or T is std::optional<V> and V
/// has one (a std::nullopt is stored as a flagged "none").
template <class T>
constexpr bool cacheable_result() {
  if constexpr (optional_traits<T>::value) {
    return cacheable<typename optional_traits<T>::value_type>;
  } else {
    return cacheable<T>;
  }
}

template <class F, class ArgList, class R>
struct cached_options_from_list;
template <class F, class R, class... Args>
struct cached_options_from_list<F, type_list<Args...>, R> {
  using type = cached_options<R(Args...)>;
};
template <class F>
struct cached_options_of
    : cached_options_from_list<F, typename callable_traits<F>::args,
                               typename awaitable_traits<typename callable_traits<F>::result>::value_type> {};

/// What a read found for a cached call, and the current versions of the call's tags, read with it.
template <class T>
struct lookup : judged<T> {
  std::vector<std::optional<std::string>> versions;
};

// The state a cached_function and its copies share, and the policies of its reads and stores,
// written once for plain functions and coroutines; one per cached() call.
template <class F, class T, class... Args>
struct cached_state {
  using options_type = cached_options<T(Args...)>;

  // A constructor, not aggregate initialisation: make_shared's parentheses reach aggregates only
  // from clang 16.
  cached_state(Cache* c, std::string n, options_type o, F f)
      : cache(c),
        name(std::move(n)),
        options(std::move(o)),
        fn(std::move(f)),
        policy{options.stale_while_revalidate, options.stale_if_error, options.early_refresh_beta},
        with_metadata(policy.any() || options.tags || optional_traits<T>::value) {}

  Cache* cache;
  std::string name;
  options_type options;
  F fn;
  freshness_policy policy;
  // Whether values are stored with metadata (stored_value) rather than as their codec bytes.
  bool with_metadata;
  single_flight<T> flights;

  std::string key(const Args&... args) const {
    std::string key = options.key_builder ? options.key_builder(args...) : default_key(name, args...);
    return namespaced_key(options.namespace_, std::move(key));
  }
  std::vector<std::string> tag_keys_of(const Args&... args) const {
    if (!options.tags) return {};
    return tag_keys(options.tags(args...));
  }

  // How long a result stays fresh: expire_from, negative_expire for a nullopt, expire, the default.
  expiry lifetime_of(const T& value) const {
    if (options.expire_from) {
      if (expiry chosen = options.expire_from(value)) return chosen;
    }
    if constexpr (optional_traits<T>::value) {
      if (!value && options.negative_expire) return options.negative_expire;
    }
    return options.expire ? options.expire : cache->default_expire();
  }

  // What a read found: decoded, its tags checked, its freshness judged. A value that cannot be
  // decoded is absorbed like any backend failure: the call goes on as a miss and overwrites it.
  lookup<T> open(cache_session& session, tagged_read got) const {
    lookup<T> out;
    out.versions = std::move(got.versions);
    if (!got.stored) return out;
    try {
      if (!with_metadata) {
        out.value.emplace(decode<T>(*got.stored));
        out.verdict = freshness::fresh;
        return out;
      }
      decoded_stored_value found = decode_stored_value(std::move(*got.stored));
      if (!found.value) {
        session.undecodable(found.problem);
        return out;
      }
      if (!tags_match(found.value->tag_versions, out.versions)) return out;  // invalidated
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(cache->now().time_since_epoch());
      out.verdict =
          judge_freshness(now.count(), found.value->fresh_until_ms, found.value->compute_ms, policy, unit_draw());
      if (out.verdict == freshness::expired) return out;
      if constexpr (optional_traits<T>::value) {
        if (found.value->none) {
          out.value.emplace(std::nullopt);
        } else {
          out.value.emplace(decode<typename optional_traits<T>::value_type>(found.value->value));
        }
      } else {
        if (found.value->none) throw Error(errc::decode_failed, "a cached none for a function without std::optional");
        out.value.emplace(decode<T>(found.value->value));
      }
    } catch (const std::exception& e) {
      session.undecodable(e.what());
      out.value.reset();
    }
    return out;
  }

  // The bytes and the backend expiry to store a result with, or nullopt when cache_if refuses it.
  std::optional<std::pair<std::string, expiry>> to_store(const T& value, std::vector<std::string> versions,
                                                         std::chrono::steady_clock::duration took) const {
    const expiry lifetime = lifetime_of(value);
    if (!with_metadata) return std::pair{encode(value), lifetime};
    stored_value v;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(cache->now().time_since_epoch());
    v.stored_at_ms = now.count();
    // A value without a known lifetime (the backend's default, or never) never goes stale here.
    if (lifetime && lifetime->count() > 0) v.fresh_until_ms = v.stored_at_ms + lifetime->count();
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    v.compute_ms = static_cast<std::uint32_t>(std::clamp<std::int64_t>(took_ms, 0, UINT32_MAX));
    v.tag_versions = std::move(versions);
    if constexpr (optional_traits<T>::value) {
      v.none = !value;
      if (value) v.value = encode(*value);
    } else {
      v.value = encode(value);
    }
    return std::pair{encode_stored_value(v), backend_expiry(lifetime, policy)};
  }

  bool storable(const T& value) const { return !options.cache_if || options.cache_if(value); }

  // ---- the sync driver ----

  // Stores a computed result: creates missing tag versions first (see versions_for_store).
  void store_result(cache_session& session, const T& value, const std::vector<std::string>& tag_keys,
                    std::vector<std::optional<std::string>> versions, std::chrono::steady_clock::duration took) const {
    if (!storable(value)) return;
    std::optional<std::vector<std::string>> at = versions_for_store(session, tag_keys, std::move(versions));
    if (!at) return;
    if (auto bytes = to_store(value, std::move(*at), took)) store(session, std::move(bytes->first), bytes->second);
  }

  // Refreshes a value in the background: runs on the Cache's refresh threads.
  static void refresh(const std::shared_ptr<cached_state>& self, const std::shared_ptr<Backend>& backend,
                      std::string key, const std::vector<std::string>& tag_keys,
                      std::vector<std::optional<std::string>> versions, const Args&... args) {
    cache_session session(*self->cache, backend, std::move(key));
    std::optional<std::string> token;
    if (self->options.lock) {
      std::string mine = random_token();
      const std::optional<bool> taken = try_lock_once(session, mine, self->options.lock->lease);
      if (taken && !*taken) return;  // another process is refreshing it
      if (taken) token = std::move(mine);
    }
    const auto started = std::chrono::steady_clock::now();
    std::optional<T> value;
    try {
      value.emplace(std::invoke(self->fn, args...));
    } catch (...) {
      session.refresh_finished(false);
    }
    if (value) {
      self->store_result(session, *value, tag_keys, std::move(versions), std::chrono::steady_clock::now() - started);
      session.refresh_finished(true);
    }
    if (token) release_lock(session, *token);
  }

  // ---- the async driver ----

  template <class Executor>
  boost::asio::awaitable<void, Executor> async_store_result(cache_session& session, const T& value,
                                                            std::vector<std::string> tag_keys,
                                                            std::vector<std::optional<std::string>> versions,
                                                            std::chrono::steady_clock::duration took,
                                                            std::optional<std::string> lock_token) const {
    std::optional<std::pair<std::string, expiry>> bytes;
    if (storable(value)) {
      std::optional<std::vector<std::string>> at =
          co_await async_versions_for_store<Executor>(session, std::move(tag_keys), std::move(versions));
      if (at) bytes = to_store(value, std::move(*at), took);
    }
    if (!bytes) {
      if (lock_token) co_await async_release_lock<Executor>(session, std::move(*lock_token));
      co_return;
    }
    // The lock goes once the store has landed, so the callers waiting on it find the value.
    co_await async_store_in_background<Executor>(session, std::move(bytes->first), bytes->second,
                                                 std::move(lock_token));
  }

  template <class Executor>
  static boost::asio::awaitable<void, Executor> async_refresh(std::shared_ptr<cached_state> self,
                                                              std::shared_ptr<Backend> backend,
                                                              [[maybe_unused]] refresh_guard guard,  // held until done
                                                              std::string key, std::vector<std::string> tag_keys,
                                                              std::vector<std::optional<std::string>> versions,
                                                              Args... args) {
    cache_session session(*self->cache, std::move(backend), std::move(key));
    std::optional<std::string> token;
    if (self->options.lock) {
      std::string mine = random_token();
      const std::optional<bool> taken = co_await async_try_lock<Executor>(session, mine, self->options.lock->lease);
      if (taken && !*taken) co_return;  // another process is refreshing it
      if (taken) token = std::move(mine);
    }
    const auto started = std::chrono::steady_clock::now();
    std::optional<T> value;
    try {
      value.emplace(co_await std::invoke(self->fn, args...));
    } catch (...) {
      session.refresh_finished(false);
    }
    if (!value) {
      if (token) co_await async_release_lock<Executor>(session, std::move(*token));
      co_return;
    }
    const auto took = std::chrono::steady_clock::now() - started;
    co_await self->template async_store_result<Executor>(session, *value, std::move(tag_keys), std::move(versions),
                                                         took, std::move(token));
    session.refresh_finished(true);
  }
};

// Splits on whether F returns asio::awaitable<T>: the call operators differ, the state does not.
template <class F, class R, class ArgList, bool Async = awaitable_traits<R>::value>
class cached_function_impl;

// A plain callable: the caller's thread reads, computes and stores; concurrent identical misses
// block on the leader's flight. Background refreshes run on the Cache's refresh threads.
template <class F, class R, class... Args>
class cached_function_impl<F, R, type_list<Args...>, false> {
 public:
  using value_type = R;
  static_assert(cacheable_result<R>(), "cached(): the function's result type has no fast_cache::codec");

  cached_function_impl(Cache& cache, std::string name, cached_options<R(Args...)> options, F fn)
      : state_(std::make_shared<state>(&cache, std::move(name), std::move(options), std::move(fn))) {}

  R operator()(const Args&... args) const {
    state& s = *state_;
    const std::shared_ptr<Backend> backend = s.cache->backend();
    if (!backend) return std::invoke(s.fn, args...);
    cache_session session(*s.cache, backend, s.key(args...));
    const std::vector<std::string> tag_keys = s.tag_keys_of(args...);
    lookup<R> found = s.open(session, read_tagged(session, tag_keys));
    if (found.serves()) {
      session.served(found.verdict);
      if (found.refreshes()) refresh_in_background(session, tag_keys, found.versions, args...);
      return std::move(*found.value);
    }
    auto [flight, leader] = s.flights.join(session.key());
    session.miss();  // after joining, so a counted miss is always part of a flight
    if (!leader) {
      try {
        return flight->wait();
      } catch (...) {
        if (!found.has_fallback()) throw;
        session.stale_if_error();
        return std::move(*found.value);
      }
    }
    leadership<R> lead(s.flights, session.key(), std::move(flight));
    std::optional<std::string> lock_token;
    if (s.options.lock) {
      lock_outcome got = lock_or_wait(session, *s.options.lock);
      if (got.stored) {
        lookup<R> theirs = s.open(session, tagged_read{std::move(got.stored), found.versions});
        if (theirs.value) {
          lead.publish(theirs.value, nullptr);
          lead.end();
          return std::move(*theirs.value);
        }
      }
      lock_token = std::move(got.token);
    }
    const auto started = std::chrono::steady_clock::now();
    std::optional<R> value;
    try {
      value.emplace(std::invoke(s.fn, args...));
    } catch (...) {
      if (lock_token) release_lock(session, *lock_token);
      lead.end();  // first: a caller arriving now computes afresh rather than sharing the failure
      lead.publish(std::nullopt, std::current_exception());
      if (!found.has_fallback()) throw;
      session.stale_if_error();
      return std::move(*found.value);
    }
    lead.publish(value, nullptr);
    s.store_result(session, *value, tag_keys, std::move(found.versions), std::chrono::steady_clock::now() - started);
    if (lock_token) release_lock(session, *lock_token);  // after the store: waiters find the value
    lead.end();
    return std::move(*value);
  }

  R operator()(skip_cache_t, const Args&... args) const { return std::invoke(state_->fn, args...); }

  /// The key a call with these arguments reads and writes, namespace included.
  std::string key(const Args&... args) const { return state_->key(args...); }

 private:
  using state = cached_state<F, R, Args...>;

  void refresh_in_background(cache_session& session, const std::vector<std::string>& tag_keys,
                             const std::vector<std::optional<std::string>>& versions, const Args&... args) const {
    std::optional<refresh_guard> refresh = session.begin_refresh();
    if (!refresh) return;
    // Shared, as std::function copies what it holds: the refresh ends when the work is done with.
    auto guard = std::make_shared<refresh_guard>(std::move(*refresh));
    cache_session::run_in_background(
        *state_->cache, [self = state_, backend = session.backend_ptr(), guard, key = session.key(), tag_keys, versions,
                         ... args = args]() mutable {
          state::refresh(self, backend, std::move(key), tag_keys, std::move(versions), args...);
        });
  }

  std::shared_ptr<state> state_;
};

// A callable returning asio::awaitable<T>: the call is a coroutine on the caller's executor, and
// concurrent identical misses suspend on the leader's flight. Background refreshes are
// coroutines on the same executor.
template <class F, class R, class... Args>
class cached_function_impl<F, R, type_list<Args...>, true> {
 public:
  using value_type = typename awaitable_traits<R>::value_type;
  using executor_type = typename awaitable_traits<R>::executor_type;
  static_assert(cacheable_result<value_type>(), "cached(): the coroutine's result type has no fast_cache::codec");

  cached_function_impl(Cache& cache, std::string name, cached_options<value_type(Args...)> options, F fn)
      : state_(std::make_shared<state>(&cache, std::move(name), std::move(options), std::move(fn))) {}

  // Parameters by value: they live in the coroutine frame for the whole call.
  R operator()(Args... args) const {
    const std::shared_ptr<state> keep_alive = state_;
    state& s = *keep_alive;
    const std::shared_ptr<Backend> backend = s.cache->backend();
    if (!backend) co_return co_await std::invoke(s.fn, args...);
    cache_session session(*s.cache, backend, s.key(args...));
    const std::vector<std::string> tag_keys = s.tag_keys_of(args...);
    tagged_read got = co_await async_read_tagged<executor_type>(session, tag_keys);
    lookup<value_type> found = s.open(session, std::move(got));
    if (found.serves()) {
      session.served(found.verdict);
      std::optional<refresh_guard> refresh = found.refreshes() ? session.begin_refresh() : std::nullopt;
      if (refresh) {
        const executor_type ex = co_await boost::asio::this_coro::executor;
        boost::asio::co_spawn(
            ex,
            state::template async_refresh<executor_type>(keep_alive, backend, std::move(*refresh), session.key(),
                                                         tag_keys, found.versions, args...),
            boost::asio::detached);
      }
      co_return std::move(*found.value);
    }
    auto [flight, leader] = s.flights.join(session.key());
    session.miss();  // after joining, so a counted miss is always part of a flight
    if (!leader) {
      co_await flight->async_wait(use_awaitable);
      try {
        co_return flight->result();
      } catch (...) {
        if (!found.has_fallback()) throw;
      }
      session.stale_if_error();
      co_return std::move(*found.value);
    }
    // Lives in the coroutine frame: if the frame is destroyed mid-way (its io_context gone), the
    // waiters are failed and the key freed.
    leadership<value_type> lead(s.flights, session.key(), std::move(flight));
    std::optional<std::string> lock_token;
    if (s.options.lock) {
      lock_outcome got_lock = co_await async_lock_or_wait<executor_type>(session, *s.options.lock);
      if (got_lock.stored) {
        lookup<value_type> theirs = s.open(session, tagged_read{std::move(got_lock.stored), found.versions});
        if (theirs.value) {
          lead.publish(theirs.value, nullptr);
          lead.end();
          co_return std::move(*theirs.value);
        }
      }
      lock_token = std::move(got_lock.token);
    }
    const auto started = std::chrono::steady_clock::now();
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
      if (!found.has_fallback()) std::rethrow_exception(failure);
      session.stale_if_error();
      co_return std::move(*found.value);
    }
    lead.publish(value, nullptr);
    const auto took = std::chrono::steady_clock::now() - started;
    co_await s.template async_store_result<executor_type>(session, *value, tag_keys, std::move(found.versions), took,
                                                          std::move(lock_token));
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
/// - Beyond a TTL (cached_options): stale_while_revalidate serves a stale value and refreshes it
///   in the background; early_refresh_beta refreshes hot values before they expire; stale_if_error
///   answers a failed call with a stale value; tags make values a miss on Cache::invalidate_tags;
///   cache_if and expire_from decide from the result; std::optional results cache a nullopt (for
///   negative_expire). Values of functions using any of these are stored with their metadata
///   (detail::stored_value), the others as their codec bytes alone.
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
