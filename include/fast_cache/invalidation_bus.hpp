// A channel over which the processes sharing a store tell each other which entries they changed,
// so that each drops its own in-process copies (TieredBackend's L1). RedisBackend provides one
// (Redis pub/sub); implement it over another broker for other stores.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace fast_cache {

class invalidation_bus {
 public:
  /// What a subscriber is told. Callbacks run one at a time, on a thread of the bus's own; they
  /// must not block.
  struct listener {
    /// A message some publisher sent, this process's own included.
    std::function<void(std::string_view message)> on_message;
    /// true once the subscription is in place (again), false as soon as it is lost: messages
    /// sent while it was not in place are never delivered.
    std::function<void(bool subscribed)> on_subscription;
  };

  invalidation_bus() = default;
  invalidation_bus(const invalidation_bus&) = delete;
  invalidation_bus& operator=(const invalidation_bus&) = delete;
  virtual ~invalidation_bus() = default;

  /// Starts the subscription (once per bus), reconnecting with backoff whenever it is lost.
  virtual void listen(listener l) = 0;
  /// Sends message to every subscriber: returns once the broker took it (and passed it on to
  /// the subscribers it has). Throws fast_cache::Error when it could not.
  virtual void publish(std::string message) = 0;
  /// The same, completing `handler` on its associated executor, never inside this call.
  virtual void async_publish(std::string message,
                             boost::asio::any_completion_handler<void(boost::system::error_code)> handler) = 0;
  /// Ends the subscription; no callback starts after it returns. Idempotent.
  virtual void close() = 0;
};

}  // namespace fast_cache
