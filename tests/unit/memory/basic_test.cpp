// Single-key and batch operations, key and value bytes, close().
#include <fast_cache/memory_backend.hpp>

#include "expect_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fast_cache {
namespace {

using namespace std::string_literals;
using test::expect_error;

TEST(MemoryBasic, SetGetHasErase) {
  InMemoryBackend cache;
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_FALSE(cache.has("k"));
  cache.set("k", "v1");
  EXPECT_EQ(cache.get("k"), "v1");
  EXPECT_TRUE(cache.has("k"));
  cache.set("k", "v2");
  EXPECT_EQ(cache.get("k"), "v2");
  EXPECT_EQ(cache.size(), 1u);
  cache.erase("k");
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_FALSE(cache.has("k"));
  cache.erase("k");  // absent: not an error
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryBasic, EmptyValueIsStoredNotMissing) {
  InMemoryBackend cache;
  cache.set("k", "");
  EXPECT_EQ(cache.get("k"), ""s);
  EXPECT_TRUE(cache.has("k"));
  cache.set("null data", std::string_view{});
  EXPECT_EQ(cache.get("null data"), ""s);
}

TEST(MemoryBasic, ClearRemovesEverythingAndStaysUsable) {
  InMemoryBackend cache;
  for (int i = 0; i < 500; ++i) cache.set("key" + std::to_string(i), "value");
  EXPECT_EQ(cache.size(), 500u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(cache.get("key1"), std::nullopt);
  cache.set("key1", "again");
  EXPECT_EQ(cache.get("key1"), "again");
}

TEST(MemoryBasic, InstancesAreSeparateStores) {
  InMemoryBackend a({.namespace_ = "a"});
  InMemoryBackend b({.namespace_ = "b"});
  EXPECT_EQ(a.namespace_name(), "a");
  a.set("k", "from a");
  b.set("k", "from b");
  b.clear();
  EXPECT_EQ(a.get("k"), "from a");
  EXPECT_EQ(b.get("k"), std::nullopt);
}

TEST(MemoryBasic, BytesCountsWhatEntriesCost) {
  InMemoryBackend cache;
  cache.set("abc", "12345");
  EXPECT_EQ(cache.bytes(), InMemoryBackend::entry_charge(3, 5));
  cache.set("abc", std::string(100, 'v'));
  EXPECT_EQ(cache.bytes(), InMemoryBackend::entry_charge(3, 100));
}

TEST(MemoryBasic, EntryChargeCountsHeaderAllocatorAndTable) {
  // A 64-byte header, key and value, an 8-byte malloc chunk header, rounded up to 16, and two
  // 16-byte slots of a table kept at most half full.
  EXPECT_EQ(InMemoryBackend::entry_charge(0, 0), 80u + 32u);
  EXPECT_EQ(InMemoryBackend::entry_charge(30, 100), 208u + 32u);
  EXPECT_EQ(InMemoryBackend::entry_charge(1, 103), 176u + 32u);
  EXPECT_EQ(InMemoryBackend::entry_charge(1, 104), 192u + 32u);
}

TEST(MemoryBasic, LargeValuesRoundTrip) {
  InMemoryBackend cache;
  std::string value(1 << 20, 'v');
  value[12345] = '\0';
  cache.set("big", value);
  EXPECT_EQ(cache.get("big"), value);
  const std::string edge(128, 'e');  // the largest value copied without pinning, and one more
  cache.set("edge", edge);
  cache.set("edge+1", edge + "!");
  EXPECT_EQ(cache.get("edge"), edge);
  EXPECT_EQ(cache.get("edge+1"), edge + "!");
}

TEST(MemoryKeys, EmptyKeyIsRejectedEverywhere) {
  InMemoryBackend cache;
  expect_error([&] { (void)cache.get(""); }, errc::invalid_argument, "must not be empty");
  expect_error([&] { cache.set("", "v"); }, errc::invalid_argument, "must not be empty");
  expect_error([&] { (void)cache.has(""); }, errc::invalid_argument, "must not be empty");
  expect_error([&] { cache.erase(""); }, errc::invalid_argument, "must not be empty");
  EXPECT_EQ(cache.size(), 0u);
}

TEST(MemoryKeys, NulBytesInKeysAndValues) {
  InMemoryBackend cache;
  const std::string k1("a\0b", 3);
  const std::string k2("a\0c", 3);
  const std::string v("\0x\0", 3);
  cache.set(k1, v);
  cache.set(k2, "other");
  EXPECT_EQ(cache.get(k1), v);
  EXPECT_EQ(cache.get(k1)->size(), 3u);
  EXPECT_EQ(cache.get(k2), "other");
  EXPECT_EQ(cache.get("a"), std::nullopt);  // the prefix up to the NUL is another key
  cache.set(std::string(1, '\0'), "nul key");
  EXPECT_EQ(cache.get(std::string(1, '\0')), "nul key");
}

TEST(MemoryKeys, OneMebibyteKey) {
  InMemoryBackend cache;
  std::string key(1 << 20, 'k');
  cache.set(key, "big key");
  EXPECT_EQ(cache.get(key), "big key");
  key.back() = 'x';
  EXPECT_EQ(cache.get(key), std::nullopt);
  EXPECT_EQ(cache.bytes(), InMemoryBackend::entry_charge(1 << 20, 7));
}

TEST(MemoryBatch, GetManyAnswersInOrder) {
  InMemoryBackend cache;
  cache.set("a", "1");
  cache.set("c", "3");
  const std::vector<std::string> keys{"a", "b", "c", "a"};
  const auto values = cache.get_many(keys);
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0], "1");
  EXPECT_EQ(values[1], std::nullopt);
  EXPECT_EQ(values[2], "3");
  EXPECT_EQ(values[3], "1");
  EXPECT_TRUE(cache.get_many({}).empty());
}

TEST(MemoryBatch, SetManyAndEraseMany) {
  InMemoryBackend cache;
  const std::vector<item> items{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  cache.set_many(items);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get("b"), "2");
  const std::vector<std::string> gone{"a", "c", "missing"};
  cache.erase_many(gone);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.get("b"), "2");
  EXPECT_EQ(cache.get("c"), std::nullopt);
}

TEST(MemoryBatch, BadKeyInBatchChangesNothing) {
  InMemoryBackend cache;
  cache.set("keep", "v");
  const std::vector<item> items{{"a", "1"}, {"", "2"}};
  expect_error([&] { cache.set_many(items); }, errc::invalid_argument, "must not be empty");
  EXPECT_EQ(cache.get("a"), std::nullopt);
  const std::vector<std::string> keys{"keep", ""};
  expect_error([&] { cache.erase_many(keys); }, errc::invalid_argument, "must not be empty");
  EXPECT_EQ(cache.get("keep"), "v");
  expect_error([&] { (void)cache.get_many(keys); }, errc::invalid_argument, "must not be empty");
}

TEST(MemoryClose, LaterCallsFailWithClosed) {
  InMemoryBackend cache;
  cache.set("k", "v");
  cache.close();
  EXPECT_EQ(cache.size(), 0u);
  expect_error([&] { (void)cache.get("k"); }, errc::closed, "closed");
  expect_error([&] { cache.set("k", "v"); }, errc::closed, "closed");
  expect_error([&] { (void)cache.has("k"); }, errc::closed, "closed");
  expect_error([&] { cache.erase("k"); }, errc::closed, "closed");
  expect_error([&] { cache.clear(); }, errc::closed, "closed");
  const std::vector<std::string> keys{"k"};
  expect_error([&] { (void)cache.get_many(keys); }, errc::closed, "closed");
  const std::vector<item> items{{"k", "v"}};
  expect_error([&] { cache.set_many(items); }, errc::closed, "closed");
  expect_error([&] { cache.erase_many(keys); }, errc::closed, "closed");
  cache.close();  // idempotent
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace fast_cache
