// The near caches' message format and what a receiver does with a message.
#include "tiered/invalidation_message.hpp"

#include <gtest/gtest.h>

namespace fast_cache::detail::tiered {
namespace {

TEST(invalidation_message, keys_of_any_bytes_round_trip) {
  const std::vector<std::string> keys = {"a", std::string("\0|:\xff", 4), "12:34", std::string(300, 'k')};
  const auto parsed = parse_message(keys_message("0123456789abcdef", keys));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->sender, "0123456789abcdef");
  EXPECT_FALSE(parsed->clear);
  EXPECT_EQ(parsed->keys, keys);
}

TEST(invalidation_message, clear_round_trips) {
  const auto parsed = parse_message(clear_message("me"));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->clear);
  EXPECT_EQ(parsed->sender, "me");
}

TEST(invalidation_message, malformed_messages_are_refused) {
  for (const std::string bad : {"", "fc1|", "fc1||c", "fc2|me|c", "fc1|me|x", "fc1|me|k|", "fc1|me|k|5:abc",
                                "fc1|me|k|3abc", "fc1|me|k|-1:a", "fc1|me|k|1:a2", "fc1|me|c|extra"}) {
    EXPECT_FALSE(parse_message(bad)) << bad;
  }
}

TEST(invalidation_message, a_receiver_ignores_its_own_and_drops_all_on_garbage) {
  EXPECT_EQ(react(parse_message(clear_message("me")), "me"), reaction::ignore);
  EXPECT_EQ(react(parse_message(clear_message("other")), "me"), reaction::drop_all);
  const std::vector<std::string> keys = {"k"};
  EXPECT_EQ(react(parse_message(keys_message("other", keys)), "me"), reaction::drop_keys);
  EXPECT_EQ(react(parse_message(keys_message("me", keys)), "me"), reaction::ignore);
  EXPECT_EQ(react(std::nullopt, "me"), reaction::drop_all);
}

TEST(invalidation_message, sender_ids_are_random_hex) {
  const std::string a = new_sender_id(), b = new_sender_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace fast_cache::detail::tiered
