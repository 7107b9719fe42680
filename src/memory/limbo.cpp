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
  // Only a new epoch can make a batch free to go: while the newest batch's epoch is the current
  // one, the others were judged when it began.
  if (batches_[newest_].epoch != retired) {
    // Epochs only grow, so the batch after the newest is the oldest, at least two epochs old.
    newest_ = newest_ == 2 ? 0 : newest_ + 1;
    freed.add(batches_[newest_].entries, nullptr);
    batches_[newest_].epoch = retired;
    tagged& older = batches_[newest_ == 2 ? 0 : newest_ + 1];
    if (epoch::reclaimable(older.epoch)) freed.add(older.entries, nullptr);
  }
  batches_[newest_].entries.splice(entries);
  since_advance_ += weight;
  if (since_advance_ >= advance_weight) {
    since_advance_ = 0;
    epoch::try_advance();
  }
}

limbo::~limbo() {
  retired_batch all;
  for (tagged& t : batches_) all.add_after_grace(t.entries, nullptr, t.epoch);
}

namespace {

// Set when the thread's limbo is destroyed: a write from a thread-local destructor that runs
// later waits for its own grace period rather than use the destroyed limbo.
thread_local bool mine_gone = false;

struct thread_limbo : limbo {
  thread_limbo() = default;
  thread_limbo(const thread_limbo&) = delete;
  thread_limbo& operator=(const thread_limbo&) = delete;
  ~thread_limbo() { mine_gone = true; }
};

thread_local thread_limbo mine;

}  // namespace

void retire(entry_list& entries, std::size_t weight) noexcept {
  retired_batch freed;
  const std::uint64_t retired = epoch::retire_epoch();
  if (mine_gone) {
    freed.add_after_grace(entries, nullptr, retired);
    return;
  }
  mine.retire(entries, weight, retired, freed);
}

}  // namespace fast_cache::detail::memory
