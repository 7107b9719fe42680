#include "dynamodb/client.hpp"

#include "core/nothrow_awaitable.hpp"
#include "dynamodb/clock_skew.hpp"
#include "dynamodb/crypto.hpp"
#include "dynamodb/errors.hpp"

#include <fast_cache/dynamodb_backend.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
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
  // An oversized response or a certificate the client rejects will not change on retry. Nor, within
  // one call's budget, will a port nobody listens on: retrying a refused connection would only
  // spend the budget on backoff (about 90 ms a call with the defaults), where failing at once lets
  // the caller go on and the breaker count the failure.
  return ec != boost::beast::http::error::body_limit && ec.category() != asio::error::get_ssl_category() &&
         ec != asio::error::connection_refused;
}

}  // namespace

client::client(net::serial_executor ex, const resolved_config& config, const net::client_options& http,
               retry_policy retry, detail::backend_counters* counters)
    : http_(std::move(ex), net::endpoint{config.endpoint.tls, config.endpoint.host, config.endpoint.port}, http),
      signer_(config.creds, config.region, "dynamodb"),
      host_header_(http_.target().host_header()),
      endpoint_url_(config.endpoint_url),
      secret_(config.creds.secret_access_key),
      token_(config.creds.session_token),
      retry_(retry),
      counters_(counters) {}

net::http_request client::make_request(std::string_view op, std::string body) const {
  signable_request r{"POST", "/", {}, std::move(body)};
  // Room for the three headers signing adds and User-Agent: the list never grows.
  r.headers.reserve(8);
  r.headers.emplace_back("Host", host_header_);
  r.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  std::string target;
  target.reserve(target_prefix.size() + op.size());
  target += target_prefix;
  target += op;
  r.headers.emplace_back("X-Amz-Target", std::move(target));
  r.headers.emplace_back("Accept-Encoding", "identity");
  signer_.sign(r, std::chrono::system_clock::now() + clock_offset_);
  r.headers.emplace_back("User-Agent", "fast_cache/0.1");
  return net::http_request{boost::beast::http::verb::post, "/", std::move(r.headers), std::move(r.body)};
}

void client::throw_if_closed() const {
  if (closed_) throw Error(errc::closed, "DynamoDB backend is closed");
}

asio::awaitable<std::string> client::call(std::string op, std::string body, time_point deadline) {
  const std::string_view secrets[] = {secret_, token_};
  // Cancellation reaches each awaited step as operation_aborted, never as a throw at a co_await,
  // so the connection pool, which http_.request runs in this coroutine, always gets its slot
  // back. The backend's cancellable calls run so already (detail::cancellable); this changes
  // nothing for calls that cannot be cancelled.
  co_await asio::this_coro::throw_if_cancelled(false);
  bool clock_corrected = false;
  for (int attempt = 1;; ++attempt) {
    throw_if_closed();
    // The body goes into the request and, for a retry, back out of it: never copied.
    net::http_request request = make_request(op, std::move(body));
    request.deadline = deadline;
    net::http_response response;
    const boost::system::error_code ec = co_await http_.request(request, response);
    body = std::move(request.body);
    throw_if_closed();
    failure f;
    const auto where = [&] {
      return "DynamoDB " + op + " at " + endpoint_url_ +
             (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "");
    };
    if (ec == asio::error::operation_aborted) throw Error(ec, where() + " was cancelled");
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
      // A signature refused because our clock is off: sign again with the server's time, once,
      // as the AWS SDKs do. Wrong credentials give the same errors but no skew, so no retry.
      if (!clock_corrected && is_clock_skew_error(e)) {
        const auto date = response.header("date");
        const auto server_time = date ? parse_http_date(*date) : std::nullopt;
        const auto offset = server_time
                                ? corrected_clock_offset(*server_time, std::chrono::system_clock::now(), clock_offset_)
                                : std::nullopt;
        if (offset) {
          clock_offset_ = *offset;
          clock_corrected = true;
          continue;
        }
      }
      e.message = redact(std::move(e.message), secrets);
      diagnostics diag{where() + " failed: " + (e.type.empty() ? "HTTP error" : e.type) + " (HTTP " +
                           std::to_string(e.status) + ")" + (e.message.empty() ? "" : ": " + e.message),
                       e.type, e.message, e.status};
      f = {classify(e), std::make_exception_ptr(Error(to_errc(e), std::move(diag)))};
    }
    const bool again = co_await backoff(attempt, f.kind, deadline);
    if (!again) std::rethrow_exception(f.error);
  }
}

asio::awaitable<bool> client::backoff(int attempt, error_class kind, time_point deadline) {
  const auto delay = next_delay(retry_, attempt, kind, rng_);
  // A retry that could only start after the deadline would just fail later with less to say.
  if (!delay || std::chrono::steady_clock::now() + *delay >= deadline) co_return false;
  if (counters_) counters_->retried();
  co_await sleep(*delay);
  co_return true;
}

asio::awaitable<void> client::sleep(std::chrono::milliseconds delay) {
  throw_if_closed();
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  sleeping_.insert(&timer);
  auto [ec] = co_await timer.async_wait(fast_cache::detail::nothrow_awaitable);
  sleeping_.erase(&timer);
  throw_if_closed();
  if (ec) throw Error(ec, "DynamoDB call to " + endpoint_url_ + " was cancelled");
}

void client::close() {
  closed_ = true;
  for (asio::steady_timer* t : sleeping_) t->cancel();
  http_.close();
}

}  // namespace fast_cache::dynamodb
