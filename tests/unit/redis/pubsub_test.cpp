// Pub/sub's pure parts: the invalidation channel's name, telling pushed messages from replies,
// the resubscription pauses, and GET + PTTL read as a value with its time left.
#include "redis/pubsub.hpp"
#include "redis/reply.hpp"
#include "unit/redis/replies.hpp"

#include <gtest/gtest.h>

namespace fast_cache::redis {
namespace {

using namespace std::chrono_literals;

using test::array;
using test::bulk;
using test::integer;

TEST(pubsub, the_channel_names_database_and_namespace) {
  EXPECT_EQ(invalidation_channel(0, "cache"), "fast_cache:invalidate:0:cache");
  EXPECT_NE(invalidation_channel(1, "cache"), invalidation_channel(0, "cache"));
}

TEST(pubsub, messages_are_told_from_replies) {
  const reply message = array({bulk("message"), bulk("ch"), bulk(std::string("pay\0load", 8))});
  EXPECT_TRUE(is_pushed_message(message));
  EXPECT_EQ(message_payload(message, "ch"), std::string("pay\0load", 8));
  EXPECT_EQ(message_payload(message, "other"), std::nullopt);
  const reply subscribed = array({bulk("subscribe"), bulk("ch"), integer(1)});
  EXPECT_FALSE(is_pushed_message(subscribed));
  EXPECT_TRUE(confirms_subscription(subscribed, "ch"));
  EXPECT_FALSE(confirms_subscription(subscribed, "other"));
  const reply pong = array({bulk("pong"), bulk("")});
  EXPECT_FALSE(is_pushed_message(pong));
  EXPECT_FALSE(confirms_subscription(pong, "ch"));
}

TEST(pubsub, resubscription_pauses_double_up_to_a_limit) {
  EXPECT_EQ(resubscribe_delay(0, 100ms, 5s), 100ms);
  EXPECT_EQ(resubscribe_delay(1, 100ms, 5s), 200ms);
  EXPECT_EQ(resubscribe_delay(5, 100ms, 5s), 3200ms);
  EXPECT_EQ(resubscribe_delay(6, 100ms, 5s), 5s);
  EXPECT_EQ(resubscribe_delay(1000, 100ms, 5s), 5s);
}

TEST(pubsub, get_and_pttl_give_the_time_left) {
  const reply nil{};
  EXPECT_EQ(value_with_pttl(nil, integer(-2)), value_with_ttl{});
  EXPECT_EQ(value_with_pttl(bulk("v"), integer(-1)), (value_with_ttl{"v", time_left{.what = time_left::kind::never}}));
  EXPECT_EQ(value_with_pttl(bulk("v"), integer(1500)),
            (value_with_ttl{"v", time_left{.what = time_left::kind::known, .left = 1500ms}}));
  EXPECT_EQ(value_with_pttl(bulk("v"), integer(-2)), value_with_ttl{}) << "gone between GET and PTTL";
}

}  // namespace
}  // namespace fast_cache::redis
