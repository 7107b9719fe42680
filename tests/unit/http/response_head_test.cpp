// The app writes a response's head itself: byte for byte what Beast's serializer would write.
#include "http/beast/response_head.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include <gtest/gtest.h>

namespace {

namespace http = boost::beast::http;
using fast_cache::beast::response;
using fast_cache::beast::detail::response_head;

// Beast's head for res: everything its serializer writes before the body.
std::string beast_head(response& res) {
  http::response_serializer<http::string_body> serializer(res);
  serializer.split(true);
  std::string out;
  boost::system::error_code ec;
  while (!serializer.is_header_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      out += boost::beast::buffers_to_string(buffers);
      serializer.consume(boost::asio::buffer_size(buffers));
    });
    EXPECT_FALSE(ec);
  }
  return out;
}

response prepared(http::status status, unsigned version, std::string body) {
  response res(status, version);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

TEST(ResponseHead, MatchesBeastForAPreparedResponse) {
  response res = prepared(http::status::ok, 11, R"({"result":2})");
  res.set(http::field::content_type, "application/json");
  res.set("X-Cache", "HIT");
  res.set(http::field::cache_control, "max-age=60");
  res.set(http::field::etag, R"("f61968c06fbca505db6e73c5ce663015")");
  EXPECT_EQ(response_head(res), beast_head(res));
  EXPECT_TRUE(response_head(res).starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(response_head(res).ends_with("\r\n\r\n"));
}

TEST(ResponseHead, MatchesBeastForEveryVersionAndStatusShape) {
  for (const unsigned version : {10u, 11u, 20u}) {
    for (const auto status : {http::status::not_modified, http::status::not_found, http::status::unknown}) {
      response res = prepared(status, version, "");
      res.keep_alive(false);
      EXPECT_EQ(response_head(res), beast_head(res)) << version << " " << static_cast<unsigned>(status);
    }
  }
  response custom = prepared(static_cast<http::status>(599), 11, "x");
  EXPECT_EQ(response_head(custom), beast_head(custom));
  custom.reason("Custom Reason");
  EXPECT_EQ(response_head(custom), beast_head(custom));
}

TEST(ResponseHead, KeepsRepeatedFieldsInTheirOrder) {
  response res = prepared(http::status::ok, 11, "body");
  res.insert(http::field::set_cookie, "a=1");
  res.insert("X-Custom", "first");
  res.insert(http::field::set_cookie, "b=2");
  res.insert("X-Custom", "second");
  EXPECT_EQ(response_head(res), beast_head(res));
}

}  // namespace
