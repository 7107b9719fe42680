#include "shard.hpp"

#include <fast_cache/error.hpp>

#include <algorithm>
#include <mutex>
#include <utility>

namespace fast_cache::detail::memory {

namespace {

// Slots one write examines while a sweep is in progress: bounds the time a sweep adds to a write.
constexpr std::size_t sweep_step_slots = 32;
// A shard allocates at most this many slots up front (64 KiB); a larger one grows as it fills.
constexpr std::size_t max_initial_capacity = 4096;

// What a shard without an entry limit sizes its frequency sketch for: entries of this many
// charged bytes (a 30-byte key and a 100-byte value charge 240).
constexpr std::size_t typical_charge = 256;

}  // namespace

/// The lock of one write. What the write unlinked is taken from the shard under the lock and
/// retired after unlocking (the members are destroyed in the reverse of their order): small
/// entries to the thread's limbo; large ones, and an outgrown table array, freed once no reader
/// can hold them, as they are too large to leave for later writes and growth is rare.
class shard::write_section {
 public:
  explicit write_section(shard& s) : shard_(s), guard_(s.lock_) {}
  write_section(const write_section&) = delete;
  write_section& operator=(const write_section&) = delete;
  ~write_section() {
    unlinked_.entries.splice(shard_.removed_);
    unlinked_.count = std::exchange(shard_.removed_count_, 0);
    unlinked_.large.splice(shard_.removed_large_);
    unlinked_.arrays = shard_.table_.take_replaced();
  }

 private:
  struct unlinked {
    entry_list entries;
    std::size_t count = 0;
    entry_list large;
    slot_table::array* arrays = nullptr;
    unlinked() = default;
    unlinked(const unlinked&) = delete;
    unlinked& operator=(const unlinked&) = delete;
    ~unlinked() {
      if (!entries.empty() || !large.empty() || arrays != nullptr) retire(entries, count, large, arrays);
    }
  };

  shard& shard_;
  unlinked unlinked_;
  std::lock_guard<spin_lock> guard_;
};

shard::~shard() {
  // No reader is left: the entries still in the table go now, released by the list.
  entry_list remaining;
  table_.reset(0, remaining);  // to the shared empty array: allocates nothing, cannot throw
}

void shard::configure(budget limits, eviction_policy::kind eviction, std::chrono::nanoseconds sweep_interval,
                      time_point now) {
  limits_ = limits;
  bounded_ = limits.max_entries != 0 || limits.max_bytes != 0;
  if (bounded_) {
    const bool by_bytes = limits.max_entries == 0;
    const std::size_t expected = by_bytes ? limits.max_bytes / typical_charge : limits.max_entries;
    policy_.configure(eviction, by_bytes ? limits.max_bytes : limits.max_entries, by_bytes, expected);
  }
  sweep_interval_ = sweep_interval;
  last_sweep_ = now;
  // store() inserts before it evicts, so a full shard briefly holds max_entries + 1.
  initial_capacity_ =
      limits.max_entries == 0 ? 0 : std::min(capacity_for(limits.max_entries + 1), max_initial_capacity);
  entry_list none;  // the table is empty, and its empty array is never retired
  table_.reset(initial_capacity_, none);
}

void shard::count_hit(entry* e) noexcept {
  if (!lock_.try_lock()) return;
  if (table_.holds(e)) policy_.on_hit(e);  // a writer may have unlinked it since the probe
  lock_.unlock();
}

void shard::remove_expired(std::uint64_t hash, std::string_view key, lazy_now& now) {
  const write_section writing(*this);
  const std::size_t slot = table_.find(hash, key);
  if (slot == slot_table::npos) return;
  const entry* e = table_.at(slot);
  if (e->expires() && e->expired_at(now.get())) remove_at(slot);
}

bool shard::contains(std::uint64_t hash, std::string_view key, lazy_now& now) {
  auto ignore = [](const entry*) {};
  return look_up<false>(hash, key, now, ignore);
}

void shard::store(entry_ref fresh, lazy_now& now) {
  const write_section writing(*this);
  if (closed_) throw Error(errc::closed, "InMemoryBackend is closed");
  const std::size_t slot = table_.find(fresh->hash(), fresh->key());
  put(std::move(fresh), slot, now);
}

bool shard::store_if_absent(entry_ref fresh, lazy_now& now) {
  const write_section writing(*this);
  if (closed_) throw Error(errc::closed, "InMemoryBackend is closed");
  const std::size_t slot = table_.find(fresh->hash(), fresh->key());
  if (slot != slot_table::npos) {
    const entry* e = table_.at(slot);
    if (!e->expires() || !e->expired_at(now.get())) return false;
  }
  put(std::move(fresh), slot, now);
  return true;
}

// Stores fresh at slot (its key's slot, or npos when absent); under the lock.
void shard::put(entry_ref fresh, std::size_t slot, lazy_now& now) {
  if (slot == slot_table::npos) table_.reserve_one();  // on bad_alloc, fresh's owner frees it
  entry* e = fresh.release();
  account(e);
  if (slot == slot_table::npos) {
    table_.insert(e);
    if (bounded_) policy_.on_insert(e);
  } else {
    entry* old = table_.at(slot);
    table_.replace(slot, e);
    if (bounded_) policy_.on_replace(old, e);
    discard(old);
  }
  trim(e);
  sweep_step(now);
}

void shard::erase(std::uint64_t hash, std::string_view key) {
  const write_section writing(*this);
  const std::size_t slot = table_.find(hash, key);
  if (slot != slot_table::npos) remove_at(slot);
}

bool shard::erase_if_equal(std::uint64_t hash, std::string_view key, std::string_view value) {
  const write_section writing(*this);
  const std::size_t slot = table_.find(hash, key);
  if (slot == slot_table::npos || table_.at(slot)->value() != value) return false;
  remove_at(slot);
  return true;
}

void shard::clear(retired_batch& removed) { reset(initial_capacity_, false, removed); }

void shard::close(retired_batch& removed) { reset(0, true, removed); }

std::size_t shard::size() const {
  std::lock_guard guard(lock_);
  return table_.size();
}

std::size_t shard::bytes() const {
  std::lock_guard guard(lock_);
  return bytes_;
}

void shard::reset(std::size_t capacity, bool closing, retired_batch& removed) {
  const std::lock_guard guard(lock_);
  if (closed_) return;  // a clear() racing with close() must not reopen the shard
  entry_list entries;
  table_.reset(capacity, entries);
  policy_.clear();
  bytes_ = 0;
  expiring_ = 0;
  sweeping_ = false;
  closed_ = closing;
  removed.add_after_grace(entries, table_.take_replaced(), epoch::retire_epoch());
}

void shard::remove_at(std::size_t slot) noexcept {
  entry* e = table_.at(slot);
  table_.erase_at(slot);
  if (bounded_) policy_.on_remove(e);
  discard(e);
}

void shard::account(const entry* e) noexcept {
  bytes_ += e->charge();
  if (e->expires()) ++expiring_;
}

void shard::discard(entry* e) noexcept {
  const std::size_t charge = e->charge();
  bytes_ -= charge;
  if (e->expires()) --expiring_;
  if (charge >= limbo::large_entry_bytes) {
    removed_large_.push(e);
  } else {
    removed_.push(e);
    ++removed_count_;
  }
}

bool shard::over_budget() const noexcept {
  return (limits_.max_entries != 0 && table_.size() > limits_.max_entries) ||
         (limits_.max_bytes != 0 && bytes_ > limits_.max_bytes);
}

void shard::trim(const entry* keep) noexcept {
  if (!bounded_) return;
  while (over_budget()) {
    entry* victim = policy_.next_victim(keep);
    if (victim == nullptr) break;  // only keep is left: cannot happen while keep fits the budget alone
    remove_at(table_.find(victim));
  }
  policy_.end_eviction();
}

void shard::sweep_step(lazy_now& now) {
  if (expiring_ == 0) return;  // nothing can expire: not even a clock read
  const time_point t = now.get();
  if (!sweeping_) {
    if (t - last_sweep_ < sweep_interval_) return;
    sweeping_ = true;
    sweep_cursor_ = 0;
  }
  for (std::size_t n = 0; n < sweep_step_slots && sweep_cursor_ < table_.capacity(); ++n) {
    const entry* e = table_.at(sweep_cursor_);
    if (e != nullptr && e->expires() && e->expired_at(t)) {
      remove_at(sweep_cursor_);  // a later entry may have shifted into this slot: look again
    } else {
      ++sweep_cursor_;
    }
  }
  if (sweep_cursor_ >= table_.capacity()) {
    sweeping_ = false;
    last_sweep_ = t;
  }
}

}  // namespace fast_cache::detail::memory
