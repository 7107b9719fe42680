#include <fast_cache/codec.hpp>

#include <gtest/gtest.h>
#include <boost/describe/class.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

struct profile {
  std::string name;
  int value = 0;
  bool operator==(const profile&) const = default;
};
BOOST_DESCRIBE_STRUCT(profile, (), (name, value))

template <class T>
T round_trip(const T& value) {
  return fast_cache::decode<T>(fast_cache::encode(value));
}

TEST(Codec, StringIsStoredRaw) {
  const std::string value("a\0b\xff", 4);
  EXPECT_EQ(fast_cache::encode(value), value);
  EXPECT_EQ(round_trip(value), value);
}

TEST(Codec, ByteVectorsKeepAll256ByteValues) {
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<std::uint8_t>(i));
  EXPECT_EQ(fast_cache::encode(bytes).size(), 256u);
  EXPECT_EQ(round_trip(bytes), bytes);
  const std::vector<std::byte> raw{std::byte{0}, std::byte{0xff}};
  EXPECT_EQ(round_trip(raw), raw);
}

TEST(Codec, NumbersAreDecimalText) {
  EXPECT_EQ(fast_cache::encode(42), "42");
  EXPECT_EQ(fast_cache::encode(-7LL), "-7");
  EXPECT_EQ(fast_cache::encode(0.1), "0.1");
  EXPECT_EQ(fast_cache::encode(true), "true");
  EXPECT_EQ(round_trip(std::numeric_limits<std::int64_t>::min()), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip(3.141592653589793), 3.141592653589793);
  EXPECT_EQ(round_trip(false), false);
}

TEST(Codec, JsonValueRoundTrips) {
  const boost::json::value value = {{"foo", "bar"}, {"n", 1}, {"list", {1, 2, 3}}};
  EXPECT_EQ(fast_cache::encode(value), R"({"foo":"bar","n":1,"list":[1,2,3]})");
  EXPECT_EQ(round_trip(value), value);
}

TEST(Codec, DescribedStructIsJson) {
  const profile value{"ada", 36};
  EXPECT_EQ(fast_cache::encode(value), R"({"name":"ada","value":36})");
  EXPECT_EQ(round_trip(value), value);
}

TEST(Codec, VectorsOfNonBytesAreJson) {
  const std::vector<int> value{1, 2, 3};
  EXPECT_EQ(fast_cache::encode(value), "[1,2,3]");
  EXPECT_EQ(round_trip(value), value);
}

void expect_decode_failed(auto decode_call, const std::string& fragment) {
  try {
    decode_call();
    FAIL() << "decode did not throw";
  } catch (const fast_cache::Error& e) {
    EXPECT_EQ(e.code(), fast_cache::errc::decode_failed);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Codec, UndecodableValuesAreClearErrors) {
  expect_decode_failed([] { (void)fast_cache::decode<int>("12abc"); }, "not a decimal number");
  expect_decode_failed([] { (void)fast_cache::decode<int>(""); }, "not a decimal number");
  expect_decode_failed([] { (void)fast_cache::decode<std::uint8_t>("300"); }, "out of range");
  expect_decode_failed([] { (void)fast_cache::decode<bool>("yes"); }, "bool");
  expect_decode_failed([] { (void)fast_cache::decode<boost::json::value>("{not json"); }, "JSON");
  expect_decode_failed([] { (void)fast_cache::decode<profile>(R"({"name":1})"); }, "JSON-converted");
}

}  // namespace
