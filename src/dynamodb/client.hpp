// The DynamoDB request loop: sign, send over the keep-alive pool, check, classify, back off, retry.
#pragma once

#include "core/backend_counters.hpp"
#include "dynamodb/config.hpp"
#include "dynamodb/retry.hpp"
#include "dynamodb/sigv4.hpp"
#include "net/http_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <random>
#include <set>
#include <string>

namespace fast_cache::dynamodb {

/// Runs on one strand of execution (executor()): not thread-safe by itself.
class client {
 public:
  /// A client working on `ex` (a strand, or an io_context only one thread runs: then it needs no
  /// strand, whose handler hops cost a trip through the scheduler each). `counters`, when given,
  /// counts the retries of every call.
  client(net::serial_executor ex, const resolved_config& config, const net::client_options& http, retry_policy retry,
         detail::backend_counters* counters = nullptr);

  using time_point = std::chrono::steady_clock::time_point;

  /// Where the client works: call, backoff, sleep and close run here, and call talks to the
  /// connection pool directly.
  [[nodiscard]] const net::serial_executor& executor() const noexcept { return http_.executor(); }

  /// The body of a 2xx answer to DynamoDB_20120810.<op>. Retries what retry_policy allows while
  /// the deadline leaves time for it; then throws Error: the server's diagnosis for an error
  /// answer, errc::timeout when the deadline cut an attempt, errc::closed after close(), and
  /// asio::error::operation_aborted when the caller cancelled.
  boost::asio::awaitable<std::string> call(std::string op, std::string body, time_point deadline);

  /// Waits before retry number `attempt` of work that failed with `kind` (batch leftovers);
  /// false when the policy allows no more attempts or the wait would pass the deadline.
  boost::asio::awaitable<bool> backoff(int attempt, error_class kind, time_point deadline);

  /// Waits `delay`, ending early with Error(errc::closed) when close() comes first and with
  /// operation_aborted when the caller cancels.
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay);

  /// Fails in-flight and later calls with errc::closed. Call on the client's executor.
  void close();

  [[nodiscard]] const std::string& endpoint_url() const noexcept { return endpoint_url_; }

 private:
  /// A signed request carrying `body`.
  net::http_request make_request(std::string_view op, std::string body) const;
  void throw_if_closed() const;

  net::http_client http_;
  signer signer_;
  std::string host_header_;
  std::string endpoint_url_;
  std::string secret_, token_;
  retry_policy retry_;
  detail::backend_counters* counters_;
  std::chrono::milliseconds clock_offset_{0};  // server time - local time, learnt from clock-skew errors
  std::mt19937_64 rng_{std::random_device{}()};
  std::set<boost::asio::steady_timer*> sleeping_;
  bool closed_ = false;
};

}  // namespace fast_cache::dynamodb
