// HTTP/1.1 keep-alive client with a bounded connection pool: the transport under the DynamoDB client.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache::net {

/// What an http_client works on: an executor that runs one handler at a time, a strand or an
/// io_context only one thread runs. Kept to executors that fit any_io_executor's small buffer: a
/// strand of io_context::executor_type does, a strand of any_io_executor is heap-allocated on
/// every copy and allocates on every query, dozens of times per request.
using serial_executor = boost::asio::any_io_executor;

/// One request. Headers are sent as given; Host is added when absent, Content-Length always.
struct http_request {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// When the whole request must be over, the wait for a pooled connection, DNS, connect, TLS and
  /// the exchange included; the per-step timeouts of client_options apply within it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

/// One response, headers in the order received.
struct http_response {
  unsigned status = 0;
  std::string body;

  /// The value of the first header called `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  /// Adds a header after those already there.
  void add_header(std::string_view name, std::string_view value);
  /// Forgets every header.
  void clear_headers() noexcept { fields_.clear(); }

 private:
  // Every header in one buffer, each as the lengths of its name and value, then their bytes: one
  // allocation per response, where a vector of string pairs takes one per long value and more.
  std::string fields_;
};

/// Where a client connects: scheme, host and port of a base URL.
struct endpoint {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6 literals
  std::uint16_t port = 0;

  /// The Host header value: "host", or "host:port" when the port is not the scheme's default.
  std::string host_header() const;
};

/// Parses "http://host[:port][/]" or "https://host[:port][/]".
/// Throws Error(errc::invalid_argument) for anything else: no or unknown scheme, userinfo, empty host,
/// bad port, a path other than "/", a query or a fragment.
endpoint parse_endpoint(std::string_view url);

/// Tuning of an http_client.
struct client_options {
  std::size_t max_connections = 64;                 ///< pool bound; extra requests wait in FIFO order
  std::chrono::milliseconds connect_timeout{2000};  ///< DNS, TCP connect and TLS handshake, each (within the deadline)
  std::chrono::milliseconds request_timeout{5000};  ///< the whole write and read of one request
  std::chrono::milliseconds idle_timeout{30000};    ///< idle connections older than this are closed
  bool verify_tls = true;                           ///< certificate chain and host name (SNI is set)
  std::string ca_file;                              ///< extra CA bundle (PEM) besides the system's
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  /// Whether the pool's one request timer may stay armed once no request is in flight, so that
  /// requests in a row never set it again. An armed timer is work: io_context::run() does not
  /// return before it fires (at most request_timeout later). For an io_context that runs until
  /// stopped, or a caller that runs it one handler at a time, never for a user's io_context.
  bool timer_outlives_requests = false;
};

class client_state;

/// A pool of keep-alive connections to one endpoint. Thread-safe: any number of coroutines and
/// threads may call async_request at once. A reused connection the server closed while idle is
/// replaced and the request resent once, transparently; any other failure is reported as is.
class http_client {
 public:
  using signature = void(boost::system::error_code, http_response);

  /// Throws Error(errc::invalid_argument) when ca_file cannot be loaded or max_connections is 0.
  http_client(boost::asio::io_context::executor_type ex, endpoint ep, client_options opts = {});
  /// The same, working on `ex` as it is, with no strand of its own: `ex` must run one handler at
  /// a time (see serial_executor). Coroutines running there can call request().
  http_client(serial_executor ex, endpoint ep, client_options opts = {});
  /// Closes every connection; outstanding requests complete with operation_aborted.
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `req` and reads the whole response. Completes with void(error_code, http_response);
  /// timeouts (a step's or the request's deadline) are beast::error::timeout, oversized responses
  /// http::error::body_limit, requests failed by close() or cancelled asio::error::operation_aborted,
  /// a target or header with CR, LF or NUL errc::invalid_argument; other network and TLS errors
  /// are passed through as they are. Honours per-operation cancellation (any type): a cancelled
  /// request's connection is closed, never returned to the pool.
  template <class Token>
  auto async_request(http_request req, Token&& token) {
    return boost::asio::async_initiate<Token, signature>(initiation{this}, token, std::move(req));
  }

  /// async_request run in the calling coroutine, which must run on executor() and must not throw
  /// on cancellation (this_coro::throw_if_cancelled(false)). Saves what async_request costs on
  /// top of the exchange: a spawned coroutine, a type-erased handler, work tracking and two
  /// handler dispatches. Returns the error_code async_request completes with and fills `res`;
  /// the calling coroutine's cancellation applies. `req` and `res` must live until it completes.
  boost::asio::awaitable<boost::system::error_code> request(http_request& req, http_response& res);

  /// Fails queued and later requests with operation_aborted and cancels those in flight. Idempotent.
  void close();

  const endpoint& target() const noexcept { return endpoint_; }
  /// Where the client works: the strand it made, or the serial executor it was given.
  const serial_executor& executor() const noexcept;

 private:
  // A named, trivially destructible initiation: no capturing lambda near co_await (GCC PR 100611).
  struct initiation {
    http_client* self;
    template <class Handler>
    void operator()(Handler&& handler, http_request req) const {
      self->start(std::move(req), std::forward<Handler>(handler));
    }
  };

  void start(http_request req, boost::asio::any_completion_handler<signature> handler);

  endpoint endpoint_;
  std::shared_ptr<client_state> state_;
};

}  // namespace fast_cache::net
