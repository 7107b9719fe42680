#include "eviction_policy.hpp"

#include <algorithm>

namespace fast_cache::detail::memory {

namespace {

// The window's share of a W-TinyLFU shard, and the protected segment's share of the main part:
// Caffeine's fixed split (2.6; later versions adapt the window by hill climbing).
constexpr std::size_t window_percent = 1;
constexpr std::size_t protected_percent = 80;
// A candidate at most this popular never beats an equally popular victim. Above it, one in 128
// does: Caffeine's defence against an attacker who keeps a victim artificially hot by flooding
// keys that collide with it in the sketch.
constexpr unsigned random_admission_floor = 5;
constexpr std::uint32_t random_admission_mask = 127;

void link_after(lru_hook* head, lru_hook* e) noexcept {
  e->prev = head;
  e->next = head->next;
  head->next->prev = e;
  head->next = e;
}

}  // namespace

eviction_policy::eviction_policy() noexcept {
  for (list& l : lists_) l.head.prev = l.head.next = &l.head;
}

void eviction_policy::configure(kind k, std::size_t capacity, bool by_bytes, std::size_t expected_entries) {
  kind_ = k;
  by_bytes_ = by_bytes;
  if (k == kind::lru) return;
  window_max_ = std::max<std::size_t>(1, capacity * window_percent / 100);
  protected_max_ = (capacity - std::min(capacity, window_max_)) * protected_percent / 100;
  sketch_ = frequency_sketch(expected_entries);
}

void eviction_policy::on_insert(entry* e) noexcept {
  ++resident_;
  if (kind_ == kind::tinylfu) {
    sketch_.ensure_capacity(resident_);
    sketch_.increment(e->hash());
  }
  push(segment::window, e);
  if (kind_ == kind::tinylfu) move_window_overflow(e);
}

void eviction_policy::count_hit(entry* e) noexcept {
  if (kind_ == kind::lru) return move_to_front(e);
  sketch_.increment(e->hash());
  switch (e->where) {
    case segment::window:
      return move_to_front(e);
    case segment::protected_main:
      e->referenced = true;
      return;
    case segment::probation:
      break;
  }
  unlink(e);
  push(segment::protected_main, e);
  list& prot = lists_[index(segment::protected_main)];
  while (prot.weight > protected_max_) {
    entry* oldest_entry = oldest(prot);
    if (oldest_entry == e) break;    // an entry heavier than the whole segment stays until the next hit
    if (oldest_entry->referenced) {  // read since it reached the front: a second chance
      oldest_entry->referenced = false;
      move_to_front(oldest_entry);
      continue;
    }
    unlink(oldest_entry);
    push(segment::probation, oldest_entry);
  }
}

void eviction_policy::on_replace(entry* old, entry* fresh) noexcept {
  fresh->where = old->where;
  fresh->prev = old->prev;
  fresh->next = old->next;
  fresh->prev->next = fresh;
  fresh->next->prev = fresh;
  list& l = lists_[index(fresh->where)];
  l.weight = l.weight - weigh(old) + weigh(fresh);
  on_hit(fresh);
  if (kind_ == kind::tinylfu && fresh->where == segment::window) move_window_overflow(fresh);
}

void eviction_policy::on_remove(entry* e) noexcept {
  --resident_;
  if (e == candidate_) end_eviction();
  unlink(e);
}

void eviction_policy::clear() noexcept {
  for (list& l : lists_) {
    l.head.prev = l.head.next = &l.head;
    l.weight = 0;
  }
  resident_ = 0;
  sketch_.clear();
  end_eviction();
}

entry* eviction_policy::next_victim(const entry* keep) noexcept {
  const auto other_than_keep = [keep](entry* e) { return e == keep ? nullptr : e; };
  if (kind_ == kind::lru) return other_than_keep(oldest(lists_[index(segment::window)]));
  entry* victim = oldest(lists_[index(segment::probation)]);
  if (victim == candidate_) victim = oldest(lists_[index(segment::protected_main)]);
  victim = other_than_keep(victim);
  if (candidate_ != nullptr) {
    entry* candidate = candidate_;
    // The next candidate is the next older arrival, unless there is none or it is the victim.
    const lru_hook* older = --candidates_ == 0 ? nullptr : candidate->next;
    const bool last = older == nullptr || older == &lists_[index(segment::probation)].head || older == victim;
    candidate_ = last ? nullptr : static_cast<entry*>(candidate->next);
    if (last) candidates_ = 0;
    if (victim == nullptr) return other_than_keep(candidate);
    if (candidate == keep) return victim;
    return admit(candidate, victim) ? victim : candidate;
  }
  if (victim != nullptr) return victim;
  for (const segment s : {segment::protected_main, segment::window}) {
    if (entry* e = other_than_keep(oldest(lists_[index(s)]))) return e;
  }
  return nullptr;
}

void eviction_policy::end_eviction() noexcept {
  candidate_ = nullptr;
  candidates_ = 0;
}

entry* eviction_policy::oldest(const list& l) noexcept {
  return l.head.prev == &l.head ? nullptr : static_cast<entry*>(l.head.prev);
}

void eviction_policy::push(segment s, entry* e) noexcept {
  e->where = s;
  e->referenced = false;
  list& l = lists_[index(s)];
  link_after(&l.head, e);
  l.weight += weigh(e);
}

void eviction_policy::unlink(entry* e) noexcept {
  lists_[index(e->where)].weight -= weigh(e);
  e->prev->next = e->next;
  e->next->prev = e->prev;
}

void eviction_policy::move_to_front(entry* e) noexcept {
  lru_hook* head = &lists_[index(e->where)].head;
  if (head->next == e) return;  // a hot key is often already there: skip the pointer writes
  e->prev->next = e->next;
  e->next->prev = e->prev;
  link_after(head, e);
}

void eviction_policy::move_window_overflow(const entry* keep) noexcept {
  list& window = lists_[index(segment::window)];
  while (window.weight > window_max_) {
    entry* e = oldest(window);
    if (e == nullptr || e == keep) return;
    unlink(e);
    push(segment::probation, e);
    candidate_ = e;  // the newest arrival is compared first, as in Caffeine
    ++candidates_;
  }
}

bool eviction_policy::admit(const entry* candidate, const entry* victim) noexcept {
  const unsigned candidate_count = sketch_.frequency(candidate->hash());
  const unsigned victim_count = sketch_.frequency(victim->hash());
  if (candidate_count > victim_count) return true;
  if (candidate_count <= random_admission_floor) return false;
  random_ ^= random_ << 13;
  random_ ^= random_ >> 17;
  random_ ^= random_ << 5;
  return (random_ & random_admission_mask) == 0;
}

}  // namespace fast_cache::detail::memory
