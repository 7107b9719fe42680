// parse_endpoint, endpoint::host_header and http_response::header.
#include "net/http_client.hpp"  // first: the header is self-contained

#include <fast_cache/error.hpp>

#include <gtest/gtest.h>

namespace fast_cache::net {
namespace {

TEST(ParseEndpoint, AcceptsHttpWithPort) {
  const auto ep = parse_endpoint("http://localhost:8000");
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.host, "localhost");
  EXPECT_EQ(ep.port, 8000);
  EXPECT_EQ(ep.host_header(), "localhost:8000");
}

TEST(ParseEndpoint, AcceptsHttpsWithDefaultPortAndTrailingSlash) {
  const auto ep = parse_endpoint("https://dynamodb.us-east-1.amazonaws.com/");
  EXPECT_TRUE(ep.tls);
  EXPECT_EQ(ep.host, "dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(ep.port, 443);
  EXPECT_EQ(ep.host_header(), "dynamodb.us-east-1.amazonaws.com");
}

TEST(ParseEndpoint, SchemeIsCaseInsensitiveAndDefaultPortIsLeftOutOfHost) {
  const auto ep = parse_endpoint("HTTP://example.com:80");
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.port, 80);
  EXPECT_EQ(ep.host_header(), "example.com");
  EXPECT_EQ(parse_endpoint("https://example.com:8443").host_header(), "example.com:8443");
}

TEST(ParseEndpoint, AcceptsIpv6Literal) {
  const auto ep = parse_endpoint("http://[::1]:8000");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 8000);
  EXPECT_EQ(ep.host_header(), "[::1]:8000");
}

TEST(ParseEndpoint, RejectsBadUrls) {
  for (const char* url :
       {"", "localhost:8000", "ftp://host", "http://", "http://:80", "http://host:", "http://host:0",
        "http://host:65536", "http://host:80a", "http://host:-1", "http://host/path", "http://host/?x=1",
        "http://host?x=1", "http://host#frag", "http://[::1", "http://[::1]x", "http://ho st"}) {
    try {
      parse_endpoint(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << url;
      EXPECT_NE(std::string(e.what()).find("endpoint URL"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseEndpoint, NoErrorRepeatsUserinfoOrQuery) {
  // Whatever else is wrong with the URL, a password or token in it is not quoted.
  for (const char* url : {"http://AKIDEXAMPLE:s3cr3t@localhost:8000", "ftp://user:s3cr3t@host", "user:s3cr3t@host:8000",
                          "http://user:s3cr3t@", "https://host/?token=s3cr3t", "http://host:99999/?sig=s3cr3t",
                          "gopher://h?s3cr3t", "http://a:b@c:s3cr3t@host"}) {
    try {
      parse_endpoint(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument);
      EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
    }
  }
}

TEST(HttpResponse, HeaderLookupIsCaseInsensitiveAndTakesTheFirst) {
  http_response res;
  res.add_header("Content-Type", "application/x-amz-json-1.0");
  res.add_header("x-amz-crc32", "1");
  res.add_header("X-Amz-Crc32", "2");
  EXPECT_EQ(res.header("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(res.header("X-AMZ-CRC32"), "1");
  EXPECT_FALSE(res.header("x-amzn-requestid"));
}

}  // namespace
}  // namespace fast_cache::net
