// TieredBackend over DynamoDB, which sends no invalidations: another client's write is seen
// within max_staleness, and L1 answers until then.
#include "integration/dynamodb/fixture.hpp"
#include "support/wait_for.hpp"

#include <fast_cache/dynamodb_backend.hpp>
#include <fast_cache/tiered_backend.hpp>

#include <gtest/gtest.h>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(tiered_dynamodb, another_client_s_write_is_seen_within_max_staleness) {
  if (test::dynamodb_endpoint().empty()) GTEST_SKIP() << "DynamoDB Local is not running (scripts/services)";
  const std::string ns = test::unique_name("tier");
  DynamoDBOptions options = test::local_options(test::shared_table, ns);
  options.read_budget = 3s;  // DynamoDB Local's cold JVM
  options.write_budget = 3s;
  auto other = std::make_shared<DynamoDBBackend>(options);
  TieredBackend tier({.l2 = std::make_shared<DynamoDBBackend>(options), .max_staleness = 1500ms});

  other->set("k", "old", 1h);
  EXPECT_EQ(tier.get("k"), "old");
  const auto read_at = clock_type::now();
  other->set("k", "new", 1h);
  EXPECT_EQ(tier.get("k"), "old") << "L1 answers within max_staleness";
  EXPECT_EQ(tier.stats().l1_hits, 1u);
  ASSERT_TRUE(testing::wait_for([&] { return tier.get("k") == "new"; }, 10s));
  const auto seen_after = clock_type::now() - read_at;
  EXPECT_LE(seen_after, 1500ms + 500ms) << "max_staleness, and a read of DynamoDB";

  // L2's expiry bounds L1 too: an entry with 1 s to live is not served after it.
  other->set("short", "v", 1s);
  EXPECT_EQ(tier.get("short"), "v");
  ASSERT_TRUE(testing::wait_for([&] { return !other->get("short"); }, 5s));
  EXPECT_EQ(tier.get("short"), std::nullopt);
  tier.clear();
}

}  // namespace
}  // namespace fast_cache
