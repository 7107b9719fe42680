// Helpers for Backend implementations: deliver a completion the way Asio requires.
#pragma once

#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <utility>

namespace fast_cache {

/// Invokes handler(args...) through a post to its associated executor (the system executor when
/// it has none), so a completion never runs inside the initiating call.
template <class Handler, class... Args>
void post_completion(Handler handler, Args&&... args) {
  auto executor = boost::asio::get_associated_executor(handler, boost::asio::system_executor());
  boost::asio::post(std::move(executor),
                    boost::asio::append(std::move(handler), std::forward<Args>(args)...));
}

}  // namespace fast_cache
