// The DynamoDB request loop: sign, send over the keep-alive pool, check, classify, back off, retry.
#pragma once

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

/// Runs on one strand of execution (the backend's io thread): not thread-safe by itself.
class client {
 public:
  client(boost::asio::any_io_executor ex, const resolved_config& config, const net::client_options& http,
         retry_policy retry);

  /// The body of a 2xx answer to DynamoDB_20120810.<op>. Retries what retry_policy allows; then
  /// throws DynamoDBError for an error answer and Error for transport failures (errc::closed after close()).
  boost::asio::awaitable<std::string> call(std::string op, std::string body);

  /// Waits before retry number `attempt` of work that failed with `kind` (batch leftovers);
  /// false when the policy allows no more attempts. Throws Error(errc::closed) after close().
  boost::asio::awaitable<bool> backoff(int attempt, error_class kind);

  /// Waits `delay`, ending early with Error(errc::closed) when close() comes first.
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay);

  /// Fails in-flight and later calls with errc::closed. Call on the client's executor.
  void close();

  [[nodiscard]] const std::string& endpoint_url() const noexcept { return endpoint_url_; }

 private:
  net::http_request make_request(std::string_view op, const std::string& body) const;
  void throw_if_closed() const;

  net::http_client http_;
  signer signer_;
  std::string host_header_;
  std::string endpoint_url_;
  std::string secret_, token_;
  retry_policy retry_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::set<boost::asio::steady_timer*> sleeping_;
  bool closed_ = false;
};

}  // namespace fast_cache::dynamodb
