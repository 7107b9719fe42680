#include "dynamodb/crypto.hpp"

#include <gtest/gtest.h>

namespace fast_cache::dynamodb {
namespace {

TEST(crypto, sha256_of_empty_input) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(crypto, hmac_rfc4231_case_2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(crypto, base64_round_trips_every_byte_value_and_length) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::string in = all.substr(0, n);
    const auto out = base64_decode(base64_encode(in));
    ASSERT_TRUE(out) << n;
    EXPECT_EQ(*out, in) << n;
  }
  EXPECT_EQ(base64_encode("hello world"), "aGVsbG8gd29ybGQ=");
  EXPECT_EQ(base64_encode(""), "");
}

TEST(crypto, base64_rejects_malformed_text) {
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!="));
  EXPECT_FALSE(base64_decode(" YQ=="));
  // Text no encoder writes: unused bits set, '=' before the end, three '='.
  EXPECT_FALSE(base64_decode("YR=="));
  EXPECT_FALSE(base64_decode("YWJ="));
  EXPECT_FALSE(base64_decode("Y=Jj"));
  EXPECT_FALSE(base64_decode("YW=j"));
  EXPECT_FALSE(base64_decode("Y==="));
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_EQ(base64_decode("YWI="), "ab");
}

TEST(crypto, crc32_matches_reference_vectors) {
  EXPECT_EQ(crc32("{}"), 2745614147u);
  EXPECT_EQ(
      crc32(
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})"),
      3737639027u);
  EXPECT_EQ(crc32(R"({"Item":{"pk":{"S":"user#42"},"val":{"B":"aGVsbG8gd29ybGQ="}}})"), 2377510298u);
}

}  // namespace
}  // namespace fast_cache::dynamodb
