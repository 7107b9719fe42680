// The Backend interface: bytes in, bytes out, with a sync and an async (Asio) API.
#pragma once

#include <fast_cache/completion.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <exception>
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

/// Completion signatures of the async operations. Failures arrive as an exception_ptr holding an
/// fast_cache::Error (or a backend-specific subclass), so `use_awaitable` and `use_future` throw it
/// and a callback can inspect it; the message keeps the server's own diagnosis.
using get_signature = void(std::exception_ptr, std::optional<std::string>);
using has_signature = void(std::exception_ptr, bool);
using done_signature = void(std::exception_ptr);
using get_many_signature = void(std::exception_ptr, std::vector<std::optional<std::string>>);

using get_handler = asio::any_completion_handler<get_signature>;
using has_handler = asio::any_completion_handler<has_signature>;
using done_handler = asio::any_completion_handler<done_signature>;
using get_many_handler = asio::any_completion_handler<get_many_signature>;

/// A cache store. `clear()` removes this backend's namespace's entries and nothing else: a shared
/// store (DynamoDB) prefixes every key with the namespace, a private one (in-memory) holds one
/// namespace per instance. Keys must not be empty; they may hold any bytes.
///
/// Sync calls throw fast_cache::Error. Async calls are Asio initiating functions accepting any
/// completion token (`asio::use_awaitable`, `asio::use_future`, a callback, `asio::deferred`);
/// completions never run inside the initiating call and run on the handler's associated executor.
/// Implementations are safe to use from several threads at once.
class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  /// The value stored under key, or nullopt when absent or expired.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  /// Stores value under key. `expire`: nullopt uses the backend's default, <= 0 never expires.
  virtual void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) = 0;
  /// Whether a live entry exists under key.
  virtual bool has(std::string_view key) = 0;
  /// Removes key; removing an absent key is not an error.
  virtual void erase(std::string_view key) = 0;
  /// Removes every entry of this backend's namespace, and nothing else.
  virtual void clear() = 0;

  /// Batch forms. The defaults loop over the single-key calls; backends override them with a
  /// native batch operation. get_many answers in the order of `keys`.
  virtual std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys);
  virtual void set_many(std::span<const item> items, expiry expire = std::nullopt);
  virtual void erase_many(std::span<const std::string> keys);

  /// Orderly shutdown: finishes or fails in-flight work, releases connections. Later calls
  /// fail with errc::closed. Idempotent.
  virtual void close() {}

  /// The namespace every key of this backend lives in.
  [[nodiscard]] virtual const std::string& namespace_name() const noexcept = 0;

  template <class Token>
  auto async_get(std::string key, Token&& token) {
    return asio::async_initiate<Token, get_signature>(initiate_get{this}, token, std::move(key));
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
  auto async_has(std::string key, Token&& token) {
    return asio::async_initiate<Token, has_signature>(initiate_has{this}, token, std::move(key));
  }
  template <class Token>
  auto async_erase(std::string key, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase{this}, token, std::move(key));
  }
  template <class Token>
  auto async_clear(Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_clear{this}, token);
  }
  template <class Token>
  auto async_get_many(std::vector<std::string> keys, Token&& token) {
    return asio::async_initiate<Token, get_many_signature>(initiate_get_many{this}, token, std::move(keys));
  }
  template <class Token>
  auto async_set_many(std::vector<item> items, expiry expire, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_set_many{this}, token, std::move(items), expire);
  }
  template <class Token>
  auto async_erase_many(std::vector<std::string> keys, Token&& token) {
    return asio::async_initiate<Token, done_signature>(initiate_erase_many{this}, token, std::move(keys));
  }

 protected:
  /// One virtual per async operation serves every completion token. An implementation invokes the
  /// handler exactly once, through fast_cache::post_completion (the handler is bound to a never-blocking
  /// executor, so that never runs it inside the initiating call).
  virtual void do_async_get(std::string key, get_handler handler) = 0;
  virtual void do_async_set(std::string key, std::string value, expiry expire, done_handler handler) = 0;
  virtual void do_async_has(std::string key, has_handler handler) = 0;
  virtual void do_async_erase(std::string key, done_handler handler) = 0;
  virtual void do_async_clear(done_handler handler) = 0;
  /// Defaults fan out to the single-key operations concurrently.
  virtual void do_async_get_many(std::vector<std::string> keys, get_many_handler handler);
  virtual void do_async_set_many(std::vector<item> items, expiry expire, done_handler handler);
  virtual void do_async_erase_many(std::vector<std::string> keys, done_handler handler);

 private:
  // Named initiation objects rather than lambdas: g++ 12 mishandles lambda captures that live
  // in coroutine frames (GCC PR 100611).
  struct initiate_get {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_get(std::move(key), erase_handler<get_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_set {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::string key, std::string value, expiry expire) const {
      self->do_async_set(std::move(key), std::move(value), expire, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_has {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_has(std::move(key), erase_handler<has_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_erase {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::string key) const {
      self->do_async_erase(std::move(key), erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_clear {
    Backend* self;
    template <class H>
    void operator()(H&& h) const {
      self->do_async_clear(erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_get_many {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::vector<std::string> keys) const {
      self->do_async_get_many(std::move(keys), erase_handler<get_many_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_set_many {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::vector<item> items, expiry expire) const {
      self->do_async_set_many(std::move(items), expire, erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
  struct initiate_erase_many {
    Backend* self;
    template <class H>
    void operator()(H&& h, std::vector<std::string> keys) const {
      self->do_async_erase_many(std::move(keys), erase_handler<done_signature>(std::forward<H>(h)));
    }
  };
};

/// Throws Error(errc::invalid_argument) for a key no backend accepts (the empty key).
void validate_key(std::string_view key);

}  // namespace fast_cache
