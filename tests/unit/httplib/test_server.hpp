// A real httplib::Server on a free loopback port, listening on a thread of its own for the life
// of the object, and clients that talk to it.
#pragma once

#include <httplib.h>

#include "support/wait_for.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <utility>

namespace fast_cache::testing {

class test_server {
 public:
  /// Routes and hooks go on server() before start().
  test_server() = default;
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;
  ~test_server() { stop(); }

  httplib::Server& server() noexcept { return server_; }

  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listen loop runs, so a test must not race past this point.
    ASSERT_TRUE(wait_for([this] { return server_.is_running(); }));
  }

  /// Stops listening and waits until the requests in flight have finished.
  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  [[nodiscard]] httplib::Client client() const { return httplib::Client("127.0.0.1", port_); }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

}  // namespace fast_cache::testing
