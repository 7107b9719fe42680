// W-TinyLFU: the policy's segments on bare entries, and what it buys through the backend: a scan
// does not flush a hot set, a frequent newcomer gets in, and it never does worse than LRU here.
#include <fast_cache/memory_backend.hpp>

#include "memory/eviction_policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fast_cache {
namespace {

using detail::memory::entry;
using detail::memory::eviction_policy;
using detail::memory::segment;

// Entries made by hand, freed at the end of the test.
class entries {
 public:
  entries(const entries&) = delete;
  entries& operator=(const entries&) = delete;
  entries() = default;
  ~entries() {
    for (entry* e : made_) e->release();
  }
  entry* make(std::uint64_t n) {
    made_.push_back(entry::make((n + 1) * 0xD6E8FEB86659FD93ull, std::to_string(n), "v", detail::memory::never));
    return made_.back();
  }

 private:
  std::vector<entry*> made_;
};

// Evicts from the policy while it holds more than `capacity` entries, as a shard does.
std::vector<entry*> evict_down_to(eviction_policy& policy, std::size_t held, std::size_t capacity, const entry* keep) {
  std::vector<entry*> evicted;
  while (held > capacity) {
    entry* victim = policy.next_victim(keep);
    if (victim == nullptr) break;
    policy.on_remove(victim);
    evicted.push_back(victim);
    --held;
  }
  policy.end_eviction();
  return evicted;
}

TEST(EvictionPolicy, SegmentSizes) {
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 1000, false, 1000);
  EXPECT_EQ(policy.window_capacity(), 10u);
  EXPECT_EQ(policy.protected_capacity(), 792u);
  eviction_policy tiny;
  tiny.configure(eviction_policy::kind::tinylfu, 3, false, 3);
  EXPECT_EQ(tiny.window_capacity(), 1u) << "never an empty window";
}

TEST(EvictionPolicy, WindowOverflowGoesToProbationAndAHitPromotes) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 100, false, 100);  // window 1, protected 79
  entry* a = pool.make(1);
  entry* b = pool.make(2);
  policy.on_insert(a);
  EXPECT_EQ(a->where, segment::window);
  policy.on_insert(b);
  EXPECT_EQ(b->where, segment::window);
  EXPECT_EQ(a->where, segment::probation) << "the window holds 1 entry";
  policy.end_eviction();
  policy.on_hit(a);
  EXPECT_EQ(a->where, segment::protected_main);
  EXPECT_EQ(policy.weight(segment::protected_main), 1u);
  EXPECT_EQ(policy.weight(segment::probation), 0u);
  policy.on_remove(a);
  policy.on_remove(b);
}

TEST(EvictionPolicy, ProtectedOverflowIsDemotedToProbation) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 10, false, 10);  // window 1, protected 7
  std::vector<entry*> es;
  for (int i = 0; i < 10; ++i) {
    es.push_back(pool.make(i));
    policy.on_insert(es.back());
    policy.end_eviction();
  }
  for (int i = 0; i < 9; ++i) policy.on_hit(es[i]);  // the first 9 moved to probation, then promoted
  EXPECT_EQ(policy.weight(segment::protected_main), 7u);
  EXPECT_EQ(es[0]->where, segment::probation) << "the least recently promoted went back";
  EXPECT_EQ(es[1]->where, segment::probation);
  EXPECT_EQ(es[8]->where, segment::protected_main);
  for (entry* e : es) policy.on_remove(e);
}

TEST(EvictionPolicy, ProtectedKeepsMarkedEntriesAClockRoundLonger) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 10, false, 10);  // window 1, protected 7
  std::vector<entry*> es;
  for (int i = 0; i < 10; ++i) {
    es.push_back(pool.make(i));
    policy.on_insert(es.back());
    policy.end_eviction();
  }
  for (int i = 0; i < 7; ++i) policy.on_hit(es[i]);  // protected: es[0] oldest ... es[6]
  policy.on_hit(es[0]);                              // marks es[0]
  policy.on_hit(es[7]);                              // overflow: es[0] gets a second chance
  EXPECT_EQ(es[0]->where, segment::protected_main);
  EXPECT_EQ(es[1]->where, segment::probation) << "the oldest unmarked one goes";
  EXPECT_EQ(policy.weight(segment::protected_main), 7u);
  for (entry* e : es) policy.on_remove(e);
}

TEST(EvictionPolicy, MarkedProtectedHitsAreCountedOnce) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 100, false, 100);
  entry* a = pool.make(1);
  entry* b = pool.make(2);
  policy.on_insert(a);  // counted: 1
  policy.on_insert(b);  // a moves to probation
  policy.end_eviction();
  policy.on_hit(a);  // promoted, counted: 2
  policy.on_hit(a);  // marked, counted: 3
  ASSERT_EQ(a->where, segment::protected_main);
  EXPECT_EQ(policy.sketch().frequency(a->hash()), 3u);
  policy.on_hit(a);  // already marked: no policy work
  policy.on_hit(a);
  EXPECT_EQ(policy.sketch().frequency(a->hash()), 3u);
  policy.on_hit(b);  // the window counts every hit
  policy.on_hit(b);
  EXPECT_EQ(policy.sketch().frequency(b->hash()), 3u);
  policy.on_remove(a);
  policy.on_remove(b);
}

TEST(EvictionPolicy, CandidateLosesToAMorePopularVictim) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::tinylfu, 2, false, 2);  // window 1, main 1
  entry* popular = pool.make(1);
  policy.on_insert(popular);
  policy.end_eviction();
  entry* second = pool.make(2);
  policy.on_insert(second);  // popular moves to probation
  policy.end_eviction();
  for (int i = 0; i < 3; ++i) policy.on_hit(popular);
  entry* newcomer = pool.make(3);
  policy.on_insert(newcomer);  // second is the candidate against popular
  const auto evicted = evict_down_to(policy, 3, 2, newcomer);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], second);
  policy.on_remove(popular);
  policy.on_remove(newcomer);
}

TEST(EvictionPolicy, LruEvictsLeastRecentlyUsed) {
  entries pool;
  eviction_policy policy;
  policy.configure(eviction_policy::kind::lru, 3, false, 3);
  entry* a = pool.make(1);
  entry* b = pool.make(2);
  entry* c = pool.make(3);
  for (entry* e : {a, b, c}) policy.on_insert(e);
  policy.on_hit(a);
  entry* d = pool.make(4);
  policy.on_insert(d);
  const auto evicted = evict_down_to(policy, 4, 3, d);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], b);
  for (entry* e : {a, c, d}) policy.on_remove(e);
}

std::string key(int n) { return "key:" + std::to_string(n); }

// Reads key; on a miss stores it, as a cache-aside caller does. Whether it was a hit.
bool use(InMemoryBackend& cache, const std::string& k) {
  if (cache.get(k)) return true;
  cache.set(k, "value");
  return false;
}

TEST(TinyLfu, ScanDoesNotFlushTheHotSet) {
  InMemoryBackend cache({.max_size = 1000, .shards = 1});
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 500; ++i) use(cache, key(i));
  }
  for (int i = 0; i < 100'000; ++i) use(cache, key(1'000'000 + i));  // one-time keys
  int kept = 0;
  for (int i = 0; i < 500; ++i) kept += cache.has(key(i)) ? 1 : 0;
  // The hot keys were promoted to the protected segment, which a scan cannot reach, except the
  // last 10 (the 1% window), which meet one-time keys in probation once aging has zeroed them.
  EXPECT_GE(kept, 490);

  InMemoryBackend lru({.max_size = 1000, .eviction = memory_eviction::lru, .shards = 1});
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 500; ++i) use(lru, key(i));
  }
  for (int i = 0; i < 100'000; ++i) use(lru, key(1'000'000 + i));
  EXPECT_FALSE(lru.has(key(0))) << "the contrast: LRU loses the hot set to the scan";
}

TEST(TinyLfu, FrequentNewcomerIsAdmitted) {
  InMemoryBackend cache({.max_size = 100, .shards = 1});
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 200; ++i) use(cache, key(i));  // everything seen about as often
  }
  const std::string newcomer = "newcomer";
  int misses = 0;
  while (!use(cache, newcomer) && misses < 20) {
    ++misses;
    for (int i = 0; i < 3; ++i) use(cache, key(1000 + misses * 3 + i));  // the window moves on
  }
  EXPECT_LT(misses, 20) << "a key requested again and again gets in";
  EXPECT_GE(misses, 1);
}

TEST(TinyLfu, LoopLargerThanTheCacheStillHits) {
  // LRU never hits a loop over more keys than it holds; TinyLFU keeps most of main in place.
  InMemoryBackend tinylfu({.max_size = 1000, .shards = 1});
  InMemoryBackend lru({.max_size = 1000, .eviction = memory_eviction::lru, .shards = 1});
  int tinylfu_hits = 0;
  int lru_hits = 0;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 1500; ++i) {
      tinylfu_hits += use(tinylfu, key(i)) ? 1 : 0;
      lru_hits += use(lru, key(i)) ? 1 : 0;
    }
  }
  EXPECT_EQ(lru_hits, 0);
  EXPECT_GT(tinylfu_hits, 15000 * 50 / 100);
}

TEST(TinyLfu, ClearForgetsCounts) {
  InMemoryBackend cache({.max_size = 4, .shards = 1});
  for (int i = 0; i < 10; ++i) use(cache, "hot");
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  for (int i = 0; i < 8; ++i) use(cache, key(i));
  EXPECT_LE(cache.size(), 4u);
}

}  // namespace
}  // namespace fast_cache
