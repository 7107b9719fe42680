// Dead and restarting servers, and errors that must not leak credentials.
#include "integration/dynamodb/fixture.hpp"
#include "integration/dynamodb/local_server.hpp"

#include "integration/dynamodb/scripted_server.hpp"

#include <algorithm>

namespace fast_cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::local_options;
using test::unique_name;

TEST(dynamodb_failure, dead_endpoint_is_a_clear_error_within_the_timeout) {
  auto o = local_options("fast_cache_it", "ns", "http://127.0.0.1:" + std::to_string(test::free_port()));
  o.connect_timeout = 500ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    DynamoDBBackend b(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find(*o.endpoint_url), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(dynamodb_failure, server_killed_and_restarted_then_recovers_by_itself) {
  if (test::dynamodb_local_dir().empty()) GTEST_SKIP() << "DynamoDB Local is not installed in tools/node_modules";
  test::local_server server(test::free_port());
  ASSERT_TRUE(server.start()) << "DynamoDB Local did not start";
  auto o = local_options(unique_name("restart"), "ns", server.endpoint());
  o.connect_timeout = 500ms;
  o.request_timeout = 2000ms;
  DynamoDBBackend b(o);
  b.set("k", "v");
  EXPECT_EQ(b.get("k"), "v");

  server.kill();
  try {
    b.get("k");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::unavailable) << e.what();
  }
  EXPECT_THROW(b.set("k", "v"), Error);

  ASSERT_TRUE(server.start()) << "DynamoDB Local did not restart";
  // The restarted server is empty (in memory): the table is made again after first use.
  ASSERT_TRUE(test::set_succeeds_within(b, "k", "v2"));
  EXPECT_EQ(b.get("k"), "v2");
}

// Every request is answered with an InvalidSignatureException quoting the request headers back,
// as AWS does with the canonical request.
test::scripted_response echo_headers(const std::string& head, const std::string&) {
  std::string quoted;
  for (char c : head) quoted += c == '"' ? '\'' : (c == '\r' || c == '\n') ? ' ' : c;
  return {400, R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The canonical string )"
               R"(should have been: )" +
                   quoted + R"("})"};
}

TEST(dynamodb_failure, errors_never_contain_secrets) {
  test::scripted_server server(echo_headers);
  auto o = local_options("some_table", "ns", server.endpoint());
  o.aws_access_key_id = "AKIDPUBLICPART";
  o.aws_secret_access_key = "SECRET-wJalrXUtnFEMI-K7MDENG";
  o.aws_session_token = "TOKEN-FwoGZXIvYXdzEJr-session";
  try {
    DynamoDBBackend b(o);
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), errc::rejected);
    EXPECT_EQ(e.diag().server_code, "InvalidSignatureException");
    EXPECT_EQ(e.diag().http_status, 400u);
    std::string lower = what;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(lower.find("x-amz-security-token"), std::string::npos) << "the server echoes the headers: " << what;
    for (const std::string& secret : {*o.aws_secret_access_key, *o.aws_session_token}) {
      EXPECT_EQ(what.find(secret), std::string::npos) << what;
      EXPECT_EQ(e.diag().server_message.find(secret), std::string::npos);
    }
  }

  // A transport failure names the endpoint, and nothing else of the configuration.
  auto dead = o;
  dead.endpoint_url = "http://127.0.0.1:" + std::to_string(test::free_port());
  dead.max_attempts = 1;
  try {
    DynamoDBBackend b(dead);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("TOKEN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fast_cache
