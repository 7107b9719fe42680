// Replies from bytes (hiredis's reader), commands to bytes (its formatter), and the key layout.
#include "redis/commands.hpp"
#include "redis/reply.hpp"

#include <fast_cache/error.hpp>

#include <gtest/gtest.h>

namespace fast_cache::redis {
namespace {

std::vector<reply> read_all(std::string_view bytes, std::size_t chunk) {
  reply_reader reader;
  std::vector<reply> out;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    reader.feed(bytes.substr(at, chunk));
    while (auto r = reader.next()) out.push_back(std::move(*r));
  }
  return out;
}

TEST(RedisReplies, EveryTypeInAnyChunking) {
  constexpr char wire[] = "+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nab\0cd\r\n$-1\r\n*2\r\n$1\r\na\r\n*-1\r\n";
  const std::string bytes(wire, sizeof wire - 1);
  for (const std::size_t chunk : {std::size_t(1), std::size_t(3), bytes.size()}) {
    const std::vector<reply> r = read_all(bytes, chunk);
    ASSERT_EQ(r.size(), 6U) << chunk;
    EXPECT_EQ(r[0].type, reply::kind::status);
    EXPECT_EQ(r[0].text, "OK");
    EXPECT_TRUE(r[1].is_error());
    EXPECT_EQ(r[1].error_code(), "ERR");
    EXPECT_EQ(r[2].integer, 42);
    EXPECT_EQ(r[3].text, std::string("ab\0cd", 5)) << "binary-safe";
    EXPECT_TRUE(r[4].is_nil());
    ASSERT_EQ(r[5].elements.size(), 2U);
    EXPECT_EQ(r[5].elements[0].text, "a");
    EXPECT_TRUE(r[5].elements[1].is_nil());
  }
}

TEST(RedisReplies, GarbageIsAProtocolError) {
  for (const std::string_view garbage : {"HTTP/1.1 400 Bad Request\r\n", "!oops\r\n", "$abc\r\n"}) {
    reply_reader reader;
    reader.feed(garbage);
    try {
      (void)reader.next();
      ADD_FAILURE() << garbage;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::protocol) << garbage;
    }
  }
}

TEST(RedisReplies, ErrorRepliesAreClassified) {
  const auto code_of = [](std::string text) {
    reply r{reply::kind::error, std::move(text)};
    try {
      throw_if_error(r, "Redis at h:1");
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("Redis at h:1"), std::string::npos);
      return e.code();
    }
    return boost::system::error_code{};
  };
  EXPECT_EQ(code_of("LOADING Redis is loading the dataset in memory"), errc::unavailable);
  EXPECT_EQ(code_of("BUSY Redis is busy running a script"), errc::unavailable);
  EXPECT_EQ(code_of("CLUSTERDOWN The cluster is down"), errc::unavailable);
  EXPECT_EQ(code_of("TRYAGAIN Multiple keys request during rehashing of slot"), errc::unavailable);
  EXPECT_EQ(code_of("WRONGPASS invalid username-password pair"), errc::rejected);
  EXPECT_EQ(code_of("NOAUTH Authentication required."), errc::rejected);
  EXPECT_EQ(code_of("ERR DB index is out of range"), errc::rejected);
  EXPECT_EQ(code_of("OOM command not allowed when used memory > 'maxmemory'."), errc::rejected);
  EXPECT_NO_THROW(throw_if_error(reply{reply::kind::status, "OK"}, "x"));
}

TEST(RedisCommands, FormattedBinarySafe) {
  std::string out;
  append_command(out, {"SET", std::string_view("k\0y", 3), "v", "PX", "1500"});
  constexpr char wire[] = "*5\r\n$3\r\nSET\r\n$3\r\nk\0y\r\n$1\r\nv\r\n$2\r\nPX\r\n$4\r\n1500\r\n";
  EXPECT_EQ(out, std::string(wire, sizeof wire - 1));
  append_command(out, {"GET", ""});
  EXPECT_TRUE(out.ends_with("*2\r\n$3\r\nGET\r\n$0\r\n\r\n")) << "pipelined after the first";
}

TEST(RedisKeys, LayoutAndScanPattern) {
  EXPECT_EQ(namespaced_key("cache", "user:1"), "cache:user:1");
  EXPECT_EQ(namespace_pattern("cache"), "cache:*");
  // Glob characters in a namespace match only themselves: clearing "a*" never touches "ab".
  EXPECT_EQ(namespace_pattern("a*"), "a\\*:*");
  EXPECT_EQ(namespace_pattern("q?[x]\\"), "q\\?\\[x\\]\\\\:*");
}

}  // namespace
}  // namespace fast_cache::redis
