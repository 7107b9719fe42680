// A handler that runs one more step before the caller's handler: what a backend passes to an
// operation of another backend (a default built on a simpler operation, a tier calling its
// levels) to finish the work when that operation completes.
#pragma once

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>

#include <utility>

namespace fast_cache::detail {

/// Invoked with an operation's completion arguments, calls `step(std::move(handler), args...)`.
/// It carries the handler's executor and cancellation slot, so the inner operation completes
/// where the caller's handler runs and the caller's cancellation reaches the inner operation.
template <class Handler, class Step>
struct continuation {
  Handler handler;
  Step step;

  using executor_type = boost::asio::associated_executor_t<Handler>;
  [[nodiscard]] executor_type get_executor() const noexcept { return boost::asio::get_associated_executor(handler); }
  using cancellation_slot_type = boost::asio::associated_cancellation_slot_t<Handler>;
  [[nodiscard]] cancellation_slot_type get_cancellation_slot() const noexcept {
    return boost::asio::get_associated_cancellation_slot(handler);
  }

  template <class... Args>
  void operator()(Args&&... args) {
    step(std::move(handler), std::forward<Args>(args)...);
  }
};

template <class Handler, class Step>
continuation<Handler, Step> then(Handler handler, Step step) {
  return continuation<Handler, Step>{std::move(handler), std::move(step)};
}

}  // namespace fast_cache::detail
