#include "limbo.hpp"

#include "epoch.hpp"

#include <utility>

namespace fast_cache::detail::memory {

namespace {

slot_table::array* last_of(slot_table::array* chain) noexcept {
  while (chain->next_retired != nullptr) chain = chain->next_retired;
  return chain;
}

}  // namespace

void retired_batch::add(entry_list& entries, slot_table::array* arrays) noexcept {
  entries_.splice(entries);
  if (arrays != nullptr) {
    last_of(arrays)->next_retired = arrays_;
    arrays_ = arrays;
  }
}

void retired_batch::take(retired_batch& other) noexcept { add(other.entries_, std::exchange(other.arrays_, nullptr)); }

void limbo::retire(entry_list& entries, slot_table::array* arrays, std::size_t weight, retired_batch& freed) noexcept {
  const std::uint64_t now = epoch::retire_epoch();
  if (batches_[newest_].epoch != now) {
    // Epochs only grow, so the batch after the newest is the oldest, at least two epochs old.
    newest_ = (newest_ + 1) % 3;
    freed.take(batches_[newest_].batch);
    batches_[newest_].epoch = now;
  }
  batches_[newest_].batch.add(entries, arrays);
  for (tagged& older : batches_) {
    if (&older != &batches_[newest_] && !older.batch.empty() && epoch::reclaimable(older.epoch)) {
      freed.take(older.batch);
    }
  }
  since_advance_ += weight;
  if (since_advance_ >= advance_weight) {
    since_advance_ = 0;
    epoch::try_advance();
  }
}

void limbo::drain(retired_batch& all) noexcept {
  for (tagged& t : batches_) all.take(t.batch);
}

}  // namespace fast_cache::detail::memory
