// DynamoDBBackend: a cache in a DynamoDB table, sharing fastapi-cachekit's table layout.
//
//   fast_cache::DynamoDBBackend backend({.table_name = "my_cache_table",
//                                        .region_name = "us-east-1",
//                                        .endpoint_url = "http://localhost:8000"});
//
// Layout: partition key `cache_key` (S) = `<namespace>:<key>`, or `<namespace>:hash:<sha256 hex
// of key>` when that is over 1024 bytes or the key is not valid UTF-8; `value` (B); `ttl` (N,
// epoch seconds, absent when the entry never expires). Reads treat items past their ttl as absent.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache {

/// Options of DynamoDBBackend; unset optionals are resolved the way the AWS SDKs do.
struct DynamoDBOptions {
  std::string table_name{};                  ///< required; 3-255 chars of [A-Za-z0-9_.-]
  std::optional<std::string> region_name{};  ///< else AWS_REGION, AWS_DEFAULT_REGION, profile, "us-east-1"
  std::string namespace_ = "cache";          ///< key prefix; clear() removes only this namespace
  /// Credentials; else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else the shared
  /// files (~/.aws/credentials, ~/.aws/config, AWS_PROFILE). With none and a loopback endpoint
  /// (DynamoDB Local, which checks no signature) fixed local credentials are used.
  std::optional<std::string> aws_access_key_id{};
  std::optional<std::string> aws_secret_access_key{};
  std::optional<std::string> aws_session_token{};
  /// else AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, profile endpoint_url, https://dynamodb.<region>.amazonaws.com
  std::optional<std::string> endpoint_url{};
  bool create_table = true;              ///< create the table (and enable TTL on `ttl`) when it does not exist
  expiry default_expire = std::nullopt;  ///< lifetime when set() is given none; nullopt: never expires
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};        ///< per HTTP attempt
  std::chrono::milliseconds table_timeout{60000};         ///< for the table check and creation in the constructor
  int max_attempts = 4;                                   ///< per request, counting the first
  std::chrono::milliseconds retry_base{25};               ///< backoff base for transient failures
  std::chrono::milliseconds retry_throttling_base{1000};  ///< backoff base when throttled
  std::chrono::milliseconds retry_cap{20000};
  std::size_t max_connections = 64;
  bool consistent_read = false;  ///< strongly consistent GetItem/BatchGetItem
  bool verify_tls = true;
  std::string ca_file{};  ///< extra CA bundle for https endpoints; empty: the system's
};

/// An error answered by DynamoDB. what() names the operation, the error type, the HTTP status and
/// the server's message, never a credential.
class DynamoDBError : public Error {
 public:
  DynamoDBError(errc code, std::string error_type, unsigned http_status, std::string server_message,
                const std::string& what);
  /// e.g. "ResourceNotFoundException"; empty when the server named none.
  [[nodiscard]] const std::string& error_type() const noexcept { return error_type_; }
  [[nodiscard]] unsigned http_status() const noexcept { return http_status_; }
  [[nodiscard]] const std::string& server_message() const noexcept { return server_message_; }

 private:
  std::string error_type_;
  unsigned http_status_;
  std::string server_message_;
};

/// Backend over a DynamoDB table. The constructor resolves configuration, then checks the table
/// (creating it when allowed) within options.table_timeout; it throws Error on invalid options
/// (errc::invalid_argument), a table with another key schema, or a missing table with
/// create_table = false. The sync API runs each call on the calling thread, over a connection
/// that thread keeps for its next calls. The async API runs a call whose handler has an
/// io_context executor (use_awaitable in a coroutine on an io_context, bind_executor) on that
/// io_context, with a connection pool of its own there; other calls (use_future, plain callbacks)
/// run on a thread the backend owns, from which the sync API must not be called (it throws
/// std::logic_error). After close(), connections a lane holds on an io_context are closed when
/// that io_context next runs, or when it is destroyed.
class DynamoDBBackend final : public Backend {
 public:
  explicit DynamoDBBackend(DynamoDBOptions options);
  ~DynamoDBBackend() override;

  std::optional<std::string> get(std::string_view key) override;
  /// Throws Error(errc::value_too_large) when the item would pass DynamoDB's 400 KB limit.
  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool has(std::string_view key) override;
  void erase(std::string_view key) override;
  void clear() override;
  std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys) override;
  void set_many(std::span<const item> items, expiry expire = std::nullopt) override;
  void erase_many(std::span<const std::string> keys) override;
  void close() override;
  [[nodiscard]] const std::string& namespace_name() const noexcept override;

  [[nodiscard]] const std::string& table_name() const noexcept;
  [[nodiscard]] const std::string& region() const noexcept;
  [[nodiscard]] const std::string& endpoint_url() const noexcept;

  struct state;

 protected:
  void do_async_get(std::string key, get_handler handler) override;
  void do_async_set(std::string key, std::string value, expiry expire, done_handler handler) override;
  void do_async_has(std::string key, has_handler handler) override;
  void do_async_erase(std::string key, done_handler handler) override;
  void do_async_clear(done_handler handler) override;
  void do_async_get_many(std::vector<std::string> keys, get_many_handler handler) override;
  void do_async_set_many(std::vector<item> items, expiry expire, done_handler handler) override;
  void do_async_erase_many(std::vector<std::string> keys, done_handler handler) override;

 private:
  std::shared_ptr<state> state_;
};

/// Options from `dynamodb://TABLE?region=R&endpoint=URL&namespace=NS&create_table=true|false`
/// (also consistent_read, max_connections, max_attempts, connect_timeout_ms, request_timeout_ms,
/// default_expire (seconds), verify_tls, ca_file; values percent-decoded). Credentials are never taken from
/// a URL. Throws Error(errc::invalid_argument) for another scheme, a missing table or unknown or
/// malformed parameters.
DynamoDBOptions dynamodb_options_from_url(std::string_view url);

}  // namespace fast_cache
