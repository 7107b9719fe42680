// The Backend interface: bytes in, bytes out, with a sync and an async (Asio) API.
#pragma once

#include <fast_cache/completion.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache {

namespace asio = boost::asio;

/// A key and the value to store under it, for set_many.
using item = std::pair<std::string, std::string>;

/// Completion signatures of the async operations, in Asio's convention: an error code first
/// (a fast_cache::errc, or asio::error::operation_aborted for a cancelled call), so
/// `redirect_error`, `as_tuple`, `cancel_after` and awaitable operators work. `use_awaitable` and
/// `use_future` throw boost::system::system_error on failure; pass a fast_cache::diagnostics to
/// the overloads that take one to keep the failure's full diagnosis.
using get_signature = void(boost::system::error_code, std::optional<std::string>);
using has_signature = void(boost::system::error_code, bool);
using done_signature = void(boost::system::error_code);
using get_many_signature = void(boost::system::error_code, std::vector<std::optional<std::string>>);

/// How long an entry has left to live, as get_with_ttl reports it.
struct time_left {
  enum class kind : unsigned char {
    unknown,  ///< the backend cannot tell (the default get_with_ttl)
    never,    ///< the entry never expires
    known,    ///< it expires in `left`
  };
  kind what = kind::unknown;
  duration left{};  ///< when `what` is known: more than zero
  friend bool operator==(const time_left&, const time_left&) = default;
};

/// A value read together with its remaining lifetime.
struct value_with_ttl {
  std::optional<std::string> value;  ///< nullopt when absent or expired
  time_left ttl;                     ///< of the value; unknown when there is none
  friend bool operator==(const value_with_ttl&, const value_with_ttl&) = default;
};

using get_with_ttl_signature = void(boost::system::error_code, value_with_ttl);

using get_handler = asio::any_completion_handler<get_signature>;
using has_handler = asio::any_completion_handler<has_signature>;
using done_handler = asio::any_completion_handler<done_signature>;
using get_many_handler = asio::any_completion_handler<get_many_signature>;
using get_with_ttl_handler = asio::any_completion_handler<get_with_ttl_signature>;

/// Counters of one backend, for every caller. Remote backends count their calls, failures by kind
/// and their circuit breaker; the in-memory backend, which has no server to fail, reports zeros.
struct backend_stats {
  std::uint64_t calls = 0;               ///< operations started, sync and async
  std::uint64_t errors = 0;              ///< operations that failed, whatever the kind (cancelled ones too)
  std::uint64_t timeouts = 0;            ///< failed with errc::timeout
  std::uint64_t unavailable = 0;         ///< failed with errc::unavailable, breaker rejections included
  std::uint64_t throttled = 0;           ///< failed with errc::throttled
  std::uint64_t cancelled = 0;           ///< cancelled by the caller
  std::uint64_t retries = 0;             ///< requests sent again after a retryable failure
  std::uint64_t breaker_opens = 0;       ///< times the circuit breaker opened
  std::uint64_t breaker_rejections = 0;  ///< calls failed at once because the breaker was open
  /// "closed" (calls go through), "open" (calls fail at once), "half-open" (one probe is let
  /// through), or "none" for a backend without a breaker.
  std::string_view breaker_state = "none";
  /// Near-cache counters of a TieredBackend (zero for other backends): reads its in-process
  /// tier answered, reads it passed on, and invalidations it received from other processes.
  std::uint64_t l1_hits = 0;
  std::uint64_t l1_misses = 0;
  std::uint64_t invalidations_received = 0;
};

/// A cache store. `clear()` removes this backend's namespace's entries and nothing else: a shared
/// store (DynamoDB) prefixes every key with the namespace, a private one (in-memory) holds one
/// namespace per instance. Keys must not be empty; they may hold any bytes.
///
/// Sync calls throw fast_cache::Error (a std::system_error with the code and the diagnostics an
/// async call would give). Remote backends bound every call by a budget and put a circuit breaker
/// in front of the server (see their options). Async calls are Asio initiating functions accepting any
/// completion token (`asio::use_awaitable`, `asio::use_future`, a callback, `asio::deferred`);
/// completions never run inside the initiating call and run on the handler's associated executor.
/// Async calls honour per-operation cancellation (`asio::cancel_after`, awaitable operators)
/// where the backend has something to cancel.
/// Implementations are safe to use from several threads at once.
class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  /// The value stored under key, or nullopt when absent or expired.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  /// A read answered on the calling thread when this backend can without waiting on I/O (an
  /// in-process store, a near cache's hit): true, with the value (nullopt when absent) in `out`;
  /// else false, and the caller reads the async way, which also reports any failure. Cached
  /// calls on an executor try it first, so such a hit costs no trip through the executor's
  /// queue. A throw counts as false. The default never answers.
  virtual bool try_get_now(std::string_view key, std::optional<std::string>& out);
  /// Stores value under key. `expire`: nullopt uses the backend's default, <= 0 never expires.
  virtual void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) = 0;
  /// Whether a live entry exists under key.
  virtual bool has(std::string_view key) = 0;
  /// Removes key; removing an absent key is not an error.
  virtual void erase(std::string_view key) = 0;
  /// Removes every entry of this backend's namespace, and nothing else.
  virtual void clear() = 0;

  /// The value under key with how long it has left to live, in one call. The default reads
  /// get() and reports the time left as unknown; RedisBackend (GET and PTTL, one round trip) and
  /// DynamoDBBackend (the item's ttl) know it. A near cache (TieredBackend) reads through it.
  virtual value_with_ttl get_with_ttl(std::string_view key);

  /// Batch forms. The defaults loop over the single-key calls; backends override them with a
  /// native batch operation. get_many answers in the order of `keys`.
  virtual std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys);
  virtual void set_many(std::span<const item> items, expiry expire = std::nullopt);
  virtual void erase_many(std::span<const std::string> keys);

  /// Conditional writes, the building blocks of the distributed stampede lock
  /// (cached_options::lock, route_options::lock): whether this backend does them atomically for
  /// every process sharing its store. Backends without them throw (or complete with)
  /// errc::unsupported, and the lock falls back to single-flight within the process.
  [[nodiscard]] virtual bool supports_conditional_writes() const noexcept { return false; }
  /// Stores value under key only when no live entry is there (an expired one counts as none);
  /// whether it stored. `expire` as for set.
  virtual bool set_if_absent(std::string_view key, std::string_view value, expiry expire = std::nullopt);
  /// Removes the entry under key only when its value equals `value`; whether it removed one.
  virtual bool erase_if_equal(std::string_view key, std::string_view value);

  /// Orderly shutdown: finishes or fails in-flight work, releases connections. Later calls
  /// fail with errc::closed. Idempotent.
  virtual void close() {}

  /// The namespace every key of this backend lives in.
  [[nodiscard]] virtual const std::string& namespace_name() const noexcept = 0;

  /// Counters since construction.
  [[nodiscard]] virtual backend_stats stats() const { return {}; }

  template <class Token>
  auto async_get(std::string key, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, get_signature>(initiate_get{this, &diag}, token, std::move(key));
  }
  template <class Token>
  auto async_get(std::string key, Token&& token) {
    return asio::async_initiate<Token, get_signature>(initiate_get{this}, token, std::move(key));
  }
  template <class Token>
  auto async_get_with_ttl(std::string key, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, get_with_ttl_signature>(initiate_get_with_ttl{this, &diag}, token,
                                                               std::move(key));
  }
  template <class Token>
  auto async_get_with_ttl(std::string key, Token&& token) {
    return asio::async_initiate<Token, get_with_ttl_signature>(initiate_get_with_ttl{this}, token, std::move(key));
  }
  template <class Token>
  auto async_set(std::string key, std::string value, expiry expire, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_set{this, &diag}, token, std::move(key),
                                                       std::move(value), expire);
  }
  template <class Token>
  auto async_set(std::string key, std::string value, expiry expire, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_set{this}, token, std::move(key), std::move(value),
                                                       expire);
  }
  template <class Token>
  auto async_set(std::string key, std::string value, Token&& token) {
    return async_set(std::move(key), std::move(value), std::nullopt, std::forward<Token>(token));
  }
  template <class Token>
  auto async_has(std::string key, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_has{this, &diag}, token, std::move(key));
  }
  template <class Token>
  auto async_has(std::string key, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_has{this}, token, std::move(key));
  }
  template <class Token>
  auto async_erase(std::string key, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase{this, &diag}, token, std::move(key));
  }
  template <class Token>
  auto async_erase(std::string key, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase{this}, token, std::move(key));
  }
  template <class Token>
  auto async_clear(diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_clear{this, &diag}, token);
  }
  template <class Token>
  auto async_clear(Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_clear{this}, token);
  }
  template <class Token>
  auto async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_set_if_absent{this, &diag}, token, std::move(key),
                                                      std::move(value), expire);
  }
  template <class Token>
  auto async_set_if_absent(std::string key, std::string value, expiry expire, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_set_if_absent{this}, token, std::move(key),
                                                      std::move(value), expire);
  }
  template <class Token>
  auto async_erase_if_equal(std::string key, std::string value, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_erase_if_equal{this, &diag}, token, std::move(key),
                                                      std::move(value));
  }
  template <class Token>
  auto async_erase_if_equal(std::string key, std::string value, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_erase_if_equal{this}, token, std::move(key),
                                                      std::move(value));
  }
  template <class Token>
  auto async_get_many(std::vector<std::string> keys, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, get_many_signature>(initiate_get_many{this, &diag}, token, std::move(keys));
  }
  template <class Token>
  auto async_get_many(std::vector<std::string> keys, Token&& token) {
    return asio::async_initiate<Token, get_many_signature>(initiate_get_many{this}, token, std::move(keys));
  }
  template <class Token>
  auto async_set_many(std::vector<item> items, expiry expire, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_set_many{this, &diag}, token, std::move(items), expire);
  }
  template <class Token>
  auto async_set_many(std::vector<item> items, expiry expire, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_set_many{this}, token, std::move(items), expire);
  }
  template <class Token>
  auto async_erase_many(std::vector<std::string> keys, diagnostics& diag, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase_many{this, &diag}, token, std::move(keys));
  }
  template <class Token>
  auto async_erase_many(std::vector<std::string> keys, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase_many{this}, token, std::move(keys));
  }

 protected:
  /// One virtual per async operation serves every completion token. An implementation invokes the
  /// handler exactly once, through fast_cache::post_completion (the handler is bound to a never-blocking
  /// executor, so that never runs it inside the initiating call). On failure it fills `diag` when
  /// not null (error_code_from does both) before completing; the caller keeps `diag` alive until then.
  virtual void do_async_get(std::string key, diagnostics* diag, get_handler handler) = 0;
  virtual void do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                            done_handler handler) = 0;
  virtual void do_async_has(std::string key, diagnostics* diag, has_handler handler) = 0;
  virtual void do_async_erase(std::string key, diagnostics* diag, done_handler handler) = 0;
  virtual void do_async_clear(diagnostics* diag, done_handler handler) = 0;
  /// Complete with whether the conditional write happened (a bool, as has). The defaults
  /// complete with errc::unsupported.
  virtual void do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                                      has_handler handler);
  virtual void do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag, has_handler handler);
  /// The default completes do_async_get's answer with the time left unknown.
  virtual void do_async_get_with_ttl(std::string key, diagnostics* diag, get_with_ttl_handler handler);
  /// Defaults fan out to the single-key operations concurrently.
  virtual void do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler);
  virtual void do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag, done_handler handler);
  virtual void do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler);

 private:
  // Named initiation objects rather than lambdas: g++ 12 mishandles lambda captures that live
  // in coroutine frames (GCC PR 100611).
  struct initiate_get {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_get(std::move(key), diag, erase_handler<get_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_get_with_ttl {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_get_with_ttl(std::move(key), diag, erase_handler<get_with_ttl_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_set {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key, std::string value, expiry expire) const {
      self->do_async_set(std::move(key), std::move(value), expire, diag,
                         erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_has {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_has(std::move(key), diag, erase_handler<has_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_erase {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_erase(std::move(key), diag, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_clear {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h) const {
      self->do_async_clear(diag, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_set_if_absent {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key, std::string value, expiry expire) const {
      self->do_async_set_if_absent(std::move(key), std::move(value), expire, diag,
                                   erase_handler<has_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_erase_if_equal {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::string key, std::string value) const {
      self->do_async_erase_if_equal(std::move(key), std::move(value), diag,
                                    erase_handler<has_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_get_many {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::vector<std::string> keys) const {
      self->do_async_get_many(std::move(keys), diag, erase_handler<get_many_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_set_many {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::vector<item> items, expiry expire) const {
      self->do_async_set_many(std::move(items), expire, diag, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_erase_many {
    Backend* self;
    diagnostics* diag = nullptr;
    template <class H>
    void operator()(H&& h, std::vector<std::string> keys) const {
      self->do_async_erase_many(std::move(keys), diag, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
};

/// Throws Error(errc::invalid_argument) for a key no backend accepts (the empty key).
void validate_key(std::string_view key);

}  // namespace fast_cache
