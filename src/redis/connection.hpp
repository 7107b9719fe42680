// One Redis connection, plain TCP or TLS, shared by many requests at once: commands are written
// as they come (pipelined) and replies matched to requests in order, as Redis answers them.
// Connects lazily, with the handshake (AUTH, SELECT, CLIENT SETNAME) pipelined before the first
// request; a failure fails every request on it, and the next request connects again.
// Everything runs on one single-threaded io_context.
#pragma once

#include "redis/reply.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fast_cache::redis {

namespace asio = boost::asio;

/// Where and how to connect.
struct connection_settings {
  std::string host;
  std::uint16_t port = 6379;
  std::string username;  ///< ACL user; empty with a password is the default user
  std::string password;
  unsigned db = 0;
  std::string client_name;
  /// TLS when set (rediss://), verifying the server's certificate against it as configured.
  std::shared_ptr<asio::ssl::context> tls;
  bool verify_tls = true;
  std::chrono::milliseconds connect_timeout{1000};
  /// "host:port", for messages.
  [[nodiscard]] std::string address() const { return host + ":" + std::to_string(port); }
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  using clock = std::chrono::steady_clock;

  connection(asio::io_context::executor_type ex, std::shared_ptr<const connection_settings> settings);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends `commands` (bytes of `count` pipelined commands) and returns their `count` replies,
  /// error replies included. Throws Error: timeout when `deadline` passes first, unavailable when
  /// the server cannot be reached or the connection breaks, rejected when the handshake is
  /// refused, protocol for bytes that are not RESP; operation_aborted (as a system_error) when
  /// the caller cancels. A request that times out or is cancelled closes the connection: its
  /// reply would otherwise answer the next request.
  asio::awaitable<std::vector<reply>> exchange(std::string commands, std::size_t count, clock::time_point deadline);

  /// Fails every request with errc::closed and closes the socket.
  void close();

  /// For a subscription: replies that `is_push` claims (pub/sub messages, which answer no
  /// request) go to `on_push`, and `on_broken` is told at once when the connection fails, even
  /// with no request waiting.
  void watch(std::function<bool(const reply&)> is_push, std::function<void(reply)> on_push,
             std::function<void()> on_broken);

 private:
  struct request;
  using stream_type = asio::ssl::stream<asio::ip::tcp::socket>;

  void start_connecting();
  asio::awaitable<void> connect_and_run(std::shared_ptr<connection> self, std::uint64_t generation);
  asio::awaitable<void> write_loop(std::shared_ptr<connection> self, std::uint64_t generation);
  asio::awaitable<void> read_loop(std::shared_ptr<connection> self, std::uint64_t generation);
  void deliver(reply r);
  void fail(errc code, const std::string& message);
  void kick_writer();

  asio::io_context::executor_type ex_;
  std::shared_ptr<const connection_settings> settings_;
  enum class phase { idle, connecting, ready } phase_ = phase::idle;
  std::uint64_t generation_ = 0;         // which connection attempt the loops belong to
  std::shared_ptr<stream_type> stream_;  // shared with the loops using it
  bool closed_ = false;
  std::unique_ptr<reply_reader> reader_;
  std::string outgoing_;  // written once connected, in the order of pending_
  bool writing_ = false;
  std::deque<std::shared_ptr<request>> pending_;  // awaiting replies, in the order sent
  std::function<bool(const reply&)> is_push_;
  std::function<void(reply)> on_push_;
  std::function<void()> on_broken_;
};

}  // namespace fast_cache::redis
