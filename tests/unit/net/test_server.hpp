// An in-process HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for client tests.
// Routes (by target path):
//   /echo       200, the request body back; X-Echo-Method and X-Echo-Host report what was sent
//   /slow       200 after 20 ms (keeps connections busy so a pool fills up)
//   /close      200 with Connection: close, then closes
//   /hang       reads the request and never answers
//   /garbage    bytes that are not HTTP, then closes
//   /truncated  a header announcing 100 body bytes, 5 bytes, then closes
//   /big?n=N    200 with an N-byte body
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <thread>

namespace fast_cache::net::test {

class test_server {
 public:
  /// Listens at once; serves TLS when `tls` is given (it must outlive the server).
  explicit test_server(boost::asio::ssl::context* tls = nullptr);
  ~test_server();
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// TCP connections accepted so far.
  std::size_t accepted() const noexcept { return accepted_; }
  /// The most connections open at the same time.
  std::size_t peak_open() const noexcept { return peak_open_; }
  /// Waits until no request is in progress, then closes every connection, as a server's idle
  /// timeout does; returns when they are closed.
  void close_idle_connections();

  struct session;  // one connection; public for the coroutines in the .cpp

  // Used by the session coroutines.
  void opened(session* s);
  void closed(session* s);

 private:
  std::set<session*> sessions_;  // declared before io_ so sessions destroyed with io_ can unregister
  boost::asio::io_context io_;
  boost::asio::ssl::context* tls_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> peak_open_{0};
  std::thread thread_;
};

}  // namespace fast_cache::net::test
