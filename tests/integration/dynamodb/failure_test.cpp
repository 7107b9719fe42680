// Dead and restarting servers, and errors that must not leak credentials.
#include "integration/dynamodb/fixture.hpp"
#include "integration/dynamodb/local_server.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

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
  // The restarted server is empty (in memory): the table is made again on first use.
  EXPECT_EQ(b.get("k"), std::nullopt);
  b.set("k", "v2");
  EXPECT_EQ(b.get("k"), "v2");
}

// A server answering every request with an InvalidSignatureException that quotes the request
// headers back, as AWS does with the canonical request.
class echoing_server {
 public:
  echoing_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~echoing_server() {
    ioc_.stop();
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  void serve() {
    boost::system::error_code ec;
    for (;;) {
      asio::ip::tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec) return;
      for (;;) {
        asio::streambuf buf;
        const std::size_t n = asio::read_until(s, buf, "\r\n\r\n", ec);
        if (ec) break;
        std::string head(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
        std::size_t length = 0;
        for (std::string_view h : {"Content-Length: ", "content-length: "})
          if (auto p = head.find(h); p != std::string::npos) length = std::stoul(head.substr(p + h.size()));
        if (buf.size() - n < length) asio::read(s, buf, asio::transfer_exactly(length - (buf.size() - n)), ec);
        std::string quoted;
        for (char c : head) quoted += c == '"' ? '\'' : (c == '\r' || c == '\n') ? ' ' : c;
        const std::string body = R"({"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The canonical string should have been: )" + quoted + R"("})";
        const std::string response = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n"
                                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        asio::write(s, asio::buffer(response), ec);
        if (ec) break;
      }
    }
  }
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(dynamodb_failure, errors_never_contain_secrets) {
  echoing_server server;
  auto o = local_options("some_table", "ns", server.endpoint());
  o.aws_access_key_id = "AKIDPUBLICPART";
  o.aws_secret_access_key = "SECRET-wJalrXUtnFEMI-K7MDENG";
  o.aws_session_token = "TOKEN-FwoGZXIvYXdzEJr-session";
  try {
    DynamoDBBackend b(o);
    FAIL();
  } catch (const DynamoDBError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), errc::auth);
    EXPECT_EQ(e.error_type(), "InvalidSignatureException");
    EXPECT_EQ(e.http_status(), 400u);
    std::string lower = what;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(lower.find("x-amz-security-token"), std::string::npos) << "the server echoes the headers: " << what;
    for (const std::string& secret : {*o.aws_secret_access_key, *o.aws_session_token}) {
      EXPECT_EQ(what.find(secret), std::string::npos) << what;
      EXPECT_EQ(e.server_message().find(secret), std::string::npos);
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
