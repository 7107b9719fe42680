// connection: connect, TLS handshake and one HTTP exchange at a time.
#include "net/connection.hpp"

#include "core/nothrow_awaitable.hpp"
#include "net/response_reader.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>

namespace fast_cache::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

using fast_cache::detail::nothrow_awaitable;

using any_stream = std::variant<beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>>;

any_stream make_stream(const serial_executor& strand, asio::ssl::context* tls) {
  if (tls) return any_stream(std::in_place_index<1>, strand, *tls);
  return any_stream(std::in_place_index<0>, strand);
}

// What a peer that closed the connection before reading our request looks like to us.
bool is_peer_gone(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

using request_buffers = std::array<asio::const_buffer, 2>;

// Writes what the socket takes without waiting (it is in non-blocking mode): a request that fits
// the send buffer, as GetItem's and most PutItem's do, then needs no asynchronous write, with its
// completion handler and a trip through the scheduler. TLS writes go through the stream.
std::size_t write_now(beast::tcp_stream& stream, const request_buffers& request, error_code& ec) {
  const std::size_t n = asio::write(stream.socket(), request, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  return n;
}
std::size_t write_now(beast::ssl_stream<beast::tcp_stream>&, const request_buffers&, error_code&) { return 0; }

// `expired`: set when the owner's deadline passed and expire() closed the connection. No timer of
// the stream's own: arming and cancelling one for every exchange cost a timerfd_settime and a
// completion through the scheduler (with a poll of epoll) per request.
template <class Stream>
asio::awaitable<exchange_result> exchange_on(Stream& stream, beast::flat_buffer& buffer, const request_head& head,
                                             const std::string& body, bool no_body, http_response& res,
                                             std::size_t body_limit, const bool& expired) {
  exchange_result result;
  const request_buffers request{asio::buffer(head.bytes), asio::buffer(body)};
  error_code write_ec;
  const std::size_t written = write_now(stream, request, write_ec);
  if (!write_ec && written < head.bytes.size() + body.size()) {
    beast::buffers_suffix<request_buffers> rest(request);
    rest.consume(written);
    auto [ec, n] = co_await asio::async_write(stream, rest, nothrow_awaitable);
    write_ec = ec;
  }
  if (write_ec) {
    result.ec = expired ? beast::error::timeout : write_ec;
    result.stale = !expired && is_peer_gone(write_ec);
    co_return result;
  }

  response_reader reader(res, body_limit);
  reader.skip(no_body);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, reader, nothrow_awaitable);
  if (read_ec) {
    result.ec = expired ? beast::error::timeout : read_ec;
    result.stale = !expired && !reader.got_some() && buffer.size() == 0 && is_peer_gone(read_ec);
    co_return result;
  }
  // Bytes after the response would be read as the next response: such a connection is not reused.
  // Nor is one whose deadline passed as the response came: expire() closed it.
  result.keep_alive = !expired && reader.keep_alive() && head.keep_alive && buffer.size() == 0;
  co_return result;
}

}  // namespace

connection::connection(const serial_executor& strand, asio::ssl::context* tls, std::vector<connection*>& registry)
    : stream_(make_stream(strand, tls)), registry_(registry) {
  registry_.push_back(this);
}

connection::~connection() { std::erase(registry_, this); }

beast::tcp_stream& connection::tcp() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
}

asio::awaitable<error_code> connection::connect(const asio::ip::tcp::resolver::results_type& addresses,
                                                const endpoint& ep, bool verify, std::chrono::milliseconds timeout) {
  auto& tcp = this->tcp();
  tcp.expires_after(timeout);
  auto [ec, connected] = co_await tcp.async_connect(addresses, nothrow_awaitable);
  if (ec) co_return ec;
  // Requests are written in one go and wait for the answer: Nagle would only add latency.
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  // Lets exchange_on write without waiting; asynchronous operations work the same either way.
  tcp.socket().non_blocking(true, ec);
  if (ec) co_return ec;

  if (auto* tls = std::get_if<tls_stream>(&stream_)) {
    error_code not_ip;
    asio::ip::make_address(ep.host, not_ip);
    // SNI carries host names only (RFC 6066 section 3).
    if (not_ip && !SSL_set_tlsext_host_name(tls->native_handle(), ep.host.c_str())) {
      co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    }
    if (verify) tls->set_verify_callback(asio::ssl::host_name_verification(ep.host));
    tcp.expires_after(timeout);
    auto [handshake_ec] = co_await tls->async_handshake(asio::ssl::stream_base::client, nothrow_awaitable);
    if (handshake_ec) co_return handshake_ec;
  }
  tcp.expires_never();
  co_return error_code{};
}

// Not a coroutine itself: the caller awaits exchange_on's frame directly, one frame fewer per request.
asio::awaitable<exchange_result> connection::exchange(const request_head& head, const std::string& body, bool no_body,
                                                      http_response& res, std::size_t body_limit) {
  expired_ = false;
  if (auto* tls = std::get_if<tls_stream>(&stream_))
    return exchange_on(*tls, buffer_, head, body, no_body, res, body_limit, expired_);
  return exchange_on(std::get<plain_stream>(stream_), buffer_, head, body, no_body, res, body_limit, expired_);
}

void connection::expire() {
  expired_ = true;
  // Closed, not only cancelled: a cancel reaches only the step waiting on the socket now, and a
  // composed read or write whose next step is queued would go on with no deadline left.
  shutdown();
}

void connection::shutdown() { tcp().close(); }

}  // namespace fast_cache::net
