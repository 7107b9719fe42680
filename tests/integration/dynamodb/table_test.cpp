// Table checks and creation at construction.
#include "dynamodb/protocol.hpp"
#include "integration/dynamodb/fixture.hpp"

#include <boost/json/parse.hpp>

namespace fast_cache {
namespace {

using test::local_options;
using test::unique_name;

void delete_table(test::raw_dynamodb& raw, const std::string& table) {
  raw.call("DeleteTable", dynamodb::table_request(table));
}

TEST(dynamodb_table, creates_a_fresh_table_with_ttl_then_reuses_it) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  test::raw_dynamodb raw;
  const std::string table = unique_name("fresh");
  {
    DynamoDBBackend b(local_options(table, "ns"));
    b.set("k", "v");
  }
  const auto desc = dynamodb::parse_describe_table(raw.call("DescribeTable", dynamodb::table_request(table)));
  EXPECT_EQ(desc.status, "ACTIVE");
  EXPECT_FALSE(dynamodb::key_schema_mismatch(desc));
  const auto billing = boost::json::parse(raw.call("DescribeTable", dynamodb::table_request(table)));
  EXPECT_EQ(billing.at("Table").at("BillingModeSummary").at("BillingMode").as_string(), "PAY_PER_REQUEST");
  const auto ttl = dynamodb::parse_describe_ttl(raw.call("DescribeTimeToLive", dynamodb::table_request(table)));
  EXPECT_EQ(ttl.status, "ENABLED");
  EXPECT_EQ(ttl.attribute, "ttl");
  {
    DynamoDBBackend again(local_options(table, "ns"));  // existing table, TTL already on
    EXPECT_EQ(again.get("k"), "v");
    auto no_create = local_options(table, "ns");
    no_create.create_table = false;
    DynamoDBBackend existing(no_create);
    EXPECT_EQ(existing.get("k"), "v");
  }
  delete_table(raw, table);
}

// The seed's local set-up passes no credentials; DynamoDB Local must accept the placeholders.
TEST(dynamodb_table, local_endpoint_works_without_credentials) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"}) {
    ::unsetenv(name);
  }
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  DynamoDBOptions o = local_options(test::shared_table, unique_name("nocreds"));
  o.aws_access_key_id.reset();
  o.aws_secret_access_key.reset();
  DynamoDBBackend b(o);
  b.set("k", "v");
  EXPECT_EQ(b.get("k"), "v");
  b.clear();
}

TEST(dynamodb_table, missing_table_without_create_table_is_a_clear_error) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  auto o = local_options(unique_name("missing"), "ns");
  o.create_table = false;
  try {
    DynamoDBBackend b(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
    const std::string what = e.what();
    EXPECT_NE(what.find(o.table_name), std::string::npos) << what;
    EXPECT_NE(what.find("does not exist"), std::string::npos) << what;
  }
}

TEST(dynamodb_table, table_with_another_key_schema_is_refused_by_name) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  test::raw_dynamodb raw;
  const std::string table = unique_name("wrong_schema");
  raw.call("CreateTable", R"({"TableName":")" + table + R"(","BillingMode":"PAY_PER_REQUEST",
      "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
      "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})");
  try {
    DynamoDBBackend b(local_options(table, "ns"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
    const std::string what = e.what();
    EXPECT_NE(what.find("pk HASH (S), sk RANGE (N)"), std::string::npos) << what;
    EXPECT_NE(what.find("cache_key HASH (S)"), std::string::npos) << what;
  }
  delete_table(raw, table);
}

TEST(dynamodb_table, vanished_table_is_recreated_on_use) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  test::raw_dynamodb raw;
  const std::string table = unique_name("vanish");
  DynamoDBBackend b(local_options(table, "ns"));
  b.set("k", "v");
  delete_table(raw, table);
  // The call that finds the table gone fails at once; the table is made again in the background.
  try {
    b.get("k");
    FAIL() << "a read from a deleted table succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::unavailable) << e.what();
  }
  ASSERT_TRUE(test::set_succeeds_within(b, "k", "again"));
  EXPECT_EQ(b.get("k"), "again");
  delete_table(raw, table);
}

}  // namespace
}  // namespace fast_cache
