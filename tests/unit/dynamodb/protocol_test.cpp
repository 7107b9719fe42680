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
}

TEST(protocol, put_item_request_encodes_value_as_base64_and_ttl_as_number_string) {
  EXPECT_EQ(json::parse(put_item_request("t", {"ns:k", std::string("hello world"), 1700000000})),
            json::parse(R"({"TableName":"t","Item":{"cache_key":{"S":"ns:k"},"value":{"B":"aGVsbG8gd29ybGQ="},
                            "ttl":{"N":"1700000000"}}})"));
  EXPECT_EQ(json::parse(put_item_request("t", {"ns:k", std::string(), std::nullopt})),
            json::parse(R"({"TableName":"t","Item":{"cache_key":{"S":"ns:k"},"value":{"B":""}}})"));
}

TEST(protocol, strings_with_nul_survive_json) {
  const std::string key("ns:a\0b", 6);
  const auto body = get_item_request("t", key, false);
  EXPECT_EQ(json::parse(body).at("Key").at("cache_key").at("S").as_string(), json::string_view(key));
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
