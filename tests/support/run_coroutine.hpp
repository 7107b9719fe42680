// Runs a coroutine to completion on an io_context, and what it spawned with it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace fast_cache::testing {

/// The coroutine's result (or its exception, rethrown), once io has nothing left to run.
template <class T>
T run(boost::asio::awaitable<T> coroutine, boost::asio::io_context& io) {
  auto future = boost::asio::co_spawn(io, std::move(coroutine), boost::asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

}  // namespace fast_cache::testing
