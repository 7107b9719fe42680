// An open-addressing hash table of entry pointers (linear probing, backward-shift deletion) that
// its writers change under the shard's lock while readers probe it without any lock.
#pragma once

#include "entry.hpp"
#include "key_hash.hpp"
#include "spin_lock.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace fast_cache::detail::memory {

/// Maps a key to its entry within one shard. The full 64-bit hash sits next to each pointer, so a
/// probe compares key bytes only on a hash match, and lookups take a string_view: no allocation.
/// The table does not own the entries; the shard does.
///
/// Writers (one at a time, under the shard's lock) use every member but find_concurrent. Readers
/// call find_concurrent inside an epoch::read_section, racing with the writer:
/// - a new entry is published by the release store of its slot's pointer, after its hash;
/// - a replacement swaps one pointer, so a reader sees the old entry or the new one, both whole;
/// - a deletion's backward shift moves entries between slots, where a reader could pass over the
///   one it looks for: it is bracketed by a sequence counter, and a reader that found nothing
///   while a shift ran probes again;
/// - growing or resetting publishes a new array and leaves the old one as it was, for readers
///   still in it, until the shard retires it (take_replaced) and the epoch frees it.
class slot_table {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// The slots and their mask in one allocation; chained through next_retired once replaced.
  class array;

  slot_table() noexcept;
  /// capacity: a power of two, or 0 for a table that allocates on its first insert.
  explicit slot_table(std::size_t capacity);
  slot_table(const slot_table&) = delete;
  slot_table& operator=(const slot_table&) = delete;
  /// Frees the arrays, not the entries; no reader may be left.
  ~slot_table();

  /// The entry under key, or nullptr; from any thread, inside an epoch::read_section. The entry
  /// may be unlinked by the time the caller looks at it, but stays allocated until the section ends.
  /// A miss is checked against the shift count; after a few probes that deletions kept
  /// unsettled, it is settled under `writers`, the lock the table's writers hold, so a stream of
  /// deletions cannot starve a reader.
  template <class Lock>
  [[nodiscard]] entry* find_concurrent(std::uint64_t hash, std::string_view key, Lock& writers) const noexcept;

  /// The slot holding key, or npos.
  [[nodiscard]] std::size_t find(std::uint64_t hash, std::string_view key) const noexcept;
  /// The slot holding e, which must be in the table.
  [[nodiscard]] std::size_t find(const entry* e) const noexcept;
  /// Whether e is in the table.
  [[nodiscard]] bool holds(const entry* e) const noexcept;

  /// Grows if needed so that one more entry fits under the load limit. May throw bad_alloc.
  void reserve_one();
  /// Adds e, whose key must be absent, after reserve_one().
  void insert(entry* e) noexcept;
  /// Puts e in slot i in place of the entry there; both have the same key.
  void replace(std::size_t i, entry* e) noexcept;
  /// Empties slot i, shifting back later entries of its probe run so no tombstone is left.
  void erase_at(std::size_t i) noexcept;
  /// Empties the table onto a fresh array of `capacity` slots, handing every entry to removed.
  /// May throw bad_alloc when capacity is not 0, leaving the table as it was.
  void reset(std::size_t capacity, entry_list& removed);

  /// The arrays replaced since the last call, chained; the caller frees them (free_arrays) once
  /// no reader can be in them.
  [[nodiscard]] array* take_replaced() noexcept;
  static void free_arrays(array* chain) noexcept;

  /// The entry in slot i, or nullptr for an empty slot.
  [[nodiscard]] entry* at(std::size_t i) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  /// One pass over key's probe run: the entry, or nullptr and whether that miss is settled (no
  /// deletion shifted entries meanwhile, which could have moved key past the reader).
  struct probe_result {
    entry* found;
    bool settled;
  };
  [[nodiscard]] probe_result probe(std::uint64_t hash, std::string_view key) const noexcept;
  /// find_concurrent after an unsettled miss: probes again a few times, then under `writers`.
  template <class Lock>
  [[gnu::noinline]] entry* find_unsettled(std::uint64_t hash, std::string_view key, Lock& writers) const noexcept;
  void publish(array* fresh) noexcept;
  /// Puts e in the first free slot of its probe run in a.
  static void place(array& a, entry* e) noexcept;

  std::atomic<array*> array_;
  std::atomic<std::uint32_t> shifts_{0};  // odd while a deletion moves entries
  std::size_t capacity_ = 0;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  array* replaced_ = nullptr;
};

class slot_table::array {
 public:
  struct slot {
    std::atomic<std::uint64_t> hash{0};
    std::atomic<entry*> value{nullptr};
  };
  // entry_charge counts two slots per entry: the table is kept at most half full.
  static_assert(2 * sizeof(slot) == table_bytes_per_entry);

  /// capacity: a power of two. May throw bad_alloc.
  static array* make(std::size_t capacity);
  /// One empty slot, shared by every empty table and never freed, so emptying a table (close())
  /// cannot fail.
  static array* none() noexcept;
  /// Frees a, unless it is none().
  static void destroy(array* a) noexcept;

  [[nodiscard]] slot* slots() noexcept { return reinterpret_cast<slot*>(this + 1); }
  [[nodiscard]] const slot* slots() const noexcept { return reinterpret_cast<const slot*>(this + 1); }

  std::size_t mask;
  array* next_retired = nullptr;

 private:
  explicit array(std::size_t capacity) noexcept : mask(capacity - 1) {}
};

// Inline, for a hit's sake: a probe of a settled table, with the retries and the lock apart, is
// a few dozen instructions, and a call to all of it saved and restored six registers.
template <class Lock>
inline entry* slot_table::find_concurrent(std::uint64_t hash, std::string_view key, Lock& writers) const noexcept {
  const probe_result first = probe(hash, key);
  if (first.settled) [[likely]]
    return first.found;
  return find_unsettled(hash, key, writers);
}

[[gnu::always_inline]] inline slot_table::probe_result slot_table::probe(std::uint64_t hash,
                                                                         std::string_view key) const noexcept {
  const std::uint32_t shifts = shifts_.load(std::memory_order_acquire);
  const array* a = array_.load(std::memory_order_acquire);
  const array::slot* slots = a->slots();
  const std::size_t mask = a->mask;
  // Bounded by the array's size as well as by an empty slot: a reader racing with writers must
  // not be able to go round for ever.
  for (std::size_t i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, ++n) {
    entry* e = slots[i].value.load(std::memory_order_acquire);
    if (e == nullptr) break;
    // A match is right whatever writers did meanwhile: e is whole and its key is key.
    if (slots[i].hash.load(std::memory_order_relaxed) == hash && same_key(e->key(), key)) return {e, true};
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  return {nullptr, shifts % 2 == 0 && shifts_.load(std::memory_order_relaxed) == shifts};
}

template <class Lock>
entry* slot_table::find_unsettled(std::uint64_t hash, std::string_view key, Lock& writers) const noexcept {
  constexpr unsigned probes_before_locking = 4;  // the first one included
  for (unsigned turn = 0; turn + 1 < probes_before_locking; ++turn) {
    wait_turn(turn);  // a shift is short
    const probe_result again = probe(hash, key);
    if (again.settled) return again.found;
  }
  const std::lock_guard settled(writers);
  const std::size_t i = find(hash, key);
  return i == npos ? nullptr : at(i);
}

// The writers' probe and accessors, inline: a store calls them under the lock.
inline std::size_t slot_table::find(std::uint64_t hash, std::string_view key) const noexcept {
  if (size_ == 0) return npos;
  const array::slot* slots = array_.load(std::memory_order_relaxed)->slots();
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const entry* e = slots[i].value.load(std::memory_order_relaxed);
    if (e == nullptr) return npos;
    if (slots[i].hash.load(std::memory_order_relaxed) == hash && same_key(e->key(), key)) return i;
  }
}

inline entry* slot_table::at(std::size_t i) const noexcept {
  return array_.load(std::memory_order_relaxed)->slots()[i].value.load(std::memory_order_relaxed);
}

inline void slot_table::replace(std::size_t i, entry* e) noexcept {
  array_.load(std::memory_order_relaxed)->slots()[i].value.store(e, std::memory_order_release);
}

/// The smallest power of two that holds n entries at the table's load limit.
[[nodiscard]] std::size_t capacity_for(std::size_t n) noexcept;

}  // namespace fast_cache::detail::memory
