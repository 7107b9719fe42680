// How async operations deliver completions the way Asio requires: never inside the initiating
// call, and on the handler's associated executor.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/require.hpp>
#include <boost/asio/system_executor.hpp>

#include <type_traits>
#include <utility>

namespace fast_cache {

/// Type-erases handler for Signature, binding it to its associated executor (the system executor
/// when it has none) required to be never-blocking. The type-erased executor of an
/// any_completion_handler cannot be asked for blocking.never later, so it is asked here, while the
/// concrete executor type is known; Backend's initiating functions do this for every handler.
template <class Signature, class Handler>
boost::asio::any_completion_handler<Signature> erase_handler(Handler&& handler) {
  // Already erased by an initiating function (a backend forwarding to another): already bound.
  if constexpr (std::is_same_v<std::decay_t<Handler>, boost::asio::any_completion_handler<Signature>>) {
    return std::forward<Handler>(handler);
  } else if constexpr (std::is_same_v<boost::asio::associated_executor_t<std::decay_t<Handler>>,
                                      boost::asio::any_completion_executor>) {
    // A step in front of an erased handler (a backend calling another backend and finishing the
    // work when it completes): its executor is that handler's, already bound.
    return boost::asio::any_completion_handler<Signature>(std::forward<Handler>(handler));
  } else {
    auto executor = boost::asio::get_associated_executor(handler, boost::asio::system_executor());
    return boost::asio::any_completion_handler<Signature>(
        boost::asio::bind_executor(boost::asio::require(std::move(executor), boost::asio::execution::blocking.never),
                                   std::forward<Handler>(handler)));
  }
}

/// Invokes handler(args...) on its associated executor. For a handler that went through
/// erase_handler this is always a post, so a completion never runs inside the initiating call.
template <class Handler, class... Args>
void post_completion(Handler handler, Args&&... args) {
  boost::asio::dispatch(boost::asio::append(std::move(handler), std::forward<Args>(args)...));
}

}  // namespace fast_cache
