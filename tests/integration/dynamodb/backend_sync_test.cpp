// Every synchronous operation against DynamoDB Local, with the keys and values at the edges.
#include "dynamodb/crypto.hpp"
#include "dynamodb/protocol.hpp"
#include "integration/dynamodb/fixture.hpp"

#include <thread>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using test::local_options;
using test::shared_table;
using test::unique_name;

class dynamodb_sync : public ::testing::Test {
 protected:
  void SetUp() override {
    FAST_CACHE_REQUIRE_DYNAMODB();
    backend.emplace(local_options(shared_table, unique_name("sync")));
  }
  std::optional<DynamoDBBackend> backend;
};

TEST_F(dynamodb_sync, set_get_has_erase) {
  EXPECT_EQ(backend->get("missing"), std::nullopt);
  EXPECT_FALSE(backend->has("missing"));
  backend->set("k", "v");
  EXPECT_EQ(backend->get("k"), "v");
  EXPECT_TRUE(backend->has("k"));
  backend->set("k", "v2", 60s);
  EXPECT_EQ(backend->get("k"), "v2");
  backend->erase("k");
  EXPECT_EQ(backend->get("k"), std::nullopt);
  EXPECT_FALSE(backend->has("k"));
  backend->erase("k");  // erasing an absent key is fine
  EXPECT_THROW(backend->get(""), Error);
}

TEST_F(dynamodb_sync, keys_at_the_edges) {
  const std::string keys[] = {"x",
                              std::string(1025, 'k'),
                              std::string(1 << 20, 'm'),
                              "nul\0in\0key"s,
                              "\xff\xfe\x80 not utf-8",
                              "\xff\xfe\x81 not utf-8",
                              "caf\xc3\xa9 \xf0\x9f\x98\x80"};
  for (std::size_t i = 0; i < std::size(keys); ++i) backend->set(keys[i], "value" + std::to_string(i));
  for (std::size_t i = 0; i < std::size(keys); ++i) {
    EXPECT_EQ(backend->get(keys[i]), "value" + std::to_string(i)) << i;
    EXPECT_TRUE(backend->has(keys[i])) << i;
  }
  for (const auto& k : keys) backend->erase(k);
  for (const auto& k : keys) EXPECT_FALSE(backend->has(k));
}

TEST_F(dynamodb_sync, values_with_every_byte_and_at_the_size_limit) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  backend->set("bytes", all);
  EXPECT_EQ(backend->get("bytes"), all);
  backend->set("empty", "");
  EXPECT_EQ(backend->get("empty"), "");

  const std::string big(399 * 1024, '\xab');
  backend->set("big", big, 60s);
  EXPECT_EQ(backend->get("big"), big);

  try {
    backend->set("too-big", std::string(400 * 1024, 'x'));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::value_too_large);
    EXPECT_NE(std::string(e.what()).find("400 KB"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(backend->has("too-big"));
}

TEST_F(dynamodb_sync, expired_items_read_as_absent) {
  // DynamoDB deletes expired items up to two days late; write one whose ttl has passed.
  test::raw_dynamodb raw;
  const std::string ck = backend->namespace_name() + ":stale";
  const auto past =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
      10;
  raw.call("PutItem", dynamodb::put_item_request(shared_table, {ck, "old"s, past}));
  EXPECT_EQ(backend->get("stale"), std::nullopt);
  EXPECT_FALSE(backend->has("stale"));
  EXPECT_EQ(backend->get_many(std::vector<std::string>{"stale"})[0], std::nullopt);

  backend->set("short", "v", 1ms);
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(backend->get("short"), std::nullopt);
  backend->set("forever", "v", 0s);  // zero: never expires
  EXPECT_EQ(backend->get("forever"), "v");
}

TEST_F(dynamodb_sync, batches_of_250_keys) {
  std::vector<item> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 250; ++i) {
    items.emplace_back("key" + std::to_string(i), "value" + std::to_string(i));
    keys.push_back("key" + std::to_string(i));
  }
  items.emplace_back("key0", "last write wins");
  backend->set_many(items, 120s);
  keys.push_back("absent");
  keys.push_back("key7");  // repeated keys answer twice
  const auto values = backend->get_many(keys);
  ASSERT_EQ(values.size(), keys.size());
  EXPECT_EQ(values[0], "last write wins");
  for (int i = 1; i < 250; ++i) EXPECT_EQ(values[i], "value" + std::to_string(i)) << i;
  EXPECT_EQ(values[250], std::nullopt);
  EXPECT_EQ(values[251], "value7");
  backend->erase_many(keys);
  for (const auto& v : backend->get_many(keys)) EXPECT_EQ(v, std::nullopt);
  EXPECT_TRUE(backend->get_many(std::vector<std::string>{}).empty());
}

TEST_F(dynamodb_sync, clear_removes_only_this_namespace) {
  const std::string ns = backend->namespace_name();
  DynamoDBBackend other(local_options(shared_table, ns + "_other"));
  DynamoDBBackend nested_looking(local_options(shared_table, ns + "x"));
  other.set("keep", "1");
  nested_looking.set("keep", "2");
  std::vector<item> items;
  for (int i = 0; i < 3000; ++i) items.emplace_back("k" + std::to_string(i), std::string(100, 'v'));
  backend->set_many(items);
  EXPECT_EQ(backend->get("k2999"), std::string(100, 'v'));
  backend->clear();
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back("k" + std::to_string(i));
  for (const auto& v : backend->get_many(keys)) ASSERT_EQ(v, std::nullopt);
  EXPECT_EQ(other.get("keep"), "1");
  EXPECT_EQ(nested_looking.get("keep"), "2");
  other.clear();
  nested_looking.clear();
}

TEST_F(dynamodb_sync, default_expire_applies_when_set_gives_none) {
  auto o = local_options(shared_table, unique_name("default_expire"));
  o.default_expire = 1s;
  DynamoDBBackend b(o);
  b.set("k", "v");
  b.set("kept", "v", 0s);
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(b.get("k"), std::nullopt);
  EXPECT_EQ(b.get("kept"), "v");
}

TEST_F(dynamodb_sync, closed_backend_fails_cleanly) {
  backend->set("k", "v");
  backend->close();
  backend->close();
  try {
    backend->get("k");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::closed);
  }
}

}  // namespace
}  // namespace fast_cache
