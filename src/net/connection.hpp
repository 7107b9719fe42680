// One keep-alive connection, plain TCP or TLS, used by one request at a time.
#pragma once

#include "net/http_client.hpp"
#include "net/request_head.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <variant>

namespace fast_cache::net {

/// How one request/response exchange ended.
struct exchange_result {
  boost::system::error_code ec;
  /// The failure is what a server that closed the connection while idle causes: the write
  /// failed, or the read saw eof/reset before the first response byte. The request was not processed.
  bool stale = false;
  /// Both sides allow another request on this connection.
  bool keep_alive = false;
};

class connection {
 public:
  /// A connection with TLS when `tls` is not null. It adds itself to `registry` for its lifetime,
  /// so the pool can cancel it on close; both must be used only on `strand`.
  connection(const serial_executor& strand, boost::asio::ssl::context* tls, std::vector<connection*>& registry);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// TCP connect to the first reachable address, TCP_NODELAY, then for TLS the handshake with
  /// SNI and, when `verify`, host name verification. Each step is bounded by `timeout`.
  boost::asio::awaitable<boost::system::error_code> connect(
      const boost::asio::ip::tcp::resolver::results_type& addresses, const endpoint& ep, bool verify,
      std::chrono::milliseconds timeout);

  /// Writes `head` and `body` and reads the response into `res`. `no_body`: the response has no
  /// body whatever its headers say (a HEAD request's). The owner bounds it: by `deadline`, set
  /// before, and expire() when that has passed, which ends it with beast::error::timeout.
  boost::asio::awaitable<exchange_result> exchange(const request_head& head, const std::string& body, bool no_body,
                                                   http_response& res, std::size_t body_limit);

  /// Ends the exchange in progress as timed out, closing the connection.
  void expire();

  /// Cancels pending operations and closes the socket; the owner then sees operation_aborted.
  void shutdown();

  using time_point = std::chrono::steady_clock::time_point;
  static constexpr time_point no_deadline = time_point::max();
  /// When the exchange in progress must end; no_deadline between exchanges.
  time_point deadline = no_deadline;
  time_point idle_since;

 private:
  using plain_stream = boost::beast::tcp_stream;
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  boost::beast::tcp_stream& tcp();

  std::variant<plain_stream, tls_stream> stream_;
  boost::beast::flat_buffer buffer_;  // kept across requests: no allocation once warm
  bool expired_ = false;              // expire() ended the exchange in progress
  std::vector<connection*>& registry_;
};

}  // namespace fast_cache::net
