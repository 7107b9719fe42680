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
#include <fast_cache/circuit_breaker.hpp>
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
  /// Budgets: the most a call may take, covering DNS, connect, TLS, the wait for a pooled
  /// connection, every attempt and every backoff. A cache in front of a web request must cost
  /// little even when DynamoDB is sick: a read that takes longer is better treated as a miss.
  std::chrono::milliseconds read_budget{200};             ///< get, has, get_many
  std::chrono::milliseconds write_budget{400};            ///< set, erase, set_many, erase_many
  std::chrono::milliseconds admin_budget{60000};          ///< clear, and the table check and creation
  std::chrono::milliseconds connect_timeout{2000};        ///< per connection attempt, within the budget
  std::chrono::milliseconds request_timeout{5000};        ///< per HTTP attempt, within the budget
  int max_attempts = 4;                                   ///< per request, counting the first
  std::chrono::milliseconds retry_base{25};               ///< backoff base for transient failures
  std::chrono::milliseconds retry_throttling_base{1000};  ///< backoff base when throttled
  std::chrono::milliseconds retry_cap{20000};
  std::size_t max_connections = 64;
  bool consistent_read = false;  ///< strongly consistent GetItem/BatchGetItem
  bool verify_tls = true;
  std::string ca_file{};  ///< extra CA bundle for https endpoints; empty: the system's
  circuit_breaker_options breaker{};
};

/// Backend over a DynamoDB table. The constructor resolves configuration, then checks the table
/// (creating it when allowed) within options.admin_budget; it throws Error on invalid options
/// (errc::invalid_argument), a table with another key schema, or a missing table with
/// create_table = false. The sync API runs each call on the calling thread, over a connection
/// that thread keeps for its next calls. The async API runs a call whose handler has an
/// io_context executor (use_awaitable in a coroutine on an io_context, bind_executor) on that
/// io_context, with a connection pool of its own there; other calls (use_future, plain callbacks)
/// run on a thread the backend owns, from which the sync API must not be called (it throws
/// std::logic_error). A call that finds the table gone (DynamoDB Local restarted, say) fails with
/// errc::unavailable and, with create_table, has the table made again in the background. Errors
/// the server answered keep its error type, message and HTTP status in Error::diag() (async:
/// the diagnostics overloads). After close(), connections a lane holds on an io_context are closed when
/// that io_context next runs, or when it is destroyed.
class DynamoDBBackend final : public Backend {
 public:
  explicit DynamoDBBackend(DynamoDBOptions options);
  ~DynamoDBBackend() override;

  std::optional<std::string> get(std::string_view key) override;
  /// The time left is the item's ttl against this machine's clock (whole seconds, as get judges).
  value_with_ttl get_with_ttl(std::string_view key) override;
  /// Throws Error(errc::value_too_large) when the item would pass DynamoDB's 400 KB limit.
  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool has(std::string_view key) override;
  void erase(std::string_view key) override;
  void clear() override;
  /// Conditional writes are single PutItem/DeleteItem calls with a ConditionExpression, atomic
  /// for every process sharing the table; a failed condition is the answer false, not an error.
  /// Whether an entry is live is judged against this machine's clock in whole seconds, as by get
  /// (a sub-second expiry lasts until the next whole second): leases should be long against the
  /// clock skew between the machines sharing the table.
  [[nodiscard]] bool supports_conditional_writes() const noexcept override { return true; }
  /// Throws Error(errc::value_too_large) as set does.
  bool set_if_absent(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool erase_if_equal(std::string_view key, std::string_view value) override;
  std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys) override;
  void set_many(std::span<const item> items, expiry expire = std::nullopt) override;
  void erase_many(std::span<const std::string> keys) override;
  void close() override;
  [[nodiscard]] const std::string& namespace_name() const noexcept override;
  [[nodiscard]] backend_stats stats() const override;

  [[nodiscard]] const std::string& table_name() const noexcept;
  [[nodiscard]] const std::string& region() const noexcept;
  [[nodiscard]] const std::string& endpoint_url() const noexcept;

  struct state;

 protected:
  void do_async_get(std::string key, diagnostics* diag, get_handler handler) override;
  void do_async_get_with_ttl(std::string key, diagnostics* diag, get_with_ttl_handler handler) override;
  void do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                    done_handler handler) override;
  void do_async_has(std::string key, diagnostics* diag, has_handler handler) override;
  void do_async_erase(std::string key, diagnostics* diag, done_handler handler) override;
  void do_async_clear(diagnostics* diag, done_handler handler) override;
  void do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                              has_handler handler) override;
  void do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag, has_handler handler) override;
  void do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) override;
  void do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag, done_handler handler) override;
  void do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) override;

 private:
  std::shared_ptr<state> state_;
};

/// Options from `dynamodb://TABLE?region=R&endpoint=URL&namespace=NS&create_table=true|false`
/// (also consistent_read, max_connections, max_attempts, read_budget_ms, write_budget_ms,
/// admin_budget_ms, connect_timeout_ms, request_timeout_ms, breaker (on/off), breaker_threshold,
/// breaker_cooldown_ms, default_expire (seconds), verify_tls, ca_file; values percent-decoded). Credentials are never
/// taken from a URL. Throws Error(errc::invalid_argument) for another scheme, a missing table or unknown or malformed
/// parameters.
DynamoDBOptions dynamodb_options_from_url(std::string_view url);

}  // namespace fast_cache
