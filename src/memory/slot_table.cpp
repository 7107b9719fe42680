#include "slot_table.hpp"

#include <algorithm>
#include <bit>
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

slot_table::slot_table(std::size_t capacity)
    : slots_(capacity == 0 ? nullptr : std::make_unique<slot[]>(capacity)),
      capacity_(capacity),
      mask_(capacity == 0 ? 0 : capacity - 1) {}

std::size_t slot_table::find(const entry* e) const noexcept {
  for (std::size_t i = e->hash() & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].value == e) return i;
  }
}

void slot_table::reserve_one() {
  if ((size_ + 1) * max_load_denominator <= capacity_) return;
  slot_table bigger(capacity_ == 0 ? min_capacity : capacity_ * 2);
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (slots_[i].value != nullptr) bigger.place(slots_[i].hash, slots_[i].value);
  }
  bigger.size_ = size_;
  *this = std::move(bigger);
}

void slot_table::insert(entry* e) noexcept {
  place(e->hash(), e);
  ++size_;
}

void slot_table::place(std::uint64_t hash, entry* e) noexcept {
  std::size_t i = hash & mask_;
  while (slots_[i].value != nullptr) i = (i + 1) & mask_;
  slots_[i] = {hash, e};
}

void slot_table::erase_at(std::size_t hole) noexcept {
  // Backward shift: an entry later in the run moves into the hole when the hole lies between its
  // home slot and where it sits now, so every remaining entry stays reachable from its home.
  for (std::size_t j = (hole + 1) & mask_; slots_[j].value != nullptr; j = (j + 1) & mask_) {
    const std::size_t home = slots_[j].hash & mask_;
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = {0, nullptr};
  --size_;
}

}  // namespace fast_cache::detail::memory
