// InMemoryBackend: the embedded default backend, a sharded store inside the process.
#pragma once

#include <fast_cache/backend.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace fast_cache {

namespace detail::memory {
class shard;
}  // namespace detail::memory

/// A power of two near four shards per hardware thread, between 16 and 256.
[[nodiscard]] std::size_t default_memory_shards() noexcept;

/// Which entry a full shard of InMemoryBackend evicts.
enum class memory_eviction {
  /// The least recently used one.
  lru,
  /// W-TinyLFU, Caffeine's policy: a newcomer enters only if the shard's frequency sketch has
  /// seen it more often than the entry it would push out, so scans and one-time keys do not
  /// flush popular entries (see InMemoryBackend).
  tinylfu,
};

/// "lru" or "tinylfu"; throws Error(errc::invalid_argument) for any other name.
[[nodiscard]] memory_eviction memory_eviction_from_name(std::string_view name);

/// Options of InMemoryBackend, meant for designated initializers:
/// `fast_cache::InMemoryBackend cache({.max_size = 50'000, .default_expire = 5min});`
struct InMemoryOptions {
  /// Reported by namespace_name(); must not be empty. Every instance has a store of its own, so
  /// keys are not prefixed with it and clear() empties this instance only.
  std::string namespace_ = "cache";
  /// Most entries kept; 0 = unbounded. Split evenly across shards, and there are never more
  /// shards than max_size, so a small cache still holds max_size entries.
  std::size_t max_size = 10'000;
  /// Most bytes kept, counting each entry's real cost, InMemoryBackend::entry_charge (key, value,
  /// header, allocator rounding and its share of the hash table); 0 = no byte budget. Split
  /// evenly across shards: an entry charged more than max_bytes / shards is refused with
  /// errc::value_too_large.
  std::size_t max_bytes = 0;
  /// The eviction policy of every shard.
  memory_eviction eviction = memory_eviction::tinylfu;
  /// Lifetime of entries stored without a per-call expiry; nullopt or 0 = never expire.
  expiry default_expire = std::nullopt;
  /// Independent parts of the store, each with its own lock; 1 to 4096.
  std::size_t shards = default_memory_shards();
  /// How often a shard holding expiring entries is swept of expired ones (see InMemoryBackend).
  duration sweep_interval = std::chrono::seconds(1);
  /// The clock expiry deadlines are read from; empty = std::chrono::steady_clock. For tests. It is
  /// called during reads and under a shard's lock, so it must be quick, must not use this backend
  /// and must not write to any InMemoryBackend.
  std::function<std::chrono::steady_clock::time_point()> clock = {};
};

/// A thread-safe in-process cache.
///
/// The store is split into shards by key hash. A read probes the shard's table without its lock
/// while writers change it, and what a writer removes is freed only once no read that began
/// before can still hold it (epoch-based reclamation), so threads reading popular entries write
/// no cache line they share. A hit that needs policy work (one not yet marked popular, and every
/// hit under `lru`) tries the shard's lock once and skips the work if it is taken, as Caffeine
/// drops reads when its buffers are full; a miss that keeps meeting entries moved by deletions,
/// and a read that meets an expired entry, take the lock. Writes lock their shard (a spin lock)
/// for a probe and a few pointer updates: entries are built before locking; a removed one is
/// freed once no reader can hold it, one charged 32 KiB or more by the write that removed it, a
/// smaller one by the writing thread at one of its later writes (a thread that stops writing
/// keeps its last few dozen until it writes again or ends). clear() and close() wait for the
/// reads in flight and free every entry they remove before returning. No memory is allocated
/// under a shard lock, except a table's: when an unbounded or large shard grows its table, and
/// when clear() gives a shard a fresh one.
///
/// Eviction (InMemoryOptions::eviction), within a shard; `get` counts as a use of an entry, `has`
/// does not. `tinylfu` (the default): W-TinyLFU as in Caffeine, a 1% window LRU in front of a
/// segmented LRU (probation 20%, protected 80%), where the window's oldest entry replaces main's
/// least recently used one only if a count-min sketch (4-bit counters, halved after ten times
/// the capacity in additions) has seen it more often; the protected segment is kept in CLOCK
/// order, so a hit on a popular entry sets a flag instead of relinking it. It keeps the hit ratio
/// of LRU or better, and much better on scans and loops (bench/run --memory-only). `lru`: least
/// recently used first; `shards = 1` gives exact LRU when one thread uses the cache. With max_size set, the policy's
/// segments are sized in entries, else in charged bytes.
///
/// Expiry: an expired entry is never returned; a read that meets one removes it. Expired entries
/// nobody reads are removed by a periodic sweep done inside writes: when a shard's last sweep is
/// older than sweep_interval, each write to it examines a few slots until the shard has been
/// covered. There is no background thread, so no work outlives close() or the destructor, and an
/// idle cache costs no CPU; the clock is read only when an expiring entry is involved.
///
/// Keys and values may hold any bytes, including NUL. Errors: fast_cache::Error with
/// errc::invalid_argument (empty key, invalid options), errc::value_too_large (entry over a
/// shard's byte budget), errc::closed (after close()).
class InMemoryBackend : public Backend {
 public:
  /// Throws Error(errc::invalid_argument) naming the offending option.
  explicit InMemoryBackend(InMemoryOptions options = {});
  ~InMemoryBackend() override;

  std::optional<std::string> get(std::string_view key) override;
  /// Always answers, unless the read is refused (closed, an invalid key).
  bool try_get_now(std::string_view key, std::optional<std::string>& out) override;
  /// As get, into out, reusing its capacity (no allocation once out is large enough); whether a
  /// live value was found. out is left alone when none was.
  bool get_into(std::string_view key, std::string& out);
  /// Calls f(std::string_view value) with the live value under key, if any, and says whether it
  /// did. The view is valid during the call only. f runs after the lookup has ended, so
  /// it may use this backend; a value over 128 bytes is pinned, not copied, for the call.
  template <class F>
  bool visit(std::string_view key, F&& f) {
    using function = std::remove_reference_t<F>;
    return visit_value(
        key, [](void* context, std::string_view value) { (*static_cast<function*>(context))(value); },
        const_cast<void*>(static_cast<const void*>(std::addressof(f))));
  }
  void set(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool has(std::string_view key) override;
  void erase(std::string_view key) override;
  void clear() override;
  /// Atomic within this backend, which is one process's own: the lock it gives is in-process.
  [[nodiscard]] bool supports_conditional_writes() const noexcept override { return true; }
  bool set_if_absent(std::string_view key, std::string_view value, expiry expire = std::nullopt) override;
  bool erase_if_equal(std::string_view key, std::string_view value) override;

  /// Batch forms check every key before touching the store, so a bad key changes nothing.
  std::vector<std::optional<std::string>> get_many(std::span<const std::string> keys) override;
  void set_many(std::span<const item> items, expiry expire = std::nullopt) override;
  void erase_many(std::span<const std::string> keys) override;

  /// Frees every entry; later calls fail with errc::closed. Idempotent.
  void close() override;

  [[nodiscard]] const std::string& namespace_name() const noexcept override { return namespace_; }

  /// Entries held, counting expired ones not removed yet.
  [[nodiscard]] std::size_t size() const;
  /// Bytes charged against max_bytes (entry_charge of every entry), counting expired entries not
  /// removed yet.
  [[nodiscard]] std::size_t bytes() const;
  /// What an entry costs against max_bytes: key and value bytes, a 64-byte header, the allocator's
  /// 8-byte chunk header and rounding up to 16 bytes, and 32 bytes of hash table (a 16-byte slot,
  /// the table at most half full). A 30-byte key with a 100-byte value costs 240 bytes.
  [[nodiscard]] static std::size_t entry_charge(std::size_t key_size, std::size_t value_size) noexcept;
  [[nodiscard]] std::size_t shard_count() const noexcept { return shard_count_; }

 protected:
  // The work takes well under a microsecond, so it is done at once; only the completion is posted.
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
  void ensure_open() const;
  /// Throws for a key or an entry size the store refuses.
  void check_entry(std::string_view key, std::string_view value) const;
  [[nodiscard]] detail::memory::shard& shard_for(std::uint64_t hash) const noexcept;
  void store(std::string_view key, std::string_view value, expiry expire);
  using value_visitor = void (*)(void* context, std::string_view value);
  bool visit_value(std::string_view key, value_visitor visitor, void* context);

  std::string namespace_;
  expiry default_expire_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  std::size_t shard_count_;
  std::size_t max_entry_bytes_;  // 0 = no byte budget
  std::unique_ptr<detail::memory::shard[]> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace fast_cache
