// Eviction with `eviction = lru`: exact LRU within a shard, the entry limit and the byte budget.
// W-TinyLFU is tested in admission_test.cpp.
#include <fast_cache/memory_backend.hpp>

#include "expect_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fast_cache {
namespace {

using test::expect_error;

TEST(MemoryLru, EvictsLeastRecentlyUsed) {
  InMemoryBackend cache({.max_size = 3, .eviction = memory_eviction::lru, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  cache.set("c", "3");
  cache.set("d", "4");
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.has("a"));
  EXPECT_TRUE(cache.has("b"));
  EXPECT_TRUE(cache.has("d"));
}

TEST(MemoryLru, GetKeepsAKey) {
  InMemoryBackend cache({.max_size = 3, .eviction = memory_eviction::lru, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  cache.set("c", "3");
  EXPECT_EQ(cache.get("a"), "1");
  cache.set("d", "4");
  EXPECT_EQ(cache.get("a"), "1");
  EXPECT_FALSE(cache.has("b"));
  cache.set("e", "5");  // now c is the oldest
  EXPECT_FALSE(cache.has("c"));
  EXPECT_TRUE(cache.has("a"));
}

TEST(MemoryLru, HasDoesNotRefresh) {
  InMemoryBackend cache({.max_size = 2, .eviction = memory_eviction::lru, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  EXPECT_TRUE(cache.has("a"));
  cache.set("c", "3");
  EXPECT_FALSE(cache.has("a"));
}

TEST(MemoryLru, OverwriteRefreshes) {
  InMemoryBackend cache({.max_size = 2, .eviction = memory_eviction::lru, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  cache.set("a", "1bis");
  cache.set("c", "3");
  EXPECT_EQ(cache.get("a"), "1bis");
  EXPECT_FALSE(cache.has("b"));
}

TEST(MemoryLru, MaxSizeHoldsAcrossShards) {
  InMemoryBackend cache({.max_size = 100, .eviction = memory_eviction::lru, .shards = 8});
  for (int i = 0; i < 10'000; ++i) cache.set("key" + std::to_string(i), "v");
  EXPECT_LE(cache.size(), 100u);
  EXPECT_GE(cache.size(), 90u);  // every shard is full or nearly so
  for (int i = 9'990; i < 10'000; ++i) EXPECT_TRUE(cache.has("key" + std::to_string(i))) << i;
}

TEST(MemoryLru, NeverMoreShardsThanEntries) {
  InMemoryBackend cache({.max_size = 3, .eviction = memory_eviction::lru, .shards = 16});
  EXPECT_EQ(cache.shard_count(), 3u);
  for (int i = 0; i < 50; ++i) cache.set("key" + std::to_string(i), "v");
  EXPECT_LE(cache.size(), 3u);
  EXPECT_TRUE(cache.has("key49"));
}

TEST(MemoryLru, UnboundedKeepsEverything) {
  InMemoryBackend cache({.max_size = 0, .shards = 4});
  for (int i = 0; i < 20'000; ++i) cache.set("key" + std::to_string(i), "v");
  EXPECT_EQ(cache.size(), 20'000u);
  for (int i = 0; i < 20'000; i += 997) EXPECT_TRUE(cache.has("key" + std::to_string(i)));
}

// Each entry is charged what it costs: InMemoryBackend::entry_charge, not just key + value.
TEST(MemoryBytes, BudgetEvictsOldestFirst) {
  const std::size_t each = InMemoryBackend::entry_charge(5, 25);
  InMemoryBackend cache(
      {.max_size = 0, .max_bytes = 3 * each + each / 2, .eviction = memory_eviction::lru, .shards = 1});
  for (char c = 'a'; c <= 'd'; ++c) cache.set(std::string(5, c), std::string(25, c));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.bytes(), 3 * each);
  EXPECT_FALSE(cache.has("aaaaa"));
  EXPECT_TRUE(cache.has("bbbbb"));
}

TEST(MemoryBytes, OverheadCountsForSmallEntries) {
  // 100 one-byte values in 100 * 2 bytes of key and value: the real cost is over 100 bytes each.
  const std::size_t budget = 10 * InMemoryBackend::entry_charge(1, 1);
  InMemoryBackend cache({.max_size = 0, .max_bytes = budget, .eviction = memory_eviction::lru, .shards = 1});
  for (int i = 0; i < 100; ++i) cache.set(std::string(1, static_cast<char>(i)), "v");
  EXPECT_EQ(cache.size(), 10u);
  EXPECT_EQ(cache.bytes(), budget);
}

TEST(MemoryBytes, GrowingAValueEvictsOthersNotItself) {
  const std::size_t small = InMemoryBackend::entry_charge(1, 29);
  const std::size_t budget = 3 * small + small / 2;
  // Charged a little more than budget - small (the overhead is 105 to 120 bytes): no room for two.
  const std::size_t big_value = budget - small - 100;
  for (const auto eviction : {memory_eviction::lru, memory_eviction::tinylfu}) {
    InMemoryBackend cache({.max_size = 0, .max_bytes = budget, .eviction = eviction, .shards = 1});
    cache.set("a", std::string(29, 'x'));
    cache.set("b", std::string(29, 'x'));
    cache.set("c", std::string(29, 'x'));
    cache.set("c", std::string(big_value, 'y'));
    EXPECT_EQ(cache.get("c"), std::string(big_value, 'y'));
    EXPECT_LE(cache.bytes(), budget);
    EXPECT_FALSE(cache.has("a"));
    EXPECT_FALSE(cache.has("b"));
  }
}

TEST(MemoryBytes, EntryOverShardBudgetIsRefused) {
  const std::size_t share = InMemoryBackend::entry_charge(1, 99);
  InMemoryBackend cache({.max_size = 0, .max_bytes = 4 * share, .shards = 4});
  cache.set("k", std::string(99, 'v'));  // charged exactly a shard's share: fits
  const std::size_t over = InMemoryBackend::entry_charge(1, 115);
  expect_error([&] { cache.set("k", std::string(115, 'v')); }, errc::value_too_large,
               "entry charged " + std::to_string(over) +
                   " bytes (116 of key and value, the rest overhead) exceeds the byte budget of a shard, " +
                   std::to_string(share) + " bytes");
  EXPECT_EQ(cache.get("k"), std::string(99, 'v'));
}

}  // namespace
}  // namespace fast_cache
