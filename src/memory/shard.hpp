// One shard of an InMemoryBackend: a hash table, an eviction policy and a budget; writers take
// its lock, and readers do without it.
#pragma once

#include "entry.hpp"
#include "epoch.hpp"
#include "eviction_policy.hpp"
#include "lazy_now.hpp"
#include "limbo.hpp"
#include "slot_table.hpp"
#include "spin_lock.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::detail::memory {

/// Limits of one shard; 0 means none.
struct budget {
  std::size_t max_entries = 0;
  std::size_t max_bytes = 0;
};

/// What shard::find found, carried out of the read section so the std::string is built after it:
/// a small value is copied in here (no allocation, no atomic operation), a larger one is pinned
/// by its reference count, so a big copy never holds back the reclamation of retired entries.
class found_value {
 public:
  static constexpr std::size_t inline_capacity = 128;

  [[nodiscard]] explicit operator bool() const noexcept { return found_; }
  /// The value found; valid while this object lives.
  [[nodiscard]] std::string_view value() const noexcept {
    return pinned_ ? pinned_->value() : std::string_view(bytes_, size_);
  }
  [[nodiscard]] std::optional<std::string> take() const {
    if (!found_) return std::nullopt;
    return std::string(value());
  }

 private:
  friend class shard;
  void hold(entry* e) noexcept {
    found_ = true;
    const std::string_view value = e->value();
    if (value.size() <= inline_capacity) {
      size_ = value.size();
      std::memcpy(bytes_, value.data(), value.size());
    } else {
      e->acquire();
      pinned_ = entry_ref(e);
    }
  }

  bool found_ = false;
  entry_ref pinned_;
  std::size_t size_ = 0;
  char bytes_[inline_capacity];
};

/// A write locks the shard once, for a probe and a few pointer updates: entries are built before
/// locking, and the ones that leave are retired after unlocking (write_section) and freed once no
/// reader can hold them (epoch). A read probes the table in an epoch::read_section, without the
/// lock, so reading threads share no cache line they write; only a hit that needs policy work
/// tries the lock (count_hit). The eviction policy is kept only when the shard has a budget; an
/// unbounded shard never evicts.
class alignas(64) shard {
 public:
  shard() = default;
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;
  ~shard();

  /// Sets the shard up; called once, before any other use.
  void configure(budget limits, eviction_policy::kind eviction, std::chrono::nanoseconds sweep_interval,
                 time_point now);

  /// Looks key up without the lock: a live entry is counted as a use by the eviction policy (when
  /// the lock is free, count_hit) and handed to keep inside the read section (keep must neither
  /// block nor allocate, and may pin the entry with acquire()); an expired one is removed instead.
  /// Whether a live entry was found.
  template <class Keep>
  bool find(std::uint64_t hash, std::string_view key, lazy_now& now, Keep&& keep) {
    return look_up<true>(hash, key, now, keep);
  }
  /// The live entry under key, as find above, carried out of the read section. Inline, as the
  /// caller builds its result from it at once.
  [[nodiscard]] found_value find(std::uint64_t hash, std::string_view key, lazy_now& now) {
    found_value result;
    find(hash, key, now, [&result](entry* e) { result.hold(e); });
    return result;
  }
  /// Whether a live entry is under key; leaves recency alone.
  [[nodiscard]] bool contains(std::uint64_t hash, std::string_view key, lazy_now& now);
  /// Stores fresh, replacing an entry with its key, evicting the policy's victims while over budget, and sweeping a few
  /// slots when a sweep is due. fresh must fit the budget alone. Throws Error(errc::closed) after close(), so a write
  /// racing with close() leaves nothing.
  void store(entry_ref fresh, lazy_now& now);
  /// As store, but only when no live entry has fresh's key; whether it stored.
  bool store_if_absent(entry_ref fresh, lazy_now& now);
  /// Removes the entry under key, if any.
  void erase(std::uint64_t hash, std::string_view key);
  /// Removes the entry under key when its value is `value`; whether it removed one.
  bool erase_if_equal(std::uint64_t hash, std::string_view key, std::string_view value);
  /// Removes every entry, keeping the initial table. What it removed goes to `removed`, which
  /// frees it, after a grace period, when destroyed: one wait for all the shards of a backend.
  void clear(retired_batch& removed);
  /// As clear, with an empty table, and refuses later stores. Does not throw.
  void close(retired_batch& removed);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] const budget& limits() const noexcept { return limits_; }

 private:
  class write_section;

  template <bool CountUse, class Keep>
  bool look_up(std::uint64_t hash, std::string_view key, lazy_now& now, Keep& keep) {
    {
      const epoch::read_section reading;
      entry* e = table_.find_concurrent(hash, key, lock_);
      if (e == nullptr) return false;
      if (!e->expires() || !e->expired_at(now.get())) {
        if (CountUse && bounded_ && eviction_policy::hit_needs_work(e)) count_hit(e);
        keep(e);
        return true;
      }
    }
    remove_expired(hash, key, now);
    return false;
  }

  /// A hit's policy work, for a hit that needs some: done when the lock is free at once, else
  /// dropped, as Caffeine drops reads when its buffers are full. A contended lock means other
  /// threads are writing or counting hits of this shard, and a hit must not wait for them.
  void count_hit(entry* e) noexcept;
  void remove_expired(std::uint64_t hash, std::string_view key, lazy_now& now);
  void reset(std::size_t capacity, bool closing, retired_batch& removed);
  void put(entry_ref fresh, std::size_t slot, lazy_now& now);
  void remove_at(std::size_t slot) noexcept;
  /// Counts e's bytes and deadline in the shard's totals.
  void account(const entry* e) noexcept;
  /// Takes e's bytes and deadline out of the totals and hands it to removed_ or removed_large_.
  void discard(entry* e) noexcept;
  void trim(const entry* keep) noexcept;
  void sweep_step(lazy_now& now);
  [[nodiscard]] bool over_budget() const noexcept;

  // A hit that needs no policy work touches table_'s array and shift count and bounded_ alone:
  // the lock's line, which every write dirties, is apart.
  slot_table table_;
  bool bounded_ = false;
  alignas(64) mutable spin_lock lock_;
  eviction_policy policy_;
  // Guarded by the lock: what the current write unlinked, for limbo, and the large entries apart.
  entry_list removed_;
  std::size_t removed_count_ = 0;
  entry_list removed_large_;
  std::size_t bytes_ = 0;
  std::size_t expiring_ = 0;  // entries with a deadline; none means a sweep has nothing to do
  bool sweeping_ = false;
  bool closed_ = false;
  std::size_t sweep_cursor_ = 0;
  time_point last_sweep_{};
  std::chrono::nanoseconds sweep_interval_{};
  budget limits_;
  std::size_t initial_capacity_ = 0;
};

}  // namespace fast_cache::detail::memory
