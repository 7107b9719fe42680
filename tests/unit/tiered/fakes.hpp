// Stand-ins for the tier's unit tests: an in-memory L2 that knows its entries' time left (as
// Redis and DynamoDB do), and an invalidation bus that delivers within the process.
#pragma once

#include "unit/memory/manual_clock.hpp"

#include <fast_cache/completion.hpp>
#include <fast_cache/invalidation_bus.hpp>
#include <fast_cache/memory_backend.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fast_cache::test {

/// InMemoryBackend whose get_with_ttl reports the time left of entries stored with set().
class ttl_memory_backend : public InMemoryBackend {
 public:
  explicit ttl_memory_backend(const manual_clock& clock)
      : InMemoryBackend({.clock = clock.function()}), now_(clock.function()) {}

  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override {
    InMemoryBackend::set(key, value, expire);
    const std::lock_guard lock(mutex_);
    if (expire && expire->count() > 0) {
      deadlines_[std::string(key)] = now_() + *expire;
    } else {
      deadlines_.erase(std::string(key));
    }
  }

  value_with_ttl get_with_ttl(std::string_view key) override {
    value_with_ttl out{get(key), time_left{}};
    if (!out.value) return out;
    const std::lock_guard lock(mutex_);
    const auto it = deadlines_.find(std::string(key));
    if (it == deadlines_.end()) {
      out.ttl = time_left{.what = time_left::kind::never};
    } else {
      out.ttl =
          time_left{.what = time_left::kind::known, .left = std::chrono::duration_cast<duration>(it->second - now_())};
    }
    return out;
  }

 protected:
  void do_async_get_with_ttl(std::string key, diagnostics*, get_with_ttl_handler handler) override {
    post_completion(std::move(handler), boost::system::error_code{}, get_with_ttl(key));
  }

 private:
  std::function<std::chrono::steady_clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> deadlines_;
};

/// Delivers every message to every listener of the same hub at once, on the publisher's thread.
class local_hub {
 public:
  class bus : public invalidation_bus {
   public:
    explicit bus(std::shared_ptr<local_hub> hub) : hub_(std::move(hub)) {}
    void listen(listener l) override {
      l.on_subscription(hub_->subscribed);
      const std::lock_guard lock(hub_->mutex);
      hub_->listeners.push_back(std::move(l));
    }
    void publish(std::string message) override {
      hub_->published.push_back(message);
      for (const auto& l : hub_->listeners) l.on_message(message);
    }
    void async_publish(std::string message,
                       boost::asio::any_completion_handler<void(boost::system::error_code)> handler) override {
      publish(std::move(message));
      post_completion(std::move(handler), boost::system::error_code{});
    }
    void close() override {}

   private:
    std::shared_ptr<local_hub> hub_;
  };

  /// Every listener's subscription is lost (false) or back (true).
  void set_subscribed(bool up) {
    subscribed = up;
    for (const auto& l : listeners) l.on_subscription(up);
  }

  std::mutex mutex;
  bool subscribed = true;
  std::vector<invalidation_bus::listener> listeners;
  std::vector<std::string> published;
};

}  // namespace fast_cache::test
