// One shard of an InMemoryBackend: a hash table, an exact LRU list and a budget, under one mutex.
#pragma once

#include "entry.hpp"
#include "lazy_now.hpp"
#include "slot_table.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
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

  [[nodiscard]] std::optional<std::string> take() const {
    if (!found_) return std::nullopt;
    if (pinned_) return std::string(pinned_->value());
    return std::string(bytes_, size_);
  }

 private:
  friend class shard;
  void hold(entry* e) noexcept;

  bool found_ = false;
  entry_ref pinned_;
  std::size_t size_ = 0;
  char bytes_[inline_capacity];
};

/// Every operation locks the shard's mutex once, for a probe and a few pointer updates: entries
/// are built before locking, and the ones that leave are freed after unlocking (entry_list).
/// The LRU list is kept only when the shard has a budget; an unbounded shard never evicts.
class alignas(64) shard {
 public:
  shard() = default;
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;
  ~shard();

  /// Sets the shard up; called once, before any other use.
  void configure(budget limits, std::chrono::nanoseconds sweep_interval, time_point now);

  /// The live entry under key, made most recently used; an expired one is removed instead.
  [[nodiscard]] found_value find(std::uint64_t hash, std::string_view key, lazy_now& now);
  /// Whether a live entry is under key; leaves recency alone.
  [[nodiscard]] bool contains(std::uint64_t hash, std::string_view key, lazy_now& now);
  /// Stores fresh, replacing an entry with its key, evicting least recently used entries while
  /// over budget, and sweeping a few slots when a sweep is due. fresh must fit the budget alone.
  /// Throws Error(errc::closed) after close(), so a write racing with close() leaves nothing.
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
  void adopt(entry* e) noexcept;
  void forget(entry* e, entry_list& garbage) noexcept;
  void move_to_front(entry* e) noexcept;
  void trim(const entry* keep, entry_list& garbage) noexcept;
  void sweep_step(lazy_now& now, entry_list& garbage);
  [[nodiscard]] bool over_budget() const noexcept;

  // Everything a hit touches shares the mutex's cache lines.
  mutable std::mutex mutex_;
  slot_table table_;
  lru_hook lru_;  // sentinel of a circular list: lru_.next is the most recently used entry
  std::size_t bytes_ = 0;
  std::size_t expiring_ = 0;  // entries with a deadline; none means a sweep has nothing to do
  bool bounded_ = false;
  bool sweeping_ = false;
  bool closed_ = false;
  std::size_t sweep_cursor_ = 0;
  time_point last_sweep_{};
  std::chrono::nanoseconds sweep_interval_{};
  budget limits_;
  std::size_t initial_capacity_ = 0;
};

}  // namespace fast_cache::detail::memory
