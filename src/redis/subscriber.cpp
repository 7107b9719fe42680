#include "redis/subscriber.hpp"

#include "core/nothrow_awaitable.hpp"
#include "redis/commands.hpp"
#include "redis/pubsub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/system/system_error.hpp>

namespace fast_cache::redis {

namespace {

// Built outside the coroutines: g++ 12 miscompiles braced lists in them.
std::string subscribe_command(const std::string& channel) {
  std::string out;
  append_command(out, {"SUBSCRIBE", channel});
  return out;
}
std::string ping_command() {
  std::string out;
  append_command(out, {"PING"});
  return out;
}

}  // namespace

subscriber::subscriber(asio::io_context::executor_type ex,
                       std::vector<std::shared_ptr<const connection_settings>> nodes, std::string channel,
                       invalidation_bus::listener listener, timing t)
    : ex_(ex),
      nodes_(std::move(nodes)),
      channel_(std::move(channel)),
      timing_(t),
      pause_(ex),
      listener_(std::move(listener)) {}

void subscriber::start() { asio::co_spawn(ex_, run(shared_from_this()), asio::detached); }

void subscriber::stop() {
  stopped_ = true;
  pause_.cancel();
  if (current_) current_->close();
}

void subscriber::mute() {
  const std::lock_guard lock(listener_mutex_);
  muted_ = true;
}

void subscriber::tell_subscribed(bool up) {
  const std::lock_guard lock(listener_mutex_);
  if (muted_ || subscribed_ == up) return;
  subscribed_ = up;
  if (listener_.on_subscription) listener_.on_subscription(up);
}

void subscriber::tell_message(reply r) {
  std::optional<std::string> payload = message_payload(std::move(r), channel_);
  if (!payload) return;
  const std::lock_guard lock(listener_mutex_);
  if (!muted_ && listener_.on_message) listener_.on_message(*payload);
}

// Outside the coroutine: g++ 12 mishandles lambda captures that live in coroutine frames.
void subscriber::watch(connection& c) {
  std::weak_ptr<subscriber> weak = weak_from_this();
  c.watch(
      &is_pushed_message,
      [weak](reply r) {
        if (auto s = weak.lock()) s->tell_message(std::move(r));
      },
      [weak] {
        if (auto s = weak.lock()) {
          // Messages may be lost from now on: the listener must know before any arrives late.
          s->tell_subscribed(false);
          s->broken_ = true;
          s->pause_.cancel();
        }
      });
}

// The first parameter keeps the subscriber alive while the loop runs.
asio::awaitable<void> subscriber::run(std::shared_ptr<subscriber> /*self*/) {
  unsigned failures = 0;
  for (std::size_t turn = 0; !stopped_; ++turn) {
    auto c = std::make_shared<connection>(ex_, nodes_[turn % nodes_.size()]);
    current_ = c;
    broken_ = false;
    reached_ = false;
    watch(*c);
    try {
      co_await stay_subscribed(c);
    } catch (const Error&) {
    } catch (const boost::system::system_error&) {
    }
    tell_subscribed(false);
    current_.reset();
    c->close();
    if (stopped_) break;
    if (reached_) failures = 0;  // it worked for a while: the next attempt starts afresh
    pause_.expires_after(resubscribe_delay(failures++, timing_.first_retry, timing_.most_retry));
    co_await pause_.async_wait(fast_cache::detail::nothrow_awaitable);
  }
}

// Returns when the link breaks or the subscriber stops; throws when a request fails.
asio::awaitable<void> subscriber::stay_subscribed(std::shared_ptr<connection> c) {
  const std::vector<reply> confirmation =
      co_await c->exchange(subscribe_command(channel_), 1, connection::clock::now() + timing_.reply_timeout);
  if (!confirms_subscription(confirmation.front(), channel_)) co_return;
  reached_ = true;
  tell_subscribed(true);
  const std::string ping = ping_command();
  while (!stopped_ && !broken_) {
    pause_.expires_after(timing_.heartbeat);
    co_await pause_.async_wait(fast_cache::detail::nothrow_awaitable);
    if (stopped_ || broken_) co_return;
    co_await c->exchange(ping, 1, connection::clock::now() + timing_.reply_timeout);
  }
}

}  // namespace fast_cache::redis
