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

void retired_batch::add(entry_list& entries) noexcept { entries_.splice(entries); }

void retired_batch::add_after_grace(entry_list& entries, slot_table::array* arrays, std::uint64_t retired) noexcept {
  add(entries);
  if (arrays != nullptr) {
    slot_table::array* last = arrays;
    while (last->next_retired != nullptr) last = last->next_retired;
    last->next_retired = arrays_;
    arrays_ = arrays;
  }
  grace_ = std::max(grace_, retired);
}

void limbo::retire(entry_list& entries, std::size_t count, std::uint64_t retired, retired_batch& freed) noexcept {
  // Only a new epoch can make a batch free to go. The thread's epochs only grow, so previous_'s
  // is now at least two behind; current_'s may be too, if the epoch moved on more than once.
  if (current_.epoch != retired) {
    freed.add(previous_.entries);
    if (epoch::reclaimable(current_.epoch)) {
      freed.add(current_.entries);
    } else {
      previous_.entries.splice(current_.entries);
      previous_.epoch = current_.epoch;
    }
    current_.epoch = retired;
  }
  current_.entries.splice(entries);
  since_advance_ += count;
  if (since_advance_ >= entries_per_advance) {
    since_advance_ = 0;
    epoch::try_advance();
  }
}

limbo::~limbo() {
  retired_batch all;
  for (tagged* t : {&previous_, &current_}) {
    if (!t->entries.empty()) all.add_after_grace(t->entries, nullptr, t->epoch);  // else nothing to wait for
  }
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

void retire(entry_list& entries, std::size_t count, entry_list& large, slot_table::array* arrays) noexcept {
  retired_batch freed;
  const std::uint64_t retired = epoch::retire_epoch();
  freed.add_after_grace(large, arrays, large.empty() && arrays == nullptr ? 0 : retired);
  if (entries.empty()) return;
  if (mine_gone) {
    freed.add_after_grace(entries, nullptr, retired);
    return;
  }
  mine.retire(entries, count, retired, freed);
}

}  // namespace fast_cache::detail::memory
