#include "dynamodb/layout.hpp"
#include "dynamodb/crypto.hpp"

#include <fast_cache/error.hpp>

#include <gtest/gtest.h>

namespace fast_cache::dynamodb {
namespace {

using namespace std::chrono;
using namespace std::string_literals;

TEST(layout, short_utf8_keys_are_stored_as_namespace_colon_key) {
  EXPECT_EQ(cache_key("cache", "k"), "cache:k");
  EXPECT_EQ(cache_key("ns", "a:b/c d"), "ns:a:b/c d");
  EXPECT_EQ(cache_key("ns", "caf\xc3\xa9"), "ns:caf\xc3\xa9");
  EXPECT_EQ(cache_key("ns", "nul\0inside"s), "ns:nul\0inside"s);  // U+0000 is valid UTF-8
}

TEST(layout, namespaced_keys_over_1024_bytes_are_hashed) {
  const std::string fits(1024 - 3, 'x');  // "ns:" + 1021 = 1024 bytes
  EXPECT_EQ(cache_key("ns", fits), "ns:" + fits);
  const std::string over(1022, 'x');
  EXPECT_EQ(cache_key("ns", over), "ns:hash:" + sha256_hex(over));
}

TEST(layout, non_utf8_keys_are_hashed) {
  const std::string bad = "\xff\xfe";
  EXPECT_EQ(cache_key("ns", bad), "ns:hash:" + sha256_hex(bad));
  EXPECT_EQ(cache_key("ns", "\xed\xa0\x80"), "ns:hash:" + sha256_hex("\xed\xa0\x80"));  // a surrogate
}

TEST(layout, a_user_key_cannot_produce_the_hashed_form) {
  // Plain, "ns:hash:<hex>" would be the item of the long key whose digest is <hex>.
  const std::string over(2000, 'k');
  const std::string forged = "hash:" + sha256_hex(over);
  EXPECT_NE(cache_key("ns", forged), cache_key("ns", over));
  EXPECT_EQ(cache_key("ns", forged), "ns:hash:" + sha256_hex(forged));
  EXPECT_EQ(cache_key("ns", "hashes:x"), "ns:hashes:x");  // only the exact prefix is reserved
}

TEST(layout, utf8_validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(layout, item_size_counts_names_and_values) {
  EXPECT_EQ(item_size("ns:k", 10, false), 9u + 4 + 5 + 10);
  EXPECT_EQ(item_size("ns:k", 10, true), 9u + 4 + 5 + 10 + 3 + 21);
}

TEST(layout, item_size_check) {
  const std::string key = "ns:k";
  const std::size_t fits = max_item_bytes - item_size(key, 0, true);
  EXPECT_NO_THROW(check_item_size(key, fits, true));
  EXPECT_NO_THROW(check_item_size(key, fits + 1, false));  // no ttl: a little more room
  try {
    check_item_size(key, fits + 1, true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::value_too_large);
    EXPECT_NE(std::string(e.what()).find("400 KB"), std::string::npos) << e.what();
  }
}

TEST(layout, first_live_ttl_is_the_next_whole_second) {
  EXPECT_EQ(first_live_ttl(system_clock::time_point(seconds(1'000'000))), 1'000'001);
  EXPECT_EQ(first_live_ttl(system_clock::time_point(milliseconds(1'000'000'999))), 1'000'001);
}

TEST(layout, ttl_rounds_up_and_liveness_is_checked_on_read) {
  const system_clock::time_point now(milliseconds(1'000'000'500));
  EXPECT_EQ(ttl_epoch_seconds(now, seconds(10)), 1'000'011);
  EXPECT_EQ(ttl_epoch_seconds(now, milliseconds(1)), 1'000'001);
  stored_item item{"v", 1'000'001};
  EXPECT_TRUE(item.live_at(now));
  EXPECT_FALSE(item.live_at(system_clock::time_point(seconds(1'000'001))));
  EXPECT_TRUE((stored_item{"v", std::nullopt}.live_at(now)));
}

TEST(layout, time_left_runs_until_the_ttl_second_begins) {
  const system_clock::time_point now(milliseconds(1'000'000'500));
  EXPECT_EQ((stored_item{"v", 1'000'001}.remaining_at(now)),
            (time_left{.what = time_left::kind::known, .left = milliseconds(500)}));
  EXPECT_EQ((stored_item{"v", std::nullopt}.remaining_at(now)), time_left{.what = time_left::kind::never});
}

}  // namespace
}  // namespace fast_cache::dynamodb
