// RedisBackend: a cache in Redis (standalone; TLS and ACL users included), sharing the Python
// toolkit's key layout: `<namespace>:<key>`, values stored as raw bytes (the Python toolkit
// pickles its values, so values do not cross between the two).
//
//   fast_cache::RedisBackend backend({.host = "127.0.0.1", .port = 6379, .namespace_ = "cache"});
//
// or from a URL (see make_backend): redis://[user:password@]host:port[/db], rediss://... for TLS.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/circuit_breaker.hpp>
#include <fast_cache/expiry.hpp>
#include <fast_cache/invalidation_bus.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache {

/// Options of RedisBackend.
struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  /// Redis Cluster: its seed nodes, "host:port" each (any of the cluster's nodes; the others are
  /// found from them). Empty for a standalone server at host:port.
  std::vector<std::string> cluster_nodes{};
  std::string username{};  ///< ACL user (AUTH user password); empty: the default user
  std::string password{};  ///< empty: no AUTH
  unsigned db = 0;         ///< SELECT db
  bool tls = false;        ///< rediss://: TLS, the server's certificate verified
  bool verify_tls = true;
  std::string ca_file{};                 ///< CA bundle for TLS; empty: the system's
  std::string namespace_ = "cache";      ///< key prefix; clear() removes only this namespace
  expiry default_expire = std::nullopt;  ///< lifetime when set() is given none; nullopt: never expires
  /// Budgets: the most a call may take, connecting included (see DynamoDBOptions).
  std::chrono::milliseconds read_budget{200};     ///< get, has, get_many
  std::chrono::milliseconds write_budget{400};    ///< set, erase, set_many, erase_many
  std::chrono::milliseconds admin_budget{60000};  ///< clear
  std::chrono::milliseconds connect_timeout{1000};
  /// Connections, each carrying many requests at once (pipelined); requests are spread over them.
  std::size_t connections = 2;
  /// Largest value set() accepts: Redis's proto-max-bulk-len (512 MB unless the server lowers it).
  std::size_t max_value_bytes = 512 * 1024 * 1024;
  std::string client_name = "fast_cache";  ///< CLIENT SETNAME, seen in CLIENT LIST
  circuit_breaker_options breaker{};
};

/// Backend over Redis. Connects lazily: the constructor only checks the options (Error with
/// errc::invalid_argument). Commands: GET, SET ... PX, EXISTS, UNLINK, MGET, pipelined SETs, and
/// clear() with SCAN MATCH <escaped namespace>:* and UNLINK in batches, never KEYS or FLUSHDB, so
/// other namespaces and applications in the database are untouched. Every call runs on a thread
/// the backend owns, over a few pipelined connections; sync calls wait for it (and must not be
/// made on that thread: std::logic_error). Failures: unavailable (unreachable, connection lost,
/// LOADING and the like), timeout (over the budget), rejected (the server refused: wrong password
/// or database, an error reply), protocol (not a Redis server), value_too_large, closed.
class RedisBackend final : public Backend {
 public:
  explicit RedisBackend(RedisOptions options);
  ~RedisBackend() override;

  std::optional<std::string> get(std::string_view key) override;
  /// GET and PTTL pipelined: one round trip.
  value_with_ttl get_with_ttl(std::string_view key) override;
  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool has(std::string_view key) override;
  void erase(std::string_view key) override;
  void clear() override;
  /// SET NX and a compare-and-delete script (EVAL): atomic on the server, for every process.
  [[nodiscard]] bool supports_conditional_writes() const noexcept override;
  bool set_if_absent(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool erase_if_equal(std::string_view key, std::string_view value) override;
  std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys) override;
  void set_many(std::span<const item> items, expiry expire = std::nullopt) override;
  void erase_many(std::span<const std::string> keys) override;
  void close() override;
  [[nodiscard]] const std::string& namespace_name() const noexcept override;
  [[nodiscard]] backend_stats stats() const override;

  /// The invalidation channel of this namespace, for near caches (TieredOptions::invalidations):
  /// Redis pub/sub on `fast_cache:invalidate:<db>:<namespace>`. Publishing is a PUBLISH on this
  /// backend's connections (counted in stats()); listening takes a connection of its own, PINGs it
  /// every second and, when it is lost, subscribes again after a pause growing from 100 ms to 5 s
  /// (on a cluster, at each seed node in turn: every node hears every PUBLISH).
  [[nodiscard]] std::shared_ptr<invalidation_bus> invalidations();

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

/// Options from a URL: `redis://[[user]:password@]host[:port][/db]?name=value&...`, `rediss://`
/// for TLS, `redis+cluster://[[user]:password@]host:port,host:port?...` for a cluster's seed
/// nodes (with `tls=true` for TLS). Parameters: tls (cluster URLs), namespace, default_expire (seconds),
/// read_budget_ms, write_budget_ms, admin_budget_ms, connect_timeout_ms, connections, max_value_bytes, client_name,
/// verify_tls, ca_file, breaker (true/false), breaker_threshold, breaker_cooldown_ms. Throws
/// Error(errc::invalid_argument) naming the problem, never quoting the user or password.
RedisOptions redis_options_from_url(std::string_view url);

}  // namespace fast_cache
