// The Cache facade: one place that holds the backend, the defaults and the counters, and wraps
// functions with cached().
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/completion.hpp>
#include <fast_cache/detail/single_flight.hpp>
#include <fast_cache/expiry.hpp>
#include <fast_cache/lock_options.hpp>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace boost::asio {
class thread_pool;
}

namespace fast_cache {

/// A backend failure that cached() absorbed (fail-open). `operation` is "get", "set" or "decode".
struct cache_error {
  std::string_view operation;
  std::string_view key;
  boost::system::error_code code;  ///< compares equal to a fast_cache::errc
  const diagnostics& diag;         ///< what failed and why, the server's own diagnosis included
};

/// Called for every absorbed failure; must be thread-safe and must not throw.
using error_hook = std::function<void(const cache_error&)>;

struct CacheOptions {
  /// Expiry of cached() entries whose options give none; nullopt leaves it to the backend.
  expiry default_expire;
  /// Told about every backend failure cached() absorbed; silent when empty.
  error_hook on_error;
  /// Async cached routes and coroutines answer before their store completes; at most this many
  /// such stores are in flight at once, beyond which a call waits for its own store (nothing is
  /// dropped).
  std::size_t max_background_stores = 256;
  /// The key that authenticates cached HTTP responses (HMAC-SHA-256, see
  /// fast_cache::http::entry_seal): set it when others can write to the backend (a shared table
  /// or Redis), and give every server sharing the entries the same one. Empty reads the
  /// environment variable FAST_CACHE_HTTP_SECRET; empty there too stores entries unauthenticated.
  std::string http_secret{};
  /// The wall clock by which stored values go stale (stale-while-revalidate, stale-if-error,
  /// early refresh); empty = std::chrono::system_clock. For tests.
  std::function<std::chrono::system_clock::time_point()> clock{};
};

/// Counters of one Cache, for every cached() function and cached route bound to it.
struct cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t errors = 0;       ///< absorbed failures of every kind
  std::uint64_t timeouts = 0;     ///< of which errc::timeout: a call ran out of its budget
  std::uint64_t unavailable = 0;  ///< of which errc::unavailable: unreachable, or the breaker open
  std::uint64_t undecodable = 0;  ///< of which errc::decode_failed: stored bytes refused (foreign, forged, invalid)
  std::uint64_t background_stores = 0;            ///< stores run after their response was sent
  std::uint64_t background_stores_in_flight = 0;  ///< of which still running
  std::uint64_t locks_taken = 0;                  ///< misses that took the stampede lock and ran the function
  std::uint64_t lock_waits = 0;                   ///< misses served the lock holder's result after waiting for it
  std::uint64_t lock_timeouts = 0;                ///< waits that ran out (lock_options::wait): the function ran anyway
  std::uint64_t stale_served = 0;                 ///< hits served stale while a refresh ran (stale_while_revalidate)
  std::uint64_t stale_if_error_served = 0;        ///< stale values served because the function failed (stale_if_error)
  std::uint64_t early_refreshes = 0;    ///< fresh hits that started a refresh ahead of expiry (early_refresh_beta)
  std::uint64_t refreshes = 0;          ///< background refreshes that stored a new value
  std::uint64_t refresh_failures = 0;   ///< background refreshes whose function failed
  std::uint64_t tag_invalidations = 0;  ///< tags invalidated by invalidate_tags
};

template <class F>
class cached_function;
namespace detail {
template <class F>
struct cached_options_of;
class cache_session;
class background_slot;
}  // namespace detail

template <class Signature>
struct cached_options;

/// Options of one cached function returning R (for a coroutine, the R of its awaitable<R>) from
/// parameters Args: `cached_options<int(int, std::string)>`; Cache::cached deduces it. The
/// key_builder and tags take the function's own parameters; cache_if and expire_from its result.
template <class R, class... Args>
struct cached_options<R(Args...)> {
  /// How long results stay fresh; nullopt uses the Cache's default_expire, <= 0 never expires.
  expiry expire;
  /// Builds the key from the arguments instead of the default `<name>:<arguments>`.
  std::function<std::string(const Args&...)> key_builder;
  /// Prefixes every key of this function with `<namespace_>:`.
  std::string namespace_;
  /// Runs the function once per miss across every process sharing the backend (see
  /// lock_options); without it, once per miss in each process. Background refreshes take it too.
  std::optional<lock_options> lock;
  /// For this long after a value goes stale, a call returns it at once and refreshes it in the
  /// background, once per key (in this process; across processes with `lock`).
  duration stale_while_revalidate{0};
  /// For this long after a value goes stale, a call whose function fails (throws) returns the
  /// stale value instead of the failure.
  duration stale_if_error{0};
  /// Probabilistic early refresh (XFetch): a hit refreshes the value in the background before it
  /// expires, with a chance that grows as expiry nears and with how long the function takes, so
  /// a hot key never misses. 1 is the usual factor, larger refreshes earlier, 0 never.
  double early_refresh_beta = 0;
  /// The tags of a result, from the arguments: Cache::invalidate_tags on any of them makes it a
  /// miss everywhere.
  std::function<std::vector<std::string>(const Args&...)> tags;
  /// Whether a result is stored; empty stores every result.
  std::function<bool(const R&)> cache_if;
  /// How long a result stays fresh, from the result; replaces `expire`.
  std::function<expiry(const R&)> expire_from;
  /// For a function returning std::optional: how long a std::nullopt result stays fresh; nullopt
  /// uses `expire`. Results are stored with a flag for "none", so a miss and a cached nullopt
  /// differ.
  expiry negative_expire;
};

/// The options type for callable F (its result and parameter types, decayed).
template <class F>
using cached_options_for = typename detail::cached_options_of<F>::type;

class Cache {
 public:
  Cache();
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  /// Sets the backend and the defaults; may be called again to replace them.
  /// Throws std::invalid_argument when backend is null.
  void init(std::shared_ptr<Backend> backend, CacheOptions options = {});

  /// Initialises for an HTTP application: `init(backend, options)`, then lets the framework adapter
  /// found by argument-dependent lookup (`fast_cache_init_app(app, cache)`, from the adapter's
  /// header) hook the cache into the application, e.g. to close the backend at shutdown.
  template <class App>
  void init_app(App& app, std::shared_ptr<Backend> backend, CacheOptions options = {}) {
    init(std::move(backend), std::move(options));
    fast_cache_init_app(app, *this);
  }

  /// The backend, for direct use. Throws std::logic_error before init.
  [[nodiscard]] std::shared_ptr<Backend> get_cache() const;

  /// The backend, or null before init (cached() then just runs the function).
  [[nodiscard]] std::shared_ptr<Backend> backend() const noexcept { return backend_.load(std::memory_order_acquire); }

  [[nodiscard]] expiry default_expire() const noexcept;

  /// The key authenticating cached HTTP responses (CacheOptions::http_secret); empty for none.
  [[nodiscard]] std::shared_ptr<const std::string> http_secret() const noexcept {
    return http_secret_.load(std::memory_order_acquire);
  }

  /// Closes the backend and forgets it (the seed's shutdown); cached() functions keep working
  /// uncached. Background stores still in flight are waited for first, up to 5 s (each is bounded
  /// by the backend's write budget); call it where they can finish, not on a thread their
  /// io_context needs (the Beast app calls it after its io_context has run dry).
  void close();

  [[nodiscard]] cache_stats stats() const noexcept;

  /// Makes every cached value (of cached() functions and routes) carrying one of `tags` a miss,
  /// in every process sharing the backend: one backend call (set_many of new tag versions).
  /// Does nothing before init. Unlike a read, a failed invalidation is not absorbed: it throws
  /// fast_cache::Error. Empty tags throw Error(errc::invalid_argument).
  void invalidate_tags(const std::vector<std::string>& tags);
  /// invalidate_tags, asynchronously; completion `void(error_code)`.
  template <class Token>
  auto async_invalidate_tags(const std::vector<std::string>& tags, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(initiate_invalidate{this}, token,
                                                                               new_tag_versions(tags));
  }

  /// The clock values go stale by (CacheOptions::clock).
  [[nodiscard]] std::chrono::system_clock::time_point now() const;

  /// Wraps fn so that its results are cached under `name` (see cached_function).
  template <class F>
  cached_function<F> cached(std::string name, cached_options_for<F> options, F fn) {
    return cached_function<F>(*this, std::move(name), std::move(options), std::move(fn));
  }
  template <class F>
  cached_function<F> cached(std::string name, F fn) {
    return cached(std::move(name), {}, std::move(fn));
  }

 private:
  friend class detail::cache_session;
  friend class detail::background_slot;
  void record_hit() noexcept { hits_.fetch_add(1, std::memory_order_relaxed); }
  void record_miss() noexcept { misses_.fetch_add(1, std::memory_order_relaxed); }
  void record_error(std::string_view operation, std::string_view key, const boost::system::error_code& code,
                    const diagnostics& diag) noexcept;
  bool begin_background_store(const std::string& key, const std::string& bytes);
  void end_background_store(const std::string& key) noexcept;
  std::optional<std::string> pending_store(const std::string& key) const;
  void record_lock_taken() noexcept { locks_taken_.fetch_add(1, std::memory_order_relaxed); }
  void record_lock_wait() noexcept { lock_waits_.fetch_add(1, std::memory_order_relaxed); }
  void record_lock_timeout() noexcept { lock_timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void record_stale_served() noexcept { stale_served_.fetch_add(1, std::memory_order_relaxed); }
  void record_stale_if_error() noexcept { stale_if_error_served_.fetch_add(1, std::memory_order_relaxed); }
  void record_early_refresh() noexcept { early_refreshes_.fetch_add(1, std::memory_order_relaxed); }
  void record_refresh(bool stored) noexcept {
    (stored ? refreshes_ : refresh_failures_).fetch_add(1, std::memory_order_relaxed);
  }
  // Runs a background refresh of a plain (not coroutine) function, on a small pool of threads of
  // this Cache: the caller that found the value stale does not wait for it.
  void run_in_background(std::function<void()> work);
  // New versions of tags (throws Error for an empty one), counted as invalidated.
  std::vector<item> new_tag_versions(const std::vector<std::string>& tags);
  struct initiate_invalidate {
    Cache* self;
    template <class Handler>
    void operator()(Handler&& handler, std::vector<item> versions) const {
      auto erased = erase_handler<void(boost::system::error_code)>(std::forward<Handler>(handler));
      if (std::shared_ptr<Backend> backend = self->backend()) {
        backend->async_set_many(std::move(versions), duration(0), std::move(erased));
      } else {
        post_completion(std::move(erased), boost::system::error_code{});
      }
    }
  };
  // The stampede lock for backends without conditional writes: this process's own.
  bool local_lock(const std::string& key, const std::string& token, std::chrono::milliseconds lease);
  void local_unlock(const std::string& key, const std::string& token);

  // Read on every cached() call, so kept lock-free; the hook is read only on failures.
  static constexpr std::int64_t no_default_expire = INT64_MIN;
  std::atomic<std::shared_ptr<Backend>> backend_;
  std::atomic<std::int64_t> default_expire_ms_{no_default_expire};
  mutable std::mutex hook_mutex_;
  std::shared_ptr<const error_hook> on_error_;  // shared, so taking it out of the lock cannot throw
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::atomic<std::uint64_t> unavailable_{0};
  std::atomic<std::uint64_t> undecodable_{0};
  std::atomic<std::shared_ptr<const std::string>> http_secret_{std::make_shared<const std::string>()};
  std::atomic<std::size_t> max_background_stores_{256};
  std::atomic<std::uint64_t> background_stores_{0};
  std::atomic<std::uint64_t> background_in_flight_{0};
  // The bytes of background stores in flight, by key; read only when background_in_flight_ != 0.
  mutable std::mutex pending_mutex_;
  std::unordered_map<std::string, std::string> pending_;
  std::atomic<std::uint64_t> locks_taken_{0};
  std::atomic<std::uint64_t> lock_waits_{0};
  std::atomic<std::uint64_t> lock_timeouts_{0};
  std::atomic<std::uint64_t> stale_served_{0};
  std::atomic<std::uint64_t> stale_if_error_served_{0};
  std::atomic<std::uint64_t> early_refreshes_{0};
  std::atomic<std::uint64_t> refreshes_{0};
  std::atomic<std::uint64_t> refresh_failures_{0};
  std::atomic<std::uint64_t> tag_invalidations_{0};
  mutable std::mutex clock_mutex_;
  std::shared_ptr<const std::function<std::chrono::system_clock::time_point()>> clock_;
  detail::refresh_set refreshing_;  // keys being refreshed in the background, of functions and routes
  std::mutex refresh_pool_mutex_;
  std::unique_ptr<boost::asio::thread_pool> refresh_pool_;
  struct local_lock_holder {
    std::string token;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex local_locks_mutex_;
  std::unordered_map<std::string, local_lock_holder> local_locks_;  // by lock key
};

/// The global cache, as `from fast_cache import cache` in the seed.
extern Cache cache;

}  // namespace fast_cache

#include <fast_cache/cached_function.hpp>
