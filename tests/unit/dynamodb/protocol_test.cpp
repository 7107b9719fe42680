#include "dynamodb/protocol.hpp"

#include <fast_cache/error.hpp>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace fast_cache::dynamodb {
namespace {

namespace json = boost::json;

TEST(protocol, get_item_request) {
  EXPECT_EQ(json::parse(get_item_request("t", "ns:k", false)),
            json::parse(R"({"TableName":"t","Key":{"cache_key":{"S":"ns:k"}}})"));
  EXPECT_EQ(json::parse(get_item_request("t", "ns:k", true)),
            json::parse(R"({"TableName":"t","Key":{"cache_key":{"S":"ns:k"}},"ConsistentRead":true})"));
  EXPECT_EQ(json::parse(get_item_request("t", "ns:k", false, true)),
            json::parse(R"({"TableName":"t","Key":{"cache_key":{"S":"ns:k"}},"ProjectionExpression":"#k, #t",
                            "ExpressionAttributeNames":{"#k":"cache_key","#t":"ttl"}})"));
}

TEST(protocol, put_item_request_encodes_value_as_base64_and_ttl_as_number_string) {
  EXPECT_EQ(json::parse(put_item_request("t", {"ns:k", std::string("hello world"), 1700000000})),
            json::parse(R"({"TableName":"t","Item":{"cache_key":{"S":"ns:k"},"value":{"B":"aGVsbG8gd29ybGQ="},
                            "ttl":{"N":"1700000000"}}})"));
  EXPECT_EQ(json::parse(put_item_request("t", {"ns:k", std::string(), std::nullopt})),
            json::parse(R"({"TableName":"t","Item":{"cache_key":{"S":"ns:k"},"value":{"B":""}}})"));
}

TEST(protocol, put_if_absent_request_is_put_item_with_a_liveness_condition) {
  using namespace std::chrono;
  const system_clock::time_point now(milliseconds(1'000'000'500));
  const write_op put{"ns:k", std::string("hello world"), 1'000'001};
  const json::value request = json::parse(put_if_absent_request("t", put, now));
  EXPECT_EQ(request, json::parse(R"({"TableName":"t",
      "Item":{"cache_key":{"S":"ns:k"},"value":{"B":"aGVsbG8gd29ybGQ="},"ttl":{"N":"1000001"}},
      "ConditionExpression":"attribute_not_exists(#k) OR #t < :now",
      "ExpressionAttributeNames":{"#k":"cache_key","#t":"ttl"},
      "ExpressionAttributeValues":{":now":{"N":"1000001"}}})"));
  // The item is put_item_request's, byte for byte: set and set_if_absent write the same layout.
  EXPECT_EQ(request.at("Item"), json::parse(put_item_request("t", put)).at("Item"));
  const write_op forever{"ns:k", std::string(), std::nullopt};
  EXPECT_FALSE(json::parse(put_if_absent_request("t", forever, now)).at("Item").as_object().contains("ttl"));
}

// What DynamoDB does with `ttl < :now`, for an item that has a ttl.
bool condition_takes_as_expired(std::int64_t ttl, std::chrono::system_clock::time_point now) {
  const json::value request = json::parse(put_if_absent_request("t", {"ns:k", std::string(), std::nullopt}, now));
  const std::int64_t bound =
      std::stoll(std::string(request.at("ExpressionAttributeValues").at(":now").at("N").as_string()));
  return ttl < bound;
}

TEST(protocol, put_if_absent_condition_agrees_with_reads_at_every_instant) {
  using namespace std::chrono;
  const system_clock::time_point start(milliseconds(1'700'000'000'250));
  // A 300 ms lease: its ttl is rounded up to a whole second, and from the first instant a read
  // misses it, the condition lets set_if_absent take the key; never before, never later.
  const std::int64_t lease_ttl = ttl_epoch_seconds(start, milliseconds(300));
  EXPECT_EQ(lease_ttl, 1'700'000'001);
  bool expired_seen = false;
  for (auto t = start; t < start + seconds(3); t += milliseconds(10)) {
    const bool read_misses = !stored_item{"v", lease_ttl}.live_at(t);
    EXPECT_EQ(condition_takes_as_expired(lease_ttl, t), read_misses) << t.time_since_epoch().count();
    if (read_misses && !expired_seen) {
      expired_seen = true;
      EXPECT_EQ(t, system_clock::time_point(seconds(lease_ttl)));  // no later than the rounded-up ttl
      EXPECT_LE(t - start, milliseconds(1300));
    }
  }
  EXPECT_TRUE(expired_seen);
  // At and around whole seconds, for ttls before, at and after now.
  for (std::int64_t now_ms : {999'999'999, 1'000'000'000, 1'000'000'001, 1'000'000'999}) {
    const system_clock::time_point now{milliseconds(now_ms)};
    for (std::int64_t ttl = 999'998; ttl <= 1'000'002; ++ttl)
      EXPECT_EQ(condition_takes_as_expired(ttl, now), !(stored_item{"v", ttl}.live_at(now))) << now_ms << " " << ttl;
  }
}

TEST(protocol, delete_if_equal_request_compares_the_value_as_put_encodes_it) {
  const std::string value("\x00\xff token", 8);
  const json::value request = json::parse(delete_if_equal_request("t", "ns:hash:abc", value));
  EXPECT_EQ(request, json::parse(R"({"TableName":"t","Key":{"cache_key":{"S":"ns:hash:abc"}},
      "ConditionExpression":"#v = :v","ExpressionAttributeNames":{"#v":"value"},
      "ExpressionAttributeValues":{":v":{"B":"AP8gdG9rZW4="}}})"));
  EXPECT_EQ(request.at("ExpressionAttributeValues").at(":v"),
            json::parse(put_item_request("t", {"ns:hash:abc", value, std::nullopt})).at("Item").at("value"));
  EXPECT_EQ(request.at("Key"), json::parse(delete_item_request("t", "ns:hash:abc")).at("Key"));
}

TEST(protocol, strings_with_nul_survive_json) {
  const std::string key("ns:a\0b", 6);
  const auto body = get_item_request("t", key, false);
  EXPECT_EQ(json::parse(body).at("Key").at("cache_key").at("S").as_string(), json::string_view(key));
}

// get_item_request and put_item_request write their JSON by hand: every byte a key may hold
// must come back out of a JSON parser as it went in.
TEST(protocol, keys_needing_escapes_survive_json) {
  std::string key = "ns:\"q\" \\ / \xc3\xa9 \xf0\x9f\x98\x80";
  for (int c = 0; c < 0x20; ++c) key.push_back(static_cast<char>(c));
  const auto get = json::parse(get_item_request("t\"\\", key, true, true));
  EXPECT_EQ(get.at("TableName").as_string(), "t\"\\");
  EXPECT_EQ(get.at("Key").at("cache_key").at("S").as_string(), json::string_view(key));
  const auto put = json::parse(put_item_request("t", {key, std::string("v"), -5}));
  EXPECT_EQ(put.at("Item").at("cache_key").at("S").as_string(), json::string_view(key));
  EXPECT_EQ(put.at("Item").at("ttl").at("N").as_string(), "-5");
}

TEST(protocol, parse_get_item) {
  EXPECT_FALSE(parse_get_item("{}"));
  const auto item = parse_get_item(R"({"Item":{"cache_key":{"S":"ns:k"},"value":{"B":"AP8="},"ttl":{"N":"17.5"}}})");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->value, std::string("\x00\xff", 2));
  EXPECT_EQ(item->ttl, 17);
  EXPECT_THROW(parse_get_item("not json"), Error);
  EXPECT_THROW(parse_get_item(R"({"Item":{"value":{"S":"x"}}})"), Error);
  EXPECT_THROW(parse_get_item(R"({"Item":{"value":{"B":"***"}}})"), Error);
}

TEST(protocol, batch_get_round_trip) {
  const std::vector<std::string> keys = {"ns:a", "ns:b"};
  EXPECT_EQ(json::parse(batch_get_request("t", keys, true)),
            json::parse(R"({"RequestItems":{"t":{"Keys":[{"cache_key":{"S":"ns:a"}},{"cache_key":{"S":"ns:b"}}],
                            "ConsistentRead":true}}})"));
  const auto r = parse_batch_get(R"({"Responses":{"t":[{"cache_key":{"S":"ns:b"},"value":{"B":"Yg=="}}]},
      "UnprocessedKeys":{"t":{"Keys":[{"cache_key":{"S":"ns:a"}}]}}})",
                                 "t");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].first, "ns:b");
  EXPECT_EQ(r.items[0].second.value, "b");
  EXPECT_EQ(r.unprocessed, std::vector<std::string>{"ns:a"});
  EXPECT_TRUE(parse_batch_get(R"({"Responses":{"t":[]},"UnprocessedKeys":{}})", "t").unprocessed.empty());
}

TEST(protocol, batch_write_round_trip_of_unprocessed_items) {
  const std::vector<write_op> ops = {{"ns:a", std::string("x"), 5}, {"ns:b", std::nullopt, std::nullopt}};
  const std::string body = batch_write_request("t", ops);
  EXPECT_EQ(json::parse(body), json::parse(R"({"RequestItems":{"t":[
                {"PutRequest":{"Item":{"cache_key":{"S":"ns:a"},"value":{"B":"eA=="},"ttl":{"N":"5"}}}},
                {"DeleteRequest":{"Key":{"cache_key":{"S":"ns:b"}}}}]}})"));
  // UnprocessedItems has the request's own shape, so a request body parses back as a response.
  const std::string as_response = R"({"UnprocessedItems":)" + body.substr(body.find(':') + 1);
  EXPECT_EQ(parse_batch_write(as_response, "t"), ops);
  EXPECT_TRUE(parse_batch_write(R"({"UnprocessedItems":{}})", "t").empty());
}

TEST(protocol, scan_request_and_pages) {
  EXPECT_EQ(json::parse(scan_request("t", "ns:", std::string("ns:z"))),
            json::parse(R"j({"TableName":"t","ProjectionExpression":"#k","FilterExpression":"begins_with(#k, :prefix)",
                "ExpressionAttributeNames":{"#k":"cache_key"},"ExpressionAttributeValues":{":prefix":{"S":"ns:"}},
                "ExclusiveStartKey":{"cache_key":{"S":"ns:z"}}})j"));
  const auto page = parse_scan(R"({"Items":[{"cache_key":{"S":"ns:a"}}],"Count":1,"ScannedCount":9,
                                   "LastEvaluatedKey":{"cache_key":{"S":"other:q"}}})");
  EXPECT_EQ(page.keys, std::vector<std::string>{"ns:a"});
  EXPECT_EQ(page.last_key, "other:q");
  const auto last = parse_scan(R"({"Items":[],"Count":0,"ScannedCount":0})");
  EXPECT_TRUE(last.keys.empty());
  EXPECT_FALSE(last.last_key);
}

TEST(protocol, table_management_requests) {
  EXPECT_EQ(json::parse(create_table_request("t")),
            json::parse(R"({"TableName":"t","AttributeDefinitions":[{"AttributeName":"cache_key","AttributeType":"S"}],
                "KeySchema":[{"AttributeName":"cache_key","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})"));
  EXPECT_EQ(json::parse(update_ttl_request("t")),
            json::parse(R"({"TableName":"t","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}})"));
  EXPECT_EQ(json::parse(table_request("t")), json::parse(R"({"TableName":"t"})"));
}

TEST(protocol, describe_table_and_key_schema_check) {
  const auto good = parse_describe_table(R"({"Table":{"TableStatus":"ACTIVE",
      "AttributeDefinitions":[{"AttributeName":"cache_key","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"cache_key","KeyType":"HASH"}]}})");
  EXPECT_EQ(good.status, "ACTIVE");
  EXPECT_FALSE(key_schema_mismatch(good));
  const auto bad = parse_describe_table(R"({"Table":{"TableStatus":"ACTIVE",
      "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
      "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}})");
  const auto why = key_schema_mismatch(bad);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("pk HASH (S), sk RANGE (N)"), std::string::npos) << *why;
  EXPECT_NE(why->find("cache_key HASH (S)"), std::string::npos) << *why;
  const auto wrong_type = parse_describe_table(R"({"Table":{"TableStatus":"ACTIVE",
      "AttributeDefinitions":[{"AttributeName":"cache_key","AttributeType":"B"}],
      "KeySchema":[{"AttributeName":"cache_key","KeyType":"HASH"}]}})");
  EXPECT_TRUE(key_schema_mismatch(wrong_type));
}

TEST(protocol, describe_ttl) {
  const auto d =
      parse_describe_ttl(R"({"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"ttl"}})");
  EXPECT_EQ(d.status, "ENABLED");
  EXPECT_EQ(d.attribute, "ttl");
  EXPECT_EQ(parse_describe_ttl(R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})").status, "DISABLED");
}

TEST(protocol, unique_chunks_dedupe_and_split) {
  std::vector<std::string> keys;
  for (int i = 0; i < 250; ++i) keys.push_back(std::to_string(i % 230));
  const auto chunks = unique_chunks(keys, 100);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), 100u);
  EXPECT_EQ(chunks[1].size(), 100u);
  EXPECT_EQ(chunks[2].size(), 30u);
  EXPECT_TRUE(unique_chunks({}, 25).empty());
}

}  // namespace
}  // namespace fast_cache::dynamodb
