#include "slot_table.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <new>
#include <utility>

namespace fast_cache::detail::memory {

namespace {

// At most half full: linear probing then stays at about 1.5 probes for a hit and 2.5 for a miss.
constexpr std::size_t max_load_denominator = 2;
constexpr std::size_t min_capacity = 16;

}  // namespace

std::size_t capacity_for(std::size_t n) noexcept {
  return std::bit_ceil(std::max(n * max_load_denominator, min_capacity));
}

slot_table::array* slot_table::array::make(std::size_t capacity) {
  void* storage = ::operator new(sizeof(array) + capacity * sizeof(slot));
  auto* a = new (storage) array(capacity);
  std::uninitialized_default_construct_n(a->slots(), capacity);
  return a;
}

slot_table::array* slot_table::array::none() noexcept {
  // An empty table still has an array, so readers never check for none. Allocated once, at
  // static initialisation of the first table (terminate on failure, as for any static).
  static array* const empty = make(1);
  return empty;
}

void slot_table::array::destroy(array* a) noexcept {
  if (a == none()) return;
  // slot's members are atomics of trivial types: nothing to destroy.
  a->~array();
  ::operator delete(static_cast<void*>(a));
}

slot_table::slot_table() noexcept : slot_table(0) {}

slot_table::slot_table(std::size_t capacity)
    : array_(capacity == 0 ? array::none() : array::make(capacity)),
      capacity_(capacity),
      mask_(capacity == 0 ? 0 : capacity - 1) {}

slot_table::~slot_table() {
  array::destroy(array_.load(std::memory_order_relaxed));
  free_arrays(replaced_);
}

std::size_t slot_table::find(const entry* e) const noexcept {
  const array::slot* slots = array_.load(std::memory_order_relaxed)->slots();
  for (std::size_t i = e->hash() & mask_;; i = (i + 1) & mask_) {
    if (slots[i].value.load(std::memory_order_relaxed) == e) return i;
  }
}

bool slot_table::holds(const entry* e) const noexcept {
  const std::size_t i = find(e->hash(), e->key());
  return i != npos && at(i) == e;
}

void slot_table::reserve_one() {
  if ((size_ + 1) * max_load_denominator <= capacity_) return;
  const std::size_t bigger = capacity_ == 0 ? min_capacity : capacity_ * 2;
  array* fresh = array::make(bigger);
  const array::slot* old = array_.load(std::memory_order_relaxed)->slots();
  const std::size_t old_capacity = capacity_;
  capacity_ = bigger;
  mask_ = bigger - 1;
  // Filled before it is published: readers see it whole or not at all.
  for (std::size_t i = 0; i < old_capacity; ++i) {
    if (entry* e = old[i].value.load(std::memory_order_relaxed)) place(*fresh, e);
  }
  publish(fresh);
}

void slot_table::insert(entry* e) noexcept {
  place(*array_.load(std::memory_order_relaxed), e);
  ++size_;
}

void slot_table::place(array& a, entry* e) noexcept {
  array::slot* slots = a.slots();
  std::size_t i = e->hash() & a.mask;
  while (slots[i].value.load(std::memory_order_relaxed) != nullptr) i = (i + 1) & a.mask;
  slots[i].hash.store(e->hash(), std::memory_order_relaxed);
  slots[i].value.store(e, std::memory_order_release);  // publishes the hash and the entry's bytes
}

void slot_table::erase_at(std::size_t hole) noexcept {
  array::slot* slots = array_.load(std::memory_order_relaxed)->slots();
  const std::uint32_t shifts = shifts_.load(std::memory_order_relaxed);
  bool shifting = false;
  // Backward shift: an entry later in the run moves into the hole when the hole lies between its
  // home slot and where it sits now, so every remaining entry stays reachable from its home.
  // Only a move can hide an entry from a reader, so only a move makes readers of a miss look again.
  for (std::size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
    entry* e = slots[j].value.load(std::memory_order_relaxed);
    if (e == nullptr) break;
    const std::uint64_t hash = slots[j].hash.load(std::memory_order_relaxed);
    if (((j - (hash & mask_)) & mask_) >= ((j - hole) & mask_)) {
      if (!shifting) {
        shifting = true;
        shifts_.store(shifts + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
      }
      slots[hole].hash.store(hash, std::memory_order_relaxed);
      slots[hole].value.store(e, std::memory_order_release);
      hole = j;
    }
  }
  slots[hole].value.store(nullptr, std::memory_order_release);
  slots[hole].hash.store(0, std::memory_order_relaxed);
  if (shifting) shifts_.store(shifts + 2, std::memory_order_release);
  --size_;
}

void slot_table::reset(std::size_t capacity, entry_list& removed) {
  array* fresh = capacity == 0 ? array::none() : array::make(capacity);
  const array::slot* old = array_.load(std::memory_order_relaxed)->slots();
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (entry* e = old[i].value.load(std::memory_order_relaxed)) removed.push(e);
  }
  capacity_ = capacity;
  mask_ = capacity == 0 ? 0 : capacity - 1;
  size_ = 0;
  publish(fresh);
}

void slot_table::publish(array* fresh) noexcept {
  array* old = array_.load(std::memory_order_relaxed);
  array_.store(fresh, std::memory_order_release);  // publishes the slots filled before
  if (old == array::none()) return;
  old->next_retired = replaced_;
  replaced_ = old;
}

slot_table::array* slot_table::take_replaced() noexcept {
  // Every write asks, and nearly always for nothing: storing only when there is something keeps
  // the table's first line, which every lock-free read loads, clean in the writer's cache.
  if (replaced_ == nullptr) return nullptr;
  return std::exchange(replaced_, nullptr);
}

void slot_table::free_arrays(array* chain) noexcept {
  while (chain != nullptr) array::destroy(std::exchange(chain, chain->next_retired));
}

}  // namespace fast_cache::detail::memory
