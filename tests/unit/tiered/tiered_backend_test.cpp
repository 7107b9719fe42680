// TieredBackend's L1 policy over an in-memory L2, on a clock the tests move: hits, the staleness
// bound, L2's expiry, writes through, failed writes, conditional writes, lock keys, invalidations
// and a lost subscription.
#include "unit/memory/expect_error.hpp"
#include "unit/tiered/fakes.hpp"

#include <fast_cache/tiered_backend.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;

class tiered : public ::testing::Test {
 protected:
  test::manual_clock clock;
  std::shared_ptr<InMemoryBackend> l2 = std::make_shared<InMemoryBackend>(
      InMemoryOptions{.namespace_ = "ns", .max_bytes = 1000, .shards = 1, .clock = clock.function()});

  std::unique_ptr<TieredBackend> tier_over(std::shared_ptr<Backend> store,
                                           std::shared_ptr<invalidation_bus> bus = nullptr) {
    return std::make_unique<TieredBackend>(TieredOptions{
        .l2 = std::move(store), .l1 = {.clock = clock.function()}, .max_staleness = 2s, .invalidations = bus});
  }
};

TEST_F(tiered, a_second_read_is_an_l1_hit) {
  auto tier = tier_over(l2);
  l2->set("k", "v");
  EXPECT_EQ(tier->get("k"), "v");
  l2->erase("k");  // behind the tier's back: L1 still serves it
  EXPECT_EQ(tier->get("k"), "v");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
  EXPECT_EQ(tier->stats().l1_misses, 1u);
  EXPECT_EQ(tier->namespace_name(), "ns");
}

TEST_F(tiered, try_get_now_answers_l1_hits_only) {
  auto tier = tier_over(l2);
  l2->set("k", "v");
  std::optional<std::string> out;
  EXPECT_FALSE(tier->try_get_now("k", out)) << "not in L1 yet: the read goes on to L2";
  EXPECT_EQ(tier->stats().l1_misses, 0u) << "the read that goes to L2 counts the miss";
  EXPECT_EQ(tier->get("k"), "v");
  EXPECT_TRUE(tier->try_get_now("k", out));
  EXPECT_EQ(out, "v");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
  EXPECT_FALSE(tier->try_get_now("", out)) << "refused: the async read says why";
}

TEST_F(tiered, an_unknown_lifetime_is_kept_for_max_staleness) {
  auto tier = tier_over(l2);
  l2->set("k", "old");
  EXPECT_EQ(tier->get("k"), "old");
  l2->set("k", "new");  // another process's write, with no invalidation to tell of it
  clock.advance(2s - 5ms);
  EXPECT_EQ(tier->get("k"), "old");
  clock.advance(5ms);
  EXPECT_EQ(tier->get("k"), "new");
}

TEST_F(tiered, l1_never_outlives_the_l2_entry) {
  auto store = std::make_shared<test::ttl_memory_backend>(clock);
  auto tier = tier_over(store);
  store->set("k", "v", 500ms);
  EXPECT_EQ(tier->get("k"), "v");
  clock.advance(400ms);
  EXPECT_EQ(tier->get("k"), "v");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
  clock.advance(100ms);
  EXPECT_EQ(tier->get("k"), std::nullopt);
  store->set("forever", "v", 0s);  // never expires in L2: kept for max_staleness
  EXPECT_EQ(tier->get("forever"), "v");
  store->set("forever", "w", 0s);
  clock.advance(2s);
  EXPECT_EQ(tier->get("forever"), "w");
}

TEST_F(tiered, writes_go_through_and_keep_the_value_when_it_has_an_expiry) {
  auto tier = tier_over(l2);
  tier->set("k", "v", 10s);
  EXPECT_EQ(l2->get("k"), "v");
  EXPECT_EQ(tier->get("k"), "v");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
  tier->set("default", "v");  // L2's default lifetime is not known here: L1 keeps nothing
  EXPECT_EQ(tier->get("default"), "v");
  EXPECT_EQ(tier->stats().l1_misses, 1u);
  tier->erase("k");
  EXPECT_EQ(l2->get("k"), std::nullopt);
  EXPECT_EQ(tier->get("k"), std::nullopt);
}

TEST_F(tiered, a_failed_l2_write_leaves_l1_without_the_key) {
  auto tier = tier_over(l2);
  l2->set("k", "old");
  EXPECT_EQ(tier->get("k"), "old");
  test::expect_error([&] { tier->set("k", std::string(2000, 'x'), 10s); }, errc::value_too_large, "");
  EXPECT_EQ(tier->get("k"), "old") << "L2 kept the old value, and L1 holds nothing newer";
  EXPECT_EQ(tier->stats().l1_misses, 2u) << "the failed write dropped the key from L1";
}

TEST_F(tiered, clear_empties_both) {
  auto tier = tier_over(l2);
  tier->set("a", "1", 10s);
  tier->clear();
  EXPECT_EQ(l2->get("a"), std::nullopt);
  EXPECT_EQ(tier->get("a"), std::nullopt);
}

TEST_F(tiered, conditional_writes_are_l2s_and_keep_l1_coherent) {
  auto tier = tier_over(l2);
  EXPECT_TRUE(tier->supports_conditional_writes());
  l2->set("k", "held");
  EXPECT_EQ(tier->get("k"), "held");
  EXPECT_FALSE(tier->set_if_absent("k", "mine", 10s));
  EXPECT_EQ(tier->get("k"), "held");
  EXPECT_TRUE(tier->erase_if_equal("k", "held"));
  EXPECT_EQ(tier->get("k"), std::nullopt);
  EXPECT_TRUE(tier->set_if_absent("k", "mine", 10s));
  l2->erase("k");
  EXPECT_EQ(tier->get("k"), "mine") << "a stored set_if_absent is kept in L1 like a set";
}

TEST_F(tiered, lock_keys_bypass_l1) {
  auto tier = tier_over(l2);
  EXPECT_TRUE(tier->set_if_absent("%lock:report", "token", 10s));
  EXPECT_EQ(tier->get("%lock:report"), "token");
  l2->erase("%lock:report");
  EXPECT_EQ(tier->get("%lock:report"), std::nullopt);
  EXPECT_EQ(tier->stats().l1_hits + tier->stats().l1_misses, 0u);
}

TEST_F(tiered, batches_answer_from_both_levels) {
  auto tier = tier_over(l2);
  const std::vector<item> items = {{"a", "1"}, {"b", "2"}};
  tier->set_many(items, 10s);
  l2->set("c", "3");
  const std::vector<std::string> keys = {"a", "c", "missing", "b"};
  EXPECT_EQ(tier->get_many(keys), (std::vector<std::optional<std::string>>{"1", "3", std::nullopt, "2"}));
  EXPECT_EQ(tier->stats().l1_hits, 2u);
  const std::vector<std::string> gone = {"a", "b"};
  tier->erase_many(gone);
  EXPECT_EQ(tier->get_many(keys),
            (std::vector<std::optional<std::string>>{std::nullopt, "3", std::nullopt, std::nullopt}));
}

TEST_F(tiered, async_reads_fill_l1_and_complete_on_the_callers_executor) {
  auto tier = tier_over(l2);
  l2->set("k", "v");
  EXPECT_EQ(tier->async_get("k", boost::asio::use_future).get(), "v");
  EXPECT_EQ(tier->async_get("k", boost::asio::use_future).get(), "v");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
  tier->async_set("k", "w", 10s, boost::asio::use_future).get();
  EXPECT_EQ(tier->async_get("k", boost::asio::use_future).get(), "w");
  EXPECT_EQ(tier->stats().l1_hits, 2u);
}

TEST_F(tiered, other_tiers_writes_invalidate_l1) {
  auto hub = std::make_shared<test::local_hub>();
  auto reader = tier_over(l2, std::make_shared<test::local_hub::bus>(hub));
  auto writer = tier_over(l2, std::make_shared<test::local_hub::bus>(hub));
  writer->set("k", "old", 1h);
  EXPECT_EQ(reader->get("k"), "old");
  EXPECT_EQ(reader->get("k"), "old");
  EXPECT_EQ(reader->stats().l1_hits, 1u);
  writer->set("k", "new", 1h);
  EXPECT_EQ(reader->get("k"), "new");
  EXPECT_GE(reader->stats().invalidations_received, 1u);
  EXPECT_EQ(writer->stats().invalidations_received, 0u) << "a tier ignores its own messages";
  EXPECT_EQ(reader->get("k"), "new");
  writer->clear();
  EXPECT_EQ(reader->get("k"), std::nullopt);
}

TEST_F(tiered, a_lost_subscription_empties_and_bypasses_l1_until_it_is_back) {
  auto hub = std::make_shared<test::local_hub>();
  auto tier = tier_over(l2, std::make_shared<test::local_hub::bus>(hub));
  l2->set("k", "old");
  EXPECT_EQ(tier->get("k"), "old");
  hub->set_subscribed(false);
  l2->set("k", "new");  // a message about it would be lost now
  EXPECT_EQ(tier->get("k"), "new");
  EXPECT_EQ(tier->get("k"), "new");
  EXPECT_EQ(tier->stats().l1_hits, 0u) << "nothing is served from L1 while unsubscribed";
  hub->set_subscribed(true);
  EXPECT_EQ(tier->get("k"), "new");
  EXPECT_EQ(tier->get("k"), "new");
  EXPECT_EQ(tier->stats().l1_hits, 1u);
}

TEST_F(tiered, a_garbled_message_drops_everything) {
  auto hub = std::make_shared<test::local_hub>();
  auto tier = tier_over(l2, std::make_shared<test::local_hub::bus>(hub));
  l2->set("k", "old");
  EXPECT_EQ(tier->get("k"), "old");
  l2->set("k", "new");
  test::local_hub::bus(hub).publish("not a message of ours");
  EXPECT_EQ(tier->get("k"), "new");
}

TEST_F(tiered, invalid_options_are_clear_errors) {
  test::expect_error([] { TieredBackend t(TieredOptions{}); }, errc::invalid_argument, "l2 is required");
  auto tier = std::shared_ptr<Backend>(tier_over(l2));
  test::expect_error([&] { TieredBackend t({.l2 = tier}); }, errc::invalid_argument, "another TieredBackend");
  test::expect_error([&] { TieredBackend t({.l2 = l2, .max_staleness = 0ms}); }, errc::invalid_argument,
                     "max_staleness");
  test::expect_error([&] { TieredBackend t({.l2 = l2, .l1 = {.shards = 0}}); }, errc::invalid_argument, "shards");
}

TEST_F(tiered, close_closes_both_levels) {
  auto tier = tier_over(l2);
  tier->set("k", "v", 10s);
  tier->close();
  tier->close();
  test::expect_error([&] { (void)tier->get("k"); }, errc::closed, "closed");
  test::expect_error([&] { (void)l2->get("k"); }, errc::closed, "closed");
}

}  // namespace
}  // namespace fast_cache
