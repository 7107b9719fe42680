// fast_cache and the AWS SDK for JavaScript v3 share items through the documented table layout.
#include "dynamodb/crypto.hpp"
#include "integration/dynamodb/fixture.hpp"

#include <boost/json/parse.hpp>

#include <cstdio>
#include <filesystem>

namespace fast_cache {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class dynamodb_interop : public ::testing::Test {
 protected:
  void SetUp() override {
    FAST_CACHE_REQUIRE_DYNAMODB();
    if (!std::filesystem::exists(tools / "node_modules" / "@aws-sdk" / "client-dynamodb"))
      GTEST_SKIP() << "@aws-sdk/client-dynamodb is not installed in " << tools << " (run npm ci there)";
    backend.emplace(test::local_options(test::shared_table, ns));
  }

  json::object node(const std::string& args) {
    const std::string script = std::string(FAST_CACHE_SOURCE_DIR) + "/tests/integration/dynamodb/interop.mjs";
    const std::string command = "node '" + script + "' '" + tools.string() + "' '" + test::dynamodb_endpoint() + "' " +
                                test::shared_table + " " + ns + " " + args;
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    EXPECT_EQ(::pclose(p), 0) << command;
    return json::parse(out).as_object();
  }

  const std::filesystem::path tools = std::filesystem::path(FAST_CACHE_SOURCE_DIR) / "tools";
  const std::string ns = test::unique_name("interop");
  std::optional<DynamoDBBackend> backend;
};

TEST_F(dynamodb_interop, javascript_reads_what_fast_cache_wrote) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  backend->set("from-cpp", value, 3600s);
  backend->set("forever", "x");
  const std::string long_key(2000, 'L');
  backend->set(long_key, "long");

  const auto item = node("read from-cpp");
  EXPECT_EQ(item.at("cache_key").as_string(), ns + ":from-cpp");
  EXPECT_EQ(item.at("value").as_string(), dynamodb::base64_encode(value));
  const auto ttl = item.at("ttl").to_number<std::int64_t>();
  EXPECT_GE(ttl, now + 3600);
  EXPECT_LE(ttl, now + 3602);
  EXPECT_TRUE(node("read forever").at("ttl").is_null());
  EXPECT_EQ(node("read " + long_key).at("value").as_string(), dynamodb::base64_encode("long"));
}

TEST_F(dynamodb_interop, fast_cache_reads_what_javascript_wrote) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string bytes("\x00\x01\xfe\xff js", 7);
  node("write from-js " + dynamodb::base64_encode(bytes) + " " + std::to_string(now + 600));
  node("write no-ttl " + dynamodb::base64_encode("plain") + " none");
  node("write expired " + dynamodb::base64_encode("old") + " " + std::to_string(now - 5));
  const std::string long_key(1500, 'J');
  node("write " + long_key + " " + dynamodb::base64_encode("hashed") + " none");

  EXPECT_EQ(backend->get("from-js"), bytes);
  EXPECT_EQ(backend->get("no-ttl"), "plain");
  EXPECT_EQ(backend->get("expired"), std::nullopt);  // past its ttl, not yet deleted
  EXPECT_EQ(backend->get(long_key), "hashed");
  backend->clear();
  EXPECT_TRUE(node("read from-js").empty());
}

}  // namespace
}  // namespace fast_cache
