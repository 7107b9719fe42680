// An open-addressing hash table of entry pointers (linear probing, backward-shift deletion).
#pragma once

#include "entry.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace fast_cache::detail::memory {

/// Maps a key to its entry within one shard. The full 64-bit hash sits next to each pointer, so a
/// probe compares key bytes only on a hash match, and lookups take a string_view: no allocation.
/// The table does not own the entries; the shard does.
class slot_table {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  slot_table() noexcept = default;
  /// capacity: a power of two, or 0 for a table that allocates on its first insert.
  explicit slot_table(std::size_t capacity);

  /// The slot holding key, or npos.
  [[nodiscard]] std::size_t find(std::uint64_t hash, std::string_view key) const noexcept {
    if (size_ == 0) return npos;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.value == nullptr) return npos;
      if (s.hash == hash && s.value->key() == key) return i;
    }
  }
  /// The slot holding e, which must be in the table.
  [[nodiscard]] std::size_t find(const entry* e) const noexcept;

  /// Grows if needed so that one more entry fits under the load limit. May throw bad_alloc.
  void reserve_one();
  /// Adds e, whose key must be absent, after reserve_one().
  void insert(entry* e) noexcept;
  /// Puts e in slot i in place of the entry there; both have the same key.
  void replace(std::size_t i, entry* e) noexcept { slots_[i].value = e; }
  /// Empties slot i, shifting back later entries of its probe run so no tombstone is left.
  void erase_at(std::size_t i) noexcept;

  /// The entry in slot i, or nullptr for an empty slot.
  [[nodiscard]] entry* at(std::size_t i) const noexcept { return slots_[i].value; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct slot {
    std::uint64_t hash;
    entry* value;
  };
  // entry_charge counts two slots per entry: the table is kept at most half full.
  static_assert(2 * sizeof(slot) == table_bytes_per_entry);

  void place(std::uint64_t hash, entry* e) noexcept;

  std::unique_ptr<slot[]> slots_;
  std::size_t capacity_ = 0;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

/// The smallest power of two that holds n entries at the table's load limit.
[[nodiscard]] std::size_t capacity_for(std::size_t n) noexcept;

}  // namespace fast_cache::detail::memory
