// TieredBackend: a near cache. An InMemoryBackend in this process (L1) in front of a shared
// backend (L2: Redis, DynamoDB, any Backend), so hot keys are read at memory speed.
//
//   auto redis = std::make_shared<fast_cache::RedisBackend>(fast_cache::RedisOptions{...});
//   fast_cache::TieredBackend tier({.l2 = redis, .max_staleness = 2s, .invalidations = redis->invalidations()});
//
// or from a URL (see make_backend): tiered://?l1=<memory:// URL>&l2=<URL of any backend>&max_staleness_ms=2000.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/invalidation_bus.hpp>
#include <fast_cache/memory_backend.hpp>

#include <chrono>
#include <memory>

namespace fast_cache {

/// Options of TieredBackend.
struct TieredOptions {
  /// Required: the shared store every process reads and writes. Not another TieredBackend.
  std::shared_ptr<Backend> l2{};
  /// The near cache in this process. Its namespace_ is L2's, and default_expire is not used:
  /// each value gets the lifetime below.
  InMemoryOptions l1{};
  /// The longest L1 serves a value after reading it from L2, whatever L2's expiry says: the
  /// bound on how stale a read can be when no invalidation reaches this process (an L2 without
  /// an invalidation bus, a lost message). Must be positive.
  duration max_staleness = std::chrono::seconds(2);
  /// Where other processes' changes are heard of (RedisBackend::invalidations()); empty: L1's
  /// staleness is bounded by max_staleness only.
  std::shared_ptr<invalidation_bus> invalidations{};
};

/// L1 in front of L2.
///
/// Reads try L1, then L2 (get_with_ttl, so L1 learns how long the entry lives); a value read from
/// L2 is kept in L1 for the shorter of its time left in L2 and max_staleness, counted from when
/// the read began; when L2 cannot tell the time left (get_with_ttl's default), for max_staleness.
/// `get_many` and `has` answer from L1 where they can, and what they read from L2 is not kept
/// (a batch read reports no lifetimes).
///
/// Writes (set, erase, their batch forms, set_if_absent, erase_if_equal) drop the key from L1,
/// go to L2, and when L2 succeeded keep the value written in L1 (with a per-call expiry: L2's
/// default lifetime is unknown here, so a write without one keeps nothing). A failed L2 write
/// leaves the key out of L1, so the next read asks L2 for what it holds. clear() empties both.
/// Conditional writes are L2's: supports_conditional_writes() is L2's answer. Keys starting with
/// `%lock:` (the stampede lock's) never enter L1.
///
/// With an invalidation bus, every successful change is published once L2 acknowledged it, and
/// the call returns once the bus took the message: other processes then drop those keys (a
/// clear: everything) from their L1. A publish that fails does not fail the call (L2 made the
/// change; L2's stats() count the failure). Until the subscription is in place, and whenever it
/// is lost, L1 is emptied and bypassed: every read goes to L2.
///
/// Errors are L2's, plus Error(errc::invalid_argument) for an empty key or invalid options and
/// errc::closed after close(). stats() are L2's counters plus l1_hits, l1_misses and
/// invalidations_received.
class TieredBackend final : public Backend {
 public:
  /// Throws Error(errc::invalid_argument) for a missing or tiered l2, a non-positive
  /// max_staleness, or invalid l1 options.
  explicit TieredBackend(TieredOptions options);
  /// Ends the subscription. L2, which may be shared, is closed by close() or by its own destructor.
  ~TieredBackend() override;

  std::optional<std::string> get(std::string_view key) override;
  /// Answers L1's hits.
  bool try_get_now(std::string_view key, std::optional<std::string>& out) override;
  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool has(std::string_view key) override;
  void erase(std::string_view key) override;
  void clear() override;
  [[nodiscard]] bool supports_conditional_writes() const noexcept override;
  bool set_if_absent(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool erase_if_equal(std::string_view key, std::string_view value) override;
  std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys) override;
  void set_many(std::span<const item> items, expiry expire = std::nullopt) override;
  void erase_many(std::span<const std::string> keys) override;
  /// Closes the subscription, L1 and L2.
  void close() override;
  /// L2's.
  [[nodiscard]] const std::string& namespace_name() const noexcept override;
  [[nodiscard]] backend_stats stats() const override;

  struct state;

 protected:
  void do_async_get(std::string key, diagnostics* diag, get_handler handler) override;
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

}  // namespace fast_cache
