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

  /// Adds entries no reader can hold any more.
  void add(entry_list& entries) noexcept;
  /// Adds what was unlinked in epoch `retired`: the destructor first waits until no reader can
  /// hold it (epoch::synchronize). For rare, large releases (a table, a large entry, everything
  /// at clear()), which should not wait in limbo for later writes; never destroyed inside a read
  /// section.
  void add_after_grace(entry_list& entries, slot_table::array* arrays, std::uint64_t retired) noexcept;

 private:
  entry_list entries_;
  slot_table::array* arrays_ = nullptr;
  std::uint64_t grace_ = 0;  // the epoch to wait for, or 0
};

/// Retired entries in batches by the epoch they were retired in (Fraser's epoch-based
/// reclamation): what was retired in epoch e is free to go once the global epoch reaches e + 2.
/// Two batches are enough, the current epoch's and the one before: when a new epoch begins, the
/// older one is at least two epochs old.
///
/// Each thread keeps its own (retire): retiring takes no lock and no shared line, a writer frees
/// what it retired itself, so its allocator's per-thread cache gets the memory back, and a shard's
/// lock is held for the unlinking alone. A thread that stops writing keeps its last batches until
/// it writes again or ends: small entries only (large_entry_bytes), about entries_per_advance of
/// them a batch while readers keep up.
class limbo {
 public:
  limbo() = default;
  limbo(const limbo&) = delete;
  limbo& operator=(const limbo&) = delete;
  /// Waits for a grace period and frees everything: the thread is ending.
  ~limbo();

  /// Holds `count` entries the caller unlinked in epoch `retired` (epoch::retire_epoch, after
  /// unlinking) and moves into freed whatever no reader can hold any more. Now and then tries to
  /// move the global epoch on, so limbo keeps emptying.
  void retire(entry_list& entries, std::size_t count, std::uint64_t retired, retired_batch& freed) noexcept;

  /// Entries retired between two attempts to move the epoch on.
  static constexpr std::size_t entries_per_advance = 8;
  /// An entry charged this much or more does not wait in limbo: the write that removed it waits
  /// for the reads in flight and frees it, so an idle thread never holds a large value.
  static constexpr std::size_t large_entry_bytes = 32 * 1024;

 private:
  struct tagged {
    entry_list entries;
    std::uint64_t epoch = 0;
  };
  tagged current_;
  tagged previous_;
  std::size_t since_advance_ = 0;
};

/// Retires `count` small entries the caller unlinked (from any shard; the caller holds no shard
/// lock and is in no read section) to the calling thread's limbo and frees what it lets go of;
/// waits for the reads in flight and frees `large` entries and replaced table arrays at once.
void retire(entry_list& entries, std::size_t count, entry_list& large, slot_table::array* arrays) noexcept;

}  // namespace fast_cache::detail::memory
