// One shard of an InMemoryBackend: a hash table, an eviction policy and a budget, under one lock.
#pragma once

#include "entry.hpp"
#include "eviction_policy.hpp"
#include "lazy_now.hpp"
#include "slot_table.hpp"
#include "spin_lock.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::detail::memory {

/// Limits of one shard; 0 means none.
struct budget {
  std::size_t max_entries = 0;
  std::size_t max_bytes = 0;
};

/// What shard::find found, carried out of the lock so the std::string is built after unlocking:
/// a small value is copied in here under the lock (no allocation, no atomic operation), a larger
/// one is pinned by its reference count, so a big copy never holds the shard.
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

/// Every operation locks the shard once, for a probe and a few pointer updates: entries
/// are built before locking, and the ones that leave are freed after unlocking (entry_list).
/// The eviction policy is kept only when the shard has a budget; an unbounded shard never evicts.
class alignas(64) shard {
 public:
  shard() = default;
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;
  ~shard();

  /// Sets the shard up; called once, before any other use.
  void configure(budget limits, eviction_policy::kind eviction, std::chrono::nanoseconds sweep_interval,
                 time_point now);

  /// Looks key up: a live entry is counted as a use by the eviction policy and handed to keep,
  /// under the lock (keep must neither block nor allocate); an expired one is removed instead.
  /// Whether a live entry was found.
  template <class Keep>
  bool find(std::uint64_t hash, std::string_view key, lazy_now& now, Keep&& keep) {
    entry_list expired;
    std::lock_guard guard(lock_);
    const std::size_t slot = table_.find(hash, key);
    if (slot == slot_table::npos) return false;
    entry* e = table_.at(slot);
    if (e->expires() && e->expired_at(now.get())) {
      remove_at(slot, expired);
      return false;
    }
    if (bounded_) policy_.on_hit(e);
    keep(e);
    return true;
  }
  /// The live entry under key, as find above, carried out of the lock. Inline, as the caller
  /// builds its result from it at once.
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
  /// Removes every entry, keeping the initial table.
  void clear();
  /// Removes every entry, frees the table and refuses later stores.
  void close();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] const budget& limits() const noexcept { return limits_; }

 private:
  void reset(std::size_t capacity, bool closing);
  void put(entry_ref fresh, std::size_t slot, lazy_now& now, entry_list& garbage);
  void remove_at(std::size_t slot, entry_list& garbage) noexcept;
  /// Counts e's bytes and deadline in the shard's totals.
  void account(const entry* e) noexcept;
  /// Takes e's bytes and deadline out of the totals and hands it to garbage.
  void discard(entry* e, entry_list& garbage) noexcept;
  void trim(const entry* keep, entry_list& garbage) noexcept;
  void sweep_step(lazy_now& now, entry_list& garbage);
  [[nodiscard]] bool over_budget() const noexcept;

  // Everything a hit touches shares the lock's cache line: bounded_ fits in the lock's padding.
  mutable spin_lock lock_;
  bool bounded_ = false;
  slot_table table_;
  eviction_policy policy_;
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
