#include "epoch.hpp"

#include "spin_lock.hpp"

#include <cassert>

namespace fast_cache::detail::memory::epoch {

namespace {

std::atomic<reader_record*> registry{nullptr};

// Hands the thread's record back when the thread ends, for the next new thread to reuse.
struct record_owner {
  reader_record* record = nullptr;
  ~record_owner();
};

thread_local record_owner owner;
// Set once owner is destroyed: a read from a thread-local destructor that runs later claims a
// record it cannot hand back, rather than write into the destroyed owner.
thread_local bool owner_gone = false;

record_owner::~record_owner() {
  owner_gone = true;
  if (record == nullptr) return;
  current_record = nullptr;
  record->epoch.store(0, std::memory_order_release);
  record->taken.store(false, std::memory_order_release);
}

}  // namespace

reader_record* claim_record() noexcept {
  reader_record* mine = nullptr;
  for (reader_record* r = registry.load(std::memory_order_acquire); r != nullptr && mine == nullptr; r = r->next) {
    bool taken = false;
    if (r->taken.load(std::memory_order_relaxed)) continue;
    if (r->taken.compare_exchange_strong(taken, true, std::memory_order_acq_rel)) mine = r;
  }
  if (mine == nullptr) {
    mine = new reader_record;  // reachable from the registry for the life of the process
    mine->next = registry.load(std::memory_order_relaxed);
    while (!registry.compare_exchange_weak(mine->next, mine, std::memory_order_acq_rel)) {
    }
  }
  if (!owner_gone) owner.record = mine;
  current_record = mine;
  return mine;
}

void try_advance() noexcept {
  std::uint64_t now = global.load(std::memory_order_seq_cst);
  // Pairs with each reader's fence after its announcement: a reader this scan misses reads the
  // table after everything unlinked before the scan.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (const reader_record* r = registry.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    const std::uint64_t seen = r->epoch.load(std::memory_order_acquire);
    if (seen != 0 && seen != now) return;  // a section that began before `now` is still running
  }
  global.compare_exchange_strong(now, now + 1, std::memory_order_seq_cst);
}

void synchronize(std::uint64_t retired) noexcept {
  // Inside a read section the caller's own announcement would hold the epoch back for ever.
  assert(current_record == nullptr || current_record->depth == 0);
  for (unsigned turn = 0; !reclaimable(retired); ++turn) {
    try_advance();
    wait_turn(turn);
  }
}

}  // namespace fast_cache::detail::memory::epoch
