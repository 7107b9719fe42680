// What a shard unlinked while lock-free readers may still hold it, kept until the epoch frees it.
#pragma once

#include "entry.hpp"
#include "slot_table.hpp"

#include <cstddef>
#include <cstdint>

namespace fast_cache::detail::memory {

/// Entries and replaced table arrays, freed when the batch is destroyed: at once, or after the
/// grace period of the epoch some of them were retired in (add_after_grace).
class retired_batch {
 public:
  retired_batch() = default;
  retired_batch(const retired_batch&) = delete;
  retired_batch& operator=(const retired_batch&) = delete;
  ~retired_batch();

  /// Adds what no reader can hold any more.
  void add(entry_list& entries, slot_table::array* arrays) noexcept;
  /// Adds what was unlinked in epoch `retired`: the destructor first waits until no reader can
  /// hold it (epoch::synchronize). For rare, large releases (a table, everything at clear()),
  /// which should not wait in limbo for later writes; never destroyed inside a read section.
  void add_after_grace(entry_list& entries, slot_table::array* arrays, std::uint64_t retired) noexcept;
  /// Moves other's contents here.
  void take(retired_batch& other) noexcept;
  [[nodiscard]] bool empty() const noexcept { return entries_.empty() && arrays_ == nullptr; }

 private:
  entry_list entries_;
  slot_table::array* arrays_ = nullptr;
  std::uint64_t grace_ = 0;  // the epoch to wait for, or 0
};

/// Retired entries in three batches by the epoch they were retired in, as in Fraser's
/// epoch-based reclamation: the epochs of the batches differ, so when a fourth epoch begins, the
/// oldest batch is at least two epochs old and free to go.
///
/// Each thread keeps its own (retire): retiring takes no lock and no shared line, a writer frees
/// what it retired itself, so its allocator's per-thread cache gets the memory back, and a shard's
/// lock is held for the unlinking alone. A thread that stops writing keeps its last few batches
/// (a few dozen entries, see advance_weight) until it writes again or ends.
class limbo {
 public:
  limbo() = default;
  limbo(const limbo&) = delete;
  limbo& operator=(const limbo&) = delete;
  /// Waits for a grace period and frees everything: the thread is ending.
  ~limbo();

  /// Holds entries the caller unlinked in epoch `retired` (epoch::retire_epoch, after unlinking)
  /// and moves into freed whatever no reader can hold any more. Now and then tries to move the
  /// global epoch on, so limbo keeps emptying. weight: what the entries hold, in units of
  /// advance_weight.
  void retire(entry_list& entries, std::size_t weight, std::uint64_t retired, retired_batch& freed) noexcept;

  /// A retired entry weighs 1 plus 1 per this many bytes, so large values are handed back sooner.
  static constexpr std::size_t bytes_per_weight = 4096;
  /// Retired weight between two attempts to move the epoch on.
  static constexpr std::size_t advance_weight = 8;

 private:
  struct tagged {
    entry_list entries;
    std::uint64_t epoch = 0;
  };
  tagged batches_[3];
  std::size_t newest_ = 0;
  std::size_t since_advance_ = 0;
};

/// Retires entries the caller unlinked (from any shard; the caller holds no shard lock) to the
/// calling thread's limbo, and frees what it lets go of.
void retire(entry_list& entries, std::size_t weight) noexcept;

}  // namespace fast_cache::detail::memory
