#include "limbo.hpp"

#include "epoch.hpp"

#include <algorithm>
#include <utility>

namespace fast_cache::detail::memory {

retired_batch::~retired_batch() {
  if (grace_ != 0) epoch::synchronize(grace_);
  slot_table::free_arrays(arrays_);
  // entries_ releases the entries after this body.
}

void retired_batch::add(entry_list& entries, slot_table::array* arrays) noexcept {
  entries_.splice(entries);
  if (arrays != nullptr) {
    slot_table::array* last = arrays;
    while (last->next_retired != nullptr) last = last->next_retired;
    last->next_retired = arrays_;
    arrays_ = arrays;
  }
}

void retired_batch::add_after_grace(entry_list& entries, slot_table::array* arrays, std::uint64_t retired) noexcept {
  add(entries, arrays);
  grace_ = std::max(grace_, retired);
}

void retired_batch::take(retired_batch& other) noexcept {
  add_after_grace(other.entries_, std::exchange(other.arrays_, nullptr), std::exchange(other.grace_, 0));
}

void limbo::retire(entry_list& entries, std::size_t weight, std::uint64_t retired, retired_batch& freed) noexcept {
  if (batches_[newest_].epoch != retired) {
    // Epochs only grow, so the batch after the newest is the oldest, at least two epochs old.
    newest_ = (newest_ + 1) % 3;
    freed.add(batches_[newest_].entries, nullptr);
    batches_[newest_].epoch = retired;
  }
  batches_[newest_].entries.splice(entries);
  for (tagged& older : batches_) {
    if (&older != &batches_[newest_] && !older.entries.empty() && epoch::reclaimable(older.epoch)) {
      freed.add(older.entries, nullptr);
    }
  }
  since_advance_ += weight;
  if (since_advance_ >= advance_weight) {
    since_advance_ = 0;
    epoch::try_advance();
  }
}

void limbo::drain(entry_list& all) noexcept {
  for (tagged& t : batches_) all.splice(t.entries);
}

}  // namespace fast_cache::detail::memory
