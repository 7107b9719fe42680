// Eviction: exact LRU within a shard, the entry limit and the byte budget.
#include <fast_cache/memory_backend.hpp>

#include "expect_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fast_cache {
namespace {

using test::expect_error;

TEST(MemoryLru, EvictsLeastRecentlyUsed) {
  InMemoryBackend cache({.max_size = 3, .shards = 1});
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
  InMemoryBackend cache({.max_size = 3, .shards = 1});
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
  InMemoryBackend cache({.max_size = 2, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  EXPECT_TRUE(cache.has("a"));
  cache.set("c", "3");
  EXPECT_FALSE(cache.has("a"));
}

TEST(MemoryLru, OverwriteRefreshes) {
  InMemoryBackend cache({.max_size = 2, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  cache.set("a", "1bis");
  cache.set("c", "3");
  EXPECT_EQ(cache.get("a"), "1bis");
  EXPECT_FALSE(cache.has("b"));
}

TEST(MemoryLru, MaxSizeHoldsAcrossShards) {
  InMemoryBackend cache({.max_size = 100, .shards = 8});
  for (int i = 0; i < 10'000; ++i) cache.set("key" + std::to_string(i), "v");
  EXPECT_LE(cache.size(), 100u);
  EXPECT_GE(cache.size(), 90u);  // every shard is full or nearly so
  for (int i = 9'990; i < 10'000; ++i) EXPECT_TRUE(cache.has("key" + std::to_string(i))) << i;
}

TEST(MemoryLru, NeverMoreShardsThanEntries) {
  InMemoryBackend cache({.max_size = 3, .shards = 16});
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

TEST(MemoryBytes, BudgetEvictsOldestFirst) {
  InMemoryBackend cache({.max_size = 0, .max_bytes = 100, .shards = 1});
  for (char c = 'a'; c <= 'd'; ++c) cache.set(std::string(5, c), std::string(25, c));  // 30 bytes each
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.bytes(), 90u);
  EXPECT_FALSE(cache.has("aaaaa"));
  EXPECT_TRUE(cache.has("bbbbb"));
}

TEST(MemoryBytes, GrowingAValueEvictsOthersNotItself) {
  InMemoryBackend cache({.max_size = 0, .max_bytes = 100, .shards = 1});
  cache.set("a", std::string(29, 'x'));
  cache.set("b", std::string(29, 'x'));
  cache.set("c", std::string(29, 'x'));
  cache.set("c", std::string(89, 'y'));
  EXPECT_EQ(cache.get("c"), std::string(89, 'y'));
  EXPECT_LE(cache.bytes(), 100u);
  EXPECT_FALSE(cache.has("a"));
  EXPECT_FALSE(cache.has("b"));  // 30 + 90 would still exceed 100
}

TEST(MemoryBytes, EntryOverShardBudgetIsRefused) {
  InMemoryBackend cache({.max_size = 0, .max_bytes = 400, .shards = 4});
  cache.set("k", std::string(99, 'v'));  // exactly 100 bytes: fits
  expect_error([&] { cache.set("k", std::string(100, 'v')); }, errc::value_too_large,
               "entry of 101 bytes (key + value) exceeds the byte budget of a shard, 100 bytes");
  EXPECT_EQ(cache.get("k"), std::string(99, 'v'));
}

}  // namespace
}  // namespace fast_cache
