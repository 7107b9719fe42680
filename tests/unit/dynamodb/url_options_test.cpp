#include <fast_cache/dynamodb_backend.hpp>

#include <gtest/gtest.h>

namespace fast_cache {
namespace {

TEST(url_options, parses_every_parameter) {
  const auto o = dynamodb_options_from_url(
      "dynamodb://my_table?region=eu-west-1&endpoint=http%3A%2F%2Flocalhost%3A8000&namespace=ns%20x"
      "&create_table=false&consistent_read=true&max_connections=8&max_attempts=2&connect_timeout_ms=100"
      "&request_timeout_ms=200&default_expire=60&verify_tls=false&ca_file=%2Fetc%2Fca.pem");
  EXPECT_EQ(o.table_name, "my_table");
  EXPECT_EQ(o.region_name, "eu-west-1");
  EXPECT_EQ(o.endpoint_url, "http://localhost:8000");
  EXPECT_EQ(o.namespace_, "ns x");
  EXPECT_FALSE(o.create_table);
  EXPECT_TRUE(o.consistent_read);
  EXPECT_EQ(o.max_connections, 8u);
  EXPECT_EQ(o.max_attempts, 2);
  EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(o.request_timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(o.default_expire, std::chrono::seconds(60));
  EXPECT_FALSE(o.verify_tls);
  EXPECT_EQ(o.ca_file, "/etc/ca.pem");
}

TEST(url_options, defaults_match_the_seed) {
  const auto o = dynamodb_options_from_url("dynamodb://t1x");
  EXPECT_EQ(o.table_name, "t1x");
  EXPECT_EQ(o.namespace_, "cache");
  EXPECT_TRUE(o.create_table);
  EXPECT_FALSE(o.region_name);
  EXPECT_FALSE(o.endpoint_url);
}

TEST(url_options, rejects_bad_urls) {
  for (const char* bad :
       {"redis://t", "dynamodb://", "dynamodb://?region=x", "dynamodb://t?bogus=1", "dynamodb://t?create_table=maybe",
        "dynamodb://t?max_connections=0", "dynamodb://t?aws_secret_access_key=x", "dynamodb://t?region=%zz",
        "dynamodb://t?max_attempts=-1", "dynamodb://t?region=a&region=b"}) {
    try {
      dynamodb_options_from_url(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << bad;
    }
  }
}

TEST(url_options, accepts_an_unencoded_endpoint) {
  EXPECT_EQ(dynamodb_options_from_url("dynamodb://t1x?endpoint=http://127.0.0.1:8000").endpoint_url,
            "http://127.0.0.1:8000");
}

TEST(url_options, never_echoes_the_query) {
  try {
    dynamodb_options_from_url("dynamodb://t1x?aws_secret_access_key=s3cr3tvalue&bogus=1");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cr3tvalue"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("aws_secret_access_key"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fast_cache
