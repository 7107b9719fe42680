// A subscription to one pub/sub channel, on a connection of its own (a subscribed connection
// carries nothing else). Subscribes, PINGs every heartbeat so that a silently dead link is found,
// and on any failure tells the listener at once, then subscribes again after a growing pause,
// trying the nodes in turn (on a cluster any node hears every PUBLISH). Runs on the backend's io
// thread.
#pragma once

#include "redis/connection.hpp"

#include <fast_cache/invalidation_bus.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fast_cache::redis {

class subscriber : public std::enable_shared_from_this<subscriber> {
 public:
  struct timing {
    std::chrono::milliseconds heartbeat{1000};      ///< PING this often while subscribed
    std::chrono::milliseconds reply_timeout{1000};  ///< for SUBSCRIBE and each PING
    std::chrono::milliseconds first_retry{100};     ///< pause after a failure, doubling
    std::chrono::milliseconds most_retry{5000};
  };

  /// `nodes`: where to subscribe, tried in turn.
  subscriber(asio::io_context::executor_type ex, std::vector<std::shared_ptr<const connection_settings>> nodes,
             std::string channel, invalidation_bus::listener listener, timing t);

  /// Starts subscribing; on the io thread.
  void start();
  /// Ends the subscription; on the io thread.
  void stop();
  /// No callback starts after it returns; from any thread.
  void mute();

 private:
  asio::awaitable<void> run(std::shared_ptr<subscriber> self);
  asio::awaitable<void> stay_subscribed(std::shared_ptr<connection> c);
  /// Routes c's pushed messages and its failure here.
  void watch(connection& c);
  void tell_subscribed(bool up);
  void tell_message(reply r);

  asio::io_context::executor_type ex_;
  std::vector<std::shared_ptr<const connection_settings>> nodes_;
  std::string channel_;
  timing timing_;
  asio::steady_timer pause_;  // the heartbeat's or the retry's wait; cancelled when the link breaks
  std::shared_ptr<connection> current_;
  bool stopped_ = false;
  bool broken_ = false;
  bool reached_ = false;  // the current attempt got subscribed

  std::mutex listener_mutex_;  // callbacks against mute()
  invalidation_bus::listener listener_;
  bool muted_ = false;
  bool subscribed_ = false;
};

}  // namespace fast_cache::redis
