// Retries, CRC32 checks and batch leftovers against scripted answers DynamoDB Local never gives.
#include "dynamodb/crypto.hpp"
#include "integration/dynamodb/fixture.hpp"
#include "integration/dynamodb/scripted_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <mutex>
#include <sstream>

namespace fast_cache {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

DynamoDBOptions scripted_options(const test::scripted_server& server) {
  auto o = test::local_options("scripted_table", "ns", server.endpoint());
  o.create_table = false;
  o.retry_base = 1ms;
  o.retry_throttling_base = 5ms;
  return o;
}

// Answers DescribeTable itself and hands every other operation to `data`, counting calls.
struct script {
  std::function<test::scripted_response(int call, const std::string& op, const json::value& body)> data;
  std::mutex mutex;
  int calls = 0;
  test::scripted_response operator()(const std::string& head, const std::string& body) {
    const std::string op = test::operation_of(head);
    if (op == "DescribeTable") return test::active_cache_table();
    std::lock_guard lock(mutex);
    return data(++calls, op, json::parse(body));
  }
};

std::string crc_header(const std::string& body) {
  return "x-amz-crc32: " + std::to_string(dynamodb::crc32(body)) + "\r\n";
}

TEST(dynamodb_retry, server_errors_and_crc_mismatches_are_retried) {
  const std::string item = R"({"Item":{"cache_key":{"S":"ns:k"},"value":{"B":"dg=="}}})";
  script s{[&](int call, const std::string&, const json::value&) -> test::scripted_response {
    if (call == 1) return {500, R"({"__type":"InternalServerError","message":"boom"})"};
    if (call == 2) return {200, item, "x-amz-crc32: 12345\r\n"};
    return {200, item, crc_header(item)};
  }};
  test::scripted_server server(std::ref(s));
  DynamoDBBackend b(scripted_options(server));
  EXPECT_EQ(b.get("k"), "v");
  EXPECT_EQ(s.calls, 3);
}

TEST(dynamodb_retry, throttling_gives_up_after_max_attempts) {
  script s{[](int, const std::string&, const json::value&) -> test::scripted_response {
    return {400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"})"};
  }};
  test::scripted_server server(std::ref(s));
  auto o = scripted_options(server);
  o.max_attempts = 3;
  DynamoDBBackend b(o);
  try {
    b.set("k", "v");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::throttled);
    EXPECT_EQ(e.diag().server_code, "ThrottlingException");
    EXPECT_EQ(e.diag().server_message, "slow down");
    EXPECT_NE(std::string(e.what()).find("PutItem"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.calls, 3);
}

TEST(dynamodb_retry, client_errors_and_garbage_are_not_retried) {
  script s{[](int call, const std::string&, const json::value&) -> test::scripted_response {
    if (call == 1) return {400, R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})"};
    return {200, "this is not JSON"};
  }};
  test::scripted_server server(std::ref(s));
  DynamoDBBackend b(scripted_options(server));
  try {
    b.get("k");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::rejected);
  }
  EXPECT_EQ(s.calls, 1);
  try {
    b.get("k");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::protocol);
  }
  EXPECT_EQ(s.calls, 2);
}

TEST(dynamodb_retry, unprocessed_keys_and_items_are_resent) {
  script s{[](int, const std::string& op, const json::value& body) -> test::scripted_response {
    if (op == "BatchGetItem") {
      // Answer the first key of each request; hand the rest back as UnprocessedKeys.
      const json::array& keys = body.at("RequestItems").at("scripted_table").at("Keys").as_array();
      json::array items{json::object{{"cache_key", keys[0].at("cache_key")}, {"value", {{"B", "dg=="}}}}};
      json::object out{{"Responses", {{"scripted_table", items}}}};
      if (keys.size() > 1)
        out["UnprocessedKeys"] = {{"scripted_table", {{"Keys", json::array(keys.begin() + 1, keys.end())}}}};
      return {200, json::serialize(out)};
    }
    // BatchWriteItem: leave the last request unprocessed while there are several.
    const json::array& requests = body.at("RequestItems").at("scripted_table").as_array();
    json::object out{{"UnprocessedItems", json::object{}}};
    if (requests.size() > 1) out["UnprocessedItems"] = {{"scripted_table", json::array{requests.back()}}};
    return {200, json::serialize(out)};
  }};
  test::scripted_server server(std::ref(s));
  DynamoDBBackend b(scripted_options(server));
  const std::vector<std::string> keys = {"a", "b", "c", "d"};
  const auto values = b.get_many(keys);
  for (const auto& v : values) EXPECT_EQ(v, "v");
  EXPECT_EQ(s.calls, 4);
  std::vector<item> items = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  b.set_many(items);
  EXPECT_EQ(s.calls, 6);
}

TEST(dynamodb_retry, batch_leftovers_without_progress_end_in_throttled) {
  script s{[](int, const std::string&, const json::value& body) -> test::scripted_response {
    return {200, json::serialize(json::object{{"UnprocessedItems", body.at("RequestItems")}})};
  }};
  test::scripted_server server(std::ref(s));
  auto o = scripted_options(server);
  o.max_attempts = 3;
  DynamoDBBackend b(o);
  try {
    b.erase_many(std::vector<std::string>{"a", "b"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::throttled);
  }
  EXPECT_EQ(s.calls, 3);
}

namespace clock_skew {

// A server whose clock is an hour ahead of ours: it refuses signatures more than 5 minutes off
// its own time, as AWS does, and says its time in Date.
const auto server_offset = 1h;

std::string http_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The signing time of a request, from its X-Amz-Date header (yyyymmddThhmmssZ).
std::chrono::system_clock::time_point signed_at(const std::string& head) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto at = lower.find("x-amz-date:");
  std::tm tm{};
  std::istringstream(head.substr(at + 11, 18)) >> std::get_time(&tm, " %Y%m%dT%H%M%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct skewed_server {
  std::mutex mutex;
  int refused = 0;
  test::scripted_response operator()(const std::string& head, const std::string&) {
    const auto server_now = std::chrono::system_clock::now() + server_offset;
    if (std::chrono::abs(signed_at(head) - server_now) > 5min) {
      std::lock_guard lock(mutex);
      ++refused;
      return {400, R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired"})",
              "Date: " + http_date(server_now) + "\r\n"};
    }
    if (test::operation_of(head) == "DescribeTable") return test::active_cache_table();
    return {200, "{}"};
  }
};

TEST(dynamodb_retry, clock_skew_is_corrected_from_the_server_date) {
  skewed_server skewed;
  test::scripted_server server(std::ref(skewed));
  DynamoDBBackend b(scripted_options(server));  // the table check learns the offset
  EXPECT_EQ(b.get("k"), std::nullopt);          // a thread lane learns it too, on its first call
  EXPECT_EQ(b.get("k"), std::nullopt);          // and keeps it
  EXPECT_EQ(skewed.refused, 2) << "one refusal per client, then signed with the server's time";
}

TEST(dynamodb_retry, wrong_credentials_without_skew_are_not_retried) {
  int calls = 0;
  test::scripted_server server([&](const std::string&, const std::string&) -> test::scripted_response {
    ++calls;
    return {400, R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":"bad signature"})",
            "Date: " + http_date(std::chrono::system_clock::now()) + "\r\n"};
  });
  try {
    DynamoDBBackend b(scripted_options(server));
    FAIL() << "a refused signature was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::rejected);
  }
  EXPECT_EQ(calls, 1);
}

}  // namespace clock_skew

}  // namespace
}  // namespace fast_cache
