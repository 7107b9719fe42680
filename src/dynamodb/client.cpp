#include "dynamodb/client.hpp"

#include "dynamodb/crypto.hpp"
#include "dynamodb/errors.hpp"

#include <fast_cache/dynamodb_backend.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <charconv>

namespace fast_cache::dynamodb {
namespace asio = boost::asio;
namespace {

constexpr std::string_view target_prefix = "DynamoDB_20120810.";

// What one attempt ended with, when it did not succeed.
struct failure {
  error_class kind;
  std::exception_ptr error;
};

errc transport_errc(const boost::system::error_code& ec) {
  if (ec == boost::beast::error::timeout || ec == asio::error::timed_out) return errc::timeout;
  if (ec == boost::beast::http::error::body_limit) return errc::protocol;
  return errc::unavailable;  // refused, reset, unreachable, DNS, TLS
}

bool transport_retryable(const boost::system::error_code& ec) {
  // An oversized response or a certificate the client rejects will not change on retry.
  return ec != boost::beast::http::error::body_limit && ec.category() != asio::error::get_ssl_category();
}

}  // namespace

client::client(asio::any_io_executor ex, const resolved_config& config, const net::client_options& http,
               retry_policy retry)
    : http_(std::move(ex), net::endpoint{config.endpoint.tls, config.endpoint.host, config.endpoint.port}, http),
      signer_(config.creds, config.region, "dynamodb"),
      host_header_(http_.target().host_header()),
      endpoint_url_(config.endpoint_url),
      secret_(config.creds.secret_access_key),
      token_(config.creds.session_token),
      retry_(retry) {}

net::http_request client::make_request(std::string_view op, const std::string& body) const {
  signable_request r{"POST",
                     "/",
                     {{"Host", host_header_},
                      {"Content-Type", "application/x-amz-json-1.0"},
                      {"X-Amz-Target", std::string(target_prefix) + std::string(op)},
                      {"Accept-Encoding", "identity"}},
                     {}};
  r.body = body;  // each attempt sends its own signed copy
  signer_.sign(r, std::chrono::system_clock::now());
  r.headers.emplace_back("User-Agent", "fast_cache/0.1");
  return net::http_request{boost::beast::http::verb::post, "/", std::move(r.headers), std::move(r.body)};
}

void client::throw_if_closed() const {
  if (closed_) throw Error(errc::closed, "DynamoDB backend is closed");
}

asio::awaitable<std::string> client::call(std::string op, std::string body) {
  const std::string_view secrets[] = {secret_, token_};
  for (int attempt = 1;; ++attempt) {
    throw_if_closed();
    auto [ec, response] = co_await http_.async_request(make_request(op, body), asio::as_tuple(asio::use_awaitable));
    throw_if_closed();
    failure f;
    const auto where = [&] {
      return "DynamoDB " + op + " at " + endpoint_url_ +
             (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "");
    };
    if (ec) {
      f = {transport_retryable(ec) ? error_class::transient : error_class::fatal,
           std::make_exception_ptr(Error(transport_errc(ec), where() + " failed: " + ec.message()))};
    } else if (response.status >= 200 && response.status < 300) {
      const auto header = response.header("x-amz-crc32");
      std::uint32_t expected = 0;
      const bool has_crc =
          header && std::from_chars(header->data(), header->data() + header->size(), expected).ec == std::errc();
      if (!has_crc || crc32(response.body) == expected) co_return std::move(response.body);
      f = {error_class::transient,
           std::make_exception_ptr(
               Error(errc::protocol, where() + " failed: response CRC32 does not match x-amz-crc32"))};
    } else {
      service_error e = parse_service_error(response.status, response.header("x-amzn-errortype"), response.body);
      e.message = redact(std::move(e.message), secrets);
      std::string what = where() + " failed: " + (e.type.empty() ? "HTTP error" : e.type) + " (HTTP " +
                         std::to_string(e.status) + ")" + (e.message.empty() ? "" : ": " + e.message);
      f = {classify(e), std::make_exception_ptr(DynamoDBError(to_errc(e), e.type, e.status, e.message, what))};
    }
    if (!co_await backoff(attempt, f.kind)) std::rethrow_exception(f.error);
  }
}

asio::awaitable<bool> client::backoff(int attempt, error_class kind) {
  const auto delay = next_delay(retry_, attempt, kind, rng_);
  if (!delay) co_return false;
  co_await sleep(*delay);
  co_return true;
}

asio::awaitable<void> client::sleep(std::chrono::milliseconds delay) {
  throw_if_closed();
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  sleeping_.insert(&timer);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  sleeping_.erase(&timer);
  throw_if_closed();
}

void client::close() {
  closed_ = true;
  for (asio::steady_timer* t : sleeping_) t->cancel();
  http_.close();
}

}  // namespace fast_cache::dynamodb
