// Which entry of a shard leaves when it is over budget: exact LRU, or W-TinyLFU.
#pragma once

#include "entry.hpp"
#include "frequency_sketch.hpp"

#include <cstddef>
#include <cstdint>

namespace fast_cache::detail::memory {

/// The recency lists of one shard and the choice of eviction victims, without the table, the
/// budget or the lock (the shard's job), so it is tested on bare entries.
///
/// LRU keeps every entry on one list (the window) and evicts its least recently used.
///
/// W-TinyLFU (Caffeine's policy, Einziger, Friedman and Manes, ACM ToS 2017): new entries enter a
/// small window LRU (1% of capacity); the window's overflow moves to the probation segment of a
/// segmented main LRU, as candidates. When the shard is over budget, a candidate is compared with
/// probation's least recently used entry and the one the frequency sketch has seen less often is
/// evicted, so one-time keys (a scan) cannot push out popular ones. A hit in probation promotes the
/// entry to the protected segment (80% of main), whose overflow goes back to probation.
///
/// The protected segment is kept in CLOCK order rather than exact LRU: a hit there only marks the
/// entry, and when the segment overflows, marked entries at its old end are unmarked and go back
/// to the front (a second chance) while the first unmarked one is demoted. The entries read since
/// they last reached the front stay, as with LRU, but a hit writes one flag in a line it already
/// read instead of unlinking the entry, which touched both neighbours' cache lines and the
/// front's. A hit on an entry already marked is not counted in the sketch either, until the
/// CLOCK hand unmarks it: a popular protected entry is far from eviction, its counters are
/// saturated or soon will be, and the skipped increments would only add collisions for other
/// keys (measured: hit ratios on the Zipf traces rose by 0.1 to 0.2 points, the loop's fell by
/// 0.04). So the common hit, on a popular entry, costs no policy work and no extra cache line,
/// much as Caffeine skips the policy for reads its buffers drop.
///
/// Segments are sized in entries when the shard has an entry limit, else in charged bytes.
class eviction_policy {
 public:
  enum class kind { lru, tinylfu };

  eviction_policy() noexcept;
  eviction_policy(const eviction_policy&) = delete;
  eviction_policy& operator=(const eviction_policy&) = delete;

  /// Sets the policy up for a shard holding about `capacity` entries (by_bytes: charged bytes)
  /// and about expected_entries entries; called once, before any other use.
  void configure(kind k, std::size_t capacity, bool by_bytes, std::size_t expected_entries);

  /// A new key's entry arrived.
  void on_insert(entry* e) noexcept;
  /// Whether a hit on e changes anything: the common hit, on a marked protected entry, was
  /// counted when it was marked (see the class comment), and costs two loads and no lock.
  [[nodiscard]] static bool hit_needs_work(const entry* e) noexcept {
    return e->where != segment::protected_main || !e->referenced;
  }
  /// e was read.
  void on_hit(entry* e) noexcept {
    if (hit_needs_work(e)) count_hit(e);
  }
  /// fresh replaces old (same key) in old's place, and counts as a use of the key.
  void on_replace(entry* old, entry* fresh) noexcept;
  /// e left the shard (erased, expired, replaced or evicted).
  void on_remove(entry* e) noexcept;
  /// Forgets every entry (which the caller frees) and every count.
  void clear() noexcept;

  /// The entry to evict next while the shard is over budget, or nullptr when only keep is left.
  /// The caller removes it (on_remove) before asking again; between two calls nothing else may
  /// change the policy, and end_eviction() ends the run.
  [[nodiscard]] entry* next_victim(const entry* keep) noexcept;
  /// Ends a run of next_victim calls.
  void end_eviction() noexcept;

  [[nodiscard]] std::size_t weight(segment s) const noexcept { return lists_[index(s)].weight; }
  [[nodiscard]] std::size_t window_capacity() const noexcept { return window_max_; }
  [[nodiscard]] std::size_t protected_capacity() const noexcept { return protected_max_; }
  [[nodiscard]] const frequency_sketch& sketch() const noexcept { return sketch_; }

 private:
  struct list {
    lru_hook head;  // sentinel of a circular list: head.next is the most recently used
    std::size_t weight = 0;
  };

  static constexpr std::size_t index(segment s) noexcept { return static_cast<std::size_t>(s); }
  [[nodiscard]] std::size_t weigh(const entry* e) const noexcept { return by_bytes_ ? e->charge() : 1; }
  [[nodiscard]] static entry* oldest(const list& l) noexcept;
  void push(segment s, entry* e) noexcept;
  void unlink(entry* e) noexcept;
  void move_to_front(entry* e) noexcept;
  /// on_hit's work for an entry that is not a marked protected one.
  void count_hit(entry* e) noexcept;
  /// Moves the window's oldest entries but keep to probation while the window is over its size.
  void move_window_overflow(const entry* keep) noexcept;
  [[nodiscard]] bool admit(const entry* candidate, const entry* victim) noexcept;

  kind kind_ = kind::lru;
  bool by_bytes_ = false;
  std::size_t window_max_ = 0;
  std::size_t protected_max_ = 0;
  list lists_[3];
  std::size_t resident_ = 0;  // entries in the lists: what the sketch must be sized for
  frequency_sketch sketch_;
  // During a run of next_victim: the newest window arrival not yet compared, and how many are left.
  entry* candidate_ = nullptr;
  std::size_t candidates_ = 0;
  std::uint32_t random_ = 0x9E3779B9u;  // xorshift state for admit's rare random admissions
};

}  // namespace fast_cache::detail::memory
