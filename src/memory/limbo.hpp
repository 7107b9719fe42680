// What a shard unlinked while lock-free readers may still hold it, kept until the epoch frees it.
#pragma once

#include "entry.hpp"
#include "slot_table.hpp"

#include <cstddef>
#include <cstdint>

namespace fast_cache::detail::memory {

/// Entries and replaced table arrays, freed when the batch is destroyed.
class retired_batch {
 public:
  retired_batch() = default;
  retired_batch(const retired_batch&) = delete;
  retired_batch& operator=(const retired_batch&) = delete;
  ~retired_batch() { slot_table::free_arrays(arrays_); }

  void add(entry_list& entries, slot_table::array* arrays) noexcept;
  /// Moves other's contents here.
  void take(retired_batch& other) noexcept;
  [[nodiscard]] bool empty() const noexcept { return entries_.empty() && arrays_ == nullptr; }

 private:
  entry_list entries_;
  slot_table::array* arrays_ = nullptr;
};

/// Three batches by the epoch they were retired in, as in Fraser's epoch-based reclamation: the
/// epochs of the batches differ, so when a fourth epoch begins, the oldest batch is at least two
/// epochs old and free to go. Guarded by the shard's lock.
class limbo {
 public:
  /// Holds entries and arrays the caller unlinked just now (an empty list and nullptr for none),
  /// and moves into freed whatever no reader can hold any more, for the caller to free after
  /// unlocking. Now and then tries to move the global epoch on, so limbo keeps emptying. weight:
  /// what the retired things hold, in units of advance_weight.
  void retire(entry_list& entries, slot_table::array* arrays, std::size_t weight, retired_batch& freed) noexcept;
  /// Moves everything into all, which the caller frees once epoch::synchronize has returned.
  void drain(retired_batch& all) noexcept;

  /// A retired entry weighs 1 plus 1 per this many bytes, so large values are handed back sooner.
  static constexpr std::size_t bytes_per_weight = 4096;
  /// Retired weight between two attempts to move the epoch on; an array weighs this alone.
  static constexpr std::size_t advance_weight = 16;

 private:
  struct tagged {
    retired_batch batch;
    std::uint64_t epoch = 0;
  };
  tagged batches_[3];
  std::size_t newest_ = 0;
  std::size_t since_advance_ = 0;
};

}  // namespace fast_cache::detail::memory
