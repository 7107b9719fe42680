// Redis Cluster's pure parts: slots, redirects, the slot table, cluster URLs.
#include "redis/cluster.hpp"
#include "unit/redis/replies.hpp"

#include <fast_cache/error.hpp>
#include <fast_cache/redis_backend.hpp>

#include <gtest/gtest.h>

namespace fast_cache::redis {
namespace {

TEST(RedisCluster, KeySlotsAreCrc16WithHashTags) {
  EXPECT_EQ(key_slot("123456789"), 0x31C3 % slot_count);  // CRC16/XMODEM's check value
  EXPECT_EQ(key_slot(""), 0);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  // Only the first {...} counts, and only when not empty.
  EXPECT_EQ(key_slot("foo{}{bar}"), key_slot(std::string_view("foo{}{bar}")));
  EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  for (const char* k : {"a", "cache:x", "\xff\x00"}) EXPECT_LT(key_slot(k), slot_count);
}

TEST(RedisCluster, Redirects) {
  const auto moved = parse_redirect(reply{reply::kind::error, "MOVED 3999 127.0.0.1:6381"});
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to, (node_address{"127.0.0.1", 6381}));
  const auto ask = parse_redirect(reply{reply::kind::error, "ASK 1 [::1]:7000"});
  ASSERT_TRUE(ask);
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->to, (node_address{"::1", 7000}));
  for (const char* bad :
       {"MOVED", "MOVED x 1.2.3.4:5", "MOVED 16384 h:1", "MOVED 1 h", "MOVED 1 h:0", "ERR MOVED 1 h:1"})
    EXPECT_FALSE(parse_redirect(reply{reply::kind::error, bad})) << bad;
  EXPECT_FALSE(parse_redirect(reply{reply::kind::status, "MOVED 1 h:1"})) << "only error replies redirect";
}

using test::array;
using test::bulk;
using test::integer;

TEST(RedisCluster, SlotTable) {
  const reply table = array({
      array({integer(0), integer(5460), array({bulk("127.0.0.1"), integer(7000), bulk("id")}),
             array({bulk("127.0.0.1"), integer(7003)})}),
      array({integer(5461), integer(16383), array({bulk(""), integer(7001)})}),
  });
  const auto ranges = parse_cluster_slots(table, {"10.0.0.9", 7001});
  ASSERT_EQ(ranges.size(), 2U);
  EXPECT_EQ(ranges[0].first, 0);
  EXPECT_EQ(ranges[0].last, 5460);
  EXPECT_EQ(ranges[0].master, (node_address{"127.0.0.1", 7000}));
  EXPECT_EQ(ranges[1].master, (node_address{"10.0.0.9", 7001})) << "an empty host is the node asked";
  for (const reply& bad : {bulk("x"), array({array({integer(0)})}),
                           array({array({integer(5), integer(1), array({bulk("h"), integer(1)})})}),
                           array({array({integer(0), integer(16384), array({bulk("h"), integer(1)})})}),
                           array({array({integer(0), integer(1), array({bulk("h"), integer(70000)})})})}) {
    EXPECT_THROW((void)parse_cluster_slots(bad, {"h", 1}), Error);
  }
}

TEST(RedisCluster, Urls) {
  const RedisOptions o =
      redis_options_from_url("redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001/?namespace=ns&tls=true");
  EXPECT_EQ(o.cluster_nodes, (std::vector<std::string>{"10.0.0.1:7000", "10.0.0.2:7001"}));
  EXPECT_EQ(o.username, "u");
  EXPECT_EQ(o.password, "p@ss");
  EXPECT_EQ(o.namespace_, "ns");
  EXPECT_TRUE(o.tls);
  for (const char* bad : {"redis+cluster://", "redis+cluster://h", "redis+cluster://h:1,", "redis+cluster://h:1?db=2",
                          "redis+cluster://u:secret1@h:1,x?x=1", "redis+cluster://u:secret1%zz@h:1"}) {
    try {
      (void)redis_options_from_url(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << bad;
      EXPECT_EQ(std::string(e.what()).find("secret1"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fast_cache::redis
