// In-process single-flight: concurrent identical misses run the function once and share its result.
#pragma once

#include <fast_cache/completion.hpp>
#include <fast_cache/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace fast_cache::detail {

/// One computation in progress. Its outcome is published once; waiters that arrive later (until the
/// leader has also stored the value) get it at once instead of computing again.
template <class T>
class flight {
 public:
  // The outcome is read with result() once woken: the function's exception, whatever its type,
  // reaches every waiter without travelling through a completion signature.
  using wait_signature = void();
  using wait_handler = boost::asio::any_completion_handler<wait_signature>;

  /// Publishes the value or the error and wakes every waiter, blocked or suspended.
  void publish(std::optional<T> value, std::exception_ptr error) {
    std::vector<wait_handler> handlers;
    {
      std::lock_guard lock(mutex_);
      value_ = std::move(value);
      error_ = std::move(error);
      done_ = true;
      handlers.swap(handlers_);
    }
    ready_.notify_all();
    for (auto& handler : handlers) post_completion(std::move(handler));
  }

  /// Blocks the calling thread until published; returns the value or rethrows the error.
  T wait() {
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return done_; });
    }
    return result();
  }

  /// The published value, or the published error rethrown. Only after publish (wait, async_wait).
  T result() const {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }

  /// Suspends until published (completion void()); then read result().
  template <class Token>
  auto async_wait(Token&& token) {
    return boost::asio::async_initiate<Token, wait_signature>(initiate_wait{this}, token);
  }

 private:
  struct initiate_wait {
    flight* self;
    template <class Handler>
    void operator()(Handler&& concrete) const {
      wait_handler handler = erase_handler<wait_signature>(std::forward<Handler>(concrete));
      std::unique_lock lock(self->mutex_);
      if (!self->done_) {
        self->handlers_.push_back(std::move(handler));
        return;
      }
      lock.unlock();
      post_completion(std::move(handler));
    }
  };

  std::mutex mutex_;
  std::condition_variable ready_;
  bool done_ = false;
  std::optional<T> value_;
  std::exception_ptr error_;
  std::vector<wait_handler> handlers_;
};

template <class T>
class single_flight;

/// The leader's hold on its flight. It publishes once and ends the flight once; destroyed
/// before publishing (the leader's coroutine destroyed mid-way with its io_context, or an
/// exception), it fails the waiters and frees the key, so no key is ever stuck.
template <class T>
class leadership {
 public:
  leadership(single_flight<T>& flights, std::string key, std::shared_ptr<flight<T>> f)
      : flights_(&flights), key_(std::move(key)), flight_(std::move(f)) {}
  leadership(const leadership&) = delete;
  leadership& operator=(const leadership&) = delete;
  ~leadership() {
    if (!published_)
      publish(std::nullopt,
              std::make_exception_ptr(Error(errc::internal, "the call computing this value ended without a result")));
    end();
  }

  void publish(std::optional<T> value, std::exception_ptr error) {
    published_ = true;
    flight_->publish(std::move(value), std::move(error));
  }
  /// Ends the flight: later callers go to the backend again.
  void end() {
    if (ended_) return;
    ended_ = true;
    flights_->leave(key_);
  }

 private:
  single_flight<T>* flights_;
  std::string key_;
  std::shared_ptr<flight<T>> flight_;
  bool published_ = false;
  bool ended_ = false;
};

/// The flights of one cached function, by key.
template <class T>
class single_flight {
 public:
  /// Joins the flight for key: {flight, true} when the caller is its leader and must compute,
  /// {flight, false} when another caller already computes it.
  std::pair<std::shared_ptr<flight<T>>, bool> join(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = flights_.try_emplace(key);
    if (inserted) it->second = std::make_shared<flight<T>>();
    return {it->second, inserted};
  }

  /// Ends the flight for key; later callers go to the backend again.
  void leave(const std::string& key) {
    std::lock_guard lock(mutex_);
    flights_.erase(key);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<flight<T>>> flights_;
};

}  // namespace fast_cache::detail

namespace fast_cache::detail {

/// The keys of one cached function being refreshed in the background: one refresh per key at a
/// time, however many callers find the value stale.
class refresh_set {
 public:
  /// Whether the caller starts the refresh of key (false: one is under way).
  bool begin(const std::string& key) {
    std::lock_guard lock(mutex_);
    return keys_.insert(key).second;
  }
  void end(const std::string& key) {
    std::lock_guard lock(mutex_);
    keys_.erase(key);
  }

 private:
  std::mutex mutex_;
  std::unordered_set<std::string> keys_;
};

/// Ends a refresh begun with refresh_set::begin when destroyed, however the refresh ends.
class refresh_guard {
 public:
  refresh_guard(refresh_set& set, std::string key) : set_(&set), key_(std::move(key)) {}
  refresh_guard(refresh_guard&& other) noexcept
      : set_(std::exchange(other.set_, nullptr)), key_(std::move(other.key_)) {}
  refresh_guard(const refresh_guard&) = delete;
  refresh_guard& operator=(const refresh_guard&) = delete;
  refresh_guard& operator=(refresh_guard&&) = delete;
  ~refresh_guard() {
    if (set_) set_->end(key_);
  }

 private:
  refresh_set* set_;
  std::string key_;
};

}  // namespace fast_cache::detail
