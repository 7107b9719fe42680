// Carries a caller's per-operation cancellation to an operation running as a coroutine on
// another executor.
#pragma once

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

namespace fast_cache::detail {

/// Installed in the caller's cancellation slot: posts each emission to `ex`, where the signal the
/// operation's coroutine listens to lives. Posted, never run inline: Asio 1.81's co_spawn lets a
/// cancellation that lands before the coroutine's first step escape from io_context::run() as an
/// exception, and a post queues behind that first step.
template <class Executor>
class cancellation_forwarder {
 public:
  cancellation_forwarder(Executor ex, std::shared_ptr<boost::asio::cancellation_signal> signal)
      : ex_(std::move(ex)), signal_(std::move(signal)) {}

  void operator()(boost::asio::cancellation_type type) const { boost::asio::post(ex_, emit{signal_, type}); }

 private:
  struct emit {
    std::shared_ptr<boost::asio::cancellation_signal> signal;
    boost::asio::cancellation_type type;
    void operator()() const { signal->emit(type); }
  };
  Executor ex_;
  std::shared_ptr<boost::asio::cancellation_signal> signal_;
};

/// A signal whose emissions follow the caller's `slot`, delivered on `ex`; null when the caller
/// cannot cancel (the slot is not connected). The caller's handler must clear its slot before it
/// is invoked, which destroys the forwarder.
template <class Slot, class Executor>
std::shared_ptr<boost::asio::cancellation_signal> forward_cancellation(Slot slot, const Executor& ex) {
  if (!slot.is_connected()) return nullptr;
  auto signal = std::make_shared<boost::asio::cancellation_signal>();
  slot.template emplace<cancellation_forwarder<Executor>>(ex, signal);
  return signal;
}

}  // namespace fast_cache::detail
