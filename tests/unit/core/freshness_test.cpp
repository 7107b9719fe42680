// The pure parts of the policies beyond a TTL: freshness verdicts, the backend's expiry, the
// stored value layout and tag version matching.
#include <fast_cache/detail/freshness.hpp>
#include <fast_cache/detail/stored_value.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/error.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace {

using namespace std::chrono_literals;
using fast_cache::detail::freshness;
using fast_cache::detail::freshness_policy;
using fast_cache::detail::judge_freshness;

TEST(Freshness, WindowsFollowOneAnother) {
  const freshness_policy p{.stale_while_revalidate = 10s, .stale_if_error = 60s};
  EXPECT_EQ(judge_freshness(999, 1000, 0, p, 0.5), freshness::fresh);
  EXPECT_EQ(judge_freshness(1000, 1000, 0, p, 0.5), freshness::stale_revalidate);
  EXPECT_EQ(judge_freshness(10'999, 1000, 0, p, 0.5), freshness::stale_revalidate);
  EXPECT_EQ(judge_freshness(11'000, 1000, 0, p, 0.5), freshness::stale_if_error);
  EXPECT_EQ(judge_freshness(60'999, 1000, 0, p, 0.5), freshness::stale_if_error);
  EXPECT_EQ(judge_freshness(61'000, 1000, 0, p, 0.5), freshness::expired);
}

TEST(Freshness, NoWindowsMeansExpiredAtOnce) {
  EXPECT_EQ(judge_freshness(1000, 1000, 0, {}, 0.5), freshness::expired);
  EXPECT_EQ(judge_freshness(5, 0, 0, {}, 0.5), freshness::fresh) << "0 = never stale";
}

TEST(Freshness, XFetchRefreshesAheadByComputeTimesBetaTimesMinusLogOfTheDraw) {
  const freshness_policy p{.early_refresh_beta = 2};
  // 100 ms of computation, beta 2, draw e^-1: refreshes from 200 ms before expiry.
  const double draw = std::exp(-1.0);
  EXPECT_EQ(judge_freshness(10'000 - 201, 10'000, 100, p, draw), freshness::fresh);
  EXPECT_EQ(judge_freshness(10'000 - 199, 10'000, 100, p, draw), freshness::refresh_early);
  // A draw of 1 never refreshes early; smaller draws reach further ahead.
  EXPECT_EQ(judge_freshness(9'999, 10'000, 100, p, 1.0), freshness::fresh);
  EXPECT_EQ(judge_freshness(5'000, 10'000, 100, p, 1e-12), freshness::refresh_early);
  // Off, or a value that took no time, never.
  EXPECT_EQ(judge_freshness(9'999, 10'000, 100, {}, 1e-12), freshness::fresh);
  EXPECT_EQ(judge_freshness(9'999, 10'000, 0, p, 1e-12), freshness::fresh);
}

TEST(Freshness, XFetchChanceGrowsAsExpiryNears) {
  const freshness_policy p{.early_refresh_beta = 1};
  auto share = [&](std::int64_t now) {
    int refreshed = 0;
    for (int i = 1; i <= 1000; ++i) {
      refreshed += judge_freshness(now, 10'000, 1000, p, i / 1000.0) == freshness::refresh_early;
    }
    return refreshed;
  };
  EXPECT_LT(share(5'000), share(9'000));
  EXPECT_LT(share(9'000), share(9'900));
  EXPECT_GT(share(9'900), 900);
}

TEST(Freshness, DrawsAreInTheUnitIntervalWithoutZero) {
  for (int i = 0; i < 10'000; ++i) {
    const double u = fast_cache::detail::unit_draw();
    ASSERT_GT(u, 0.0);
    ASSERT_LE(u, 1.0);
  }
}

TEST(Freshness, BackendKeepsValuesThroughTheLongerWindow) {
  using fast_cache::detail::backend_expiry;
  const freshness_policy p{.stale_while_revalidate = 10s, .stale_if_error = 60s};
  EXPECT_EQ(backend_expiry(30s, p), fast_cache::expiry(90s));
  EXPECT_EQ(backend_expiry(std::nullopt, p), std::nullopt) << "the backend's default";
  EXPECT_EQ(backend_expiry(0s, p), fast_cache::expiry(0s)) << "never";
  EXPECT_EQ(backend_expiry(30s, {}), fast_cache::expiry(30s));
}

TEST(StoredValue, RoundTrips) {
  fast_cache::detail::stored_value v;
  v.stored_at_ms = 1'700'000'000'000;
  v.fresh_until_ms = v.stored_at_ms + 5000;
  v.compute_ms = 42;
  v.tag_versions = {"a", "bb"};
  v.value = std::string("bytes\0with nul", 14);
  const auto decoded = fast_cache::detail::decode_stored_value(fast_cache::detail::encode_stored_value(v));
  ASSERT_TRUE(decoded.value) << decoded.problem;
  EXPECT_FALSE(decoded.value->none);
  EXPECT_EQ(decoded.value->stored_at_ms, v.stored_at_ms);
  EXPECT_EQ(decoded.value->fresh_until_ms, v.fresh_until_ms);
  EXPECT_EQ(decoded.value->compute_ms, 42u);
  EXPECT_EQ(decoded.value->tag_versions, v.tag_versions);
  EXPECT_EQ(decoded.value->value, v.value);
}

TEST(StoredValue, NoneRoundTrips) {
  fast_cache::detail::stored_value v;
  v.none = true;
  const auto decoded = fast_cache::detail::decode_stored_value(fast_cache::detail::encode_stored_value(v));
  ASSERT_TRUE(decoded.value);
  EXPECT_TRUE(decoded.value->none);
}

TEST(StoredValue, RefusesWhatIsNotOne) {
  using fast_cache::detail::decode_stored_value;
  EXPECT_FALSE(decode_stored_value("").value);
  EXPECT_FALSE(decode_stored_value("42").value) << "a plain codec value";
  EXPECT_FALSE(decode_stored_value("FCV1").value) << "truncated";
  fast_cache::detail::stored_value v;
  v.tag_versions = {"x"};
  std::string bytes = fast_cache::detail::encode_stored_value(v);
  EXPECT_FALSE(decode_stored_value(bytes.substr(0, bytes.size() - 1)).value) << "tag cut short";
  v.stored_at_ms = 100;
  v.fresh_until_ms = 50;
  EXPECT_FALSE(decode_stored_value(fast_cache::detail::encode_stored_value(v)).value) << "stale before stored";
  v.fresh_until_ms = 0;
  v.none = true;
  v.value = "x";
  EXPECT_FALSE(decode_stored_value(fast_cache::detail::encode_stored_value(v)).value) << "a none with a value";
  bytes = fast_cache::detail::encode_stored_value({});
  bytes[4] = '\x02';
  EXPECT_FALSE(decode_stored_value(bytes).value) << "unknown flag";
}

TEST(TagVersions, MatchOnlyWhenAllPresentAndEqual) {
  using fast_cache::detail::tags_match;
  EXPECT_TRUE(tags_match({}, {}));
  EXPECT_TRUE(tags_match({"1", "2"}, {"1", "2"}));
  EXPECT_FALSE(tags_match({"1", "2"}, {"1", "3"})) << "invalidated";
  EXPECT_FALSE(tags_match({"1", "2"}, {"1", std::nullopt})) << "vanished (evicted): never valid again";
  EXPECT_FALSE(tags_match({"1"}, {"1", "2"})) << "a tag more";
}

TEST(TagVersions, KeysHaveTheirOwnSpaceAndRefuseEmptyTags) {
  EXPECT_EQ(fast_cache::detail::tag_key("user:42"), "%tag:user%3A42");
  EXPECT_THROW((void)fast_cache::detail::tag_key(""), fast_cache::Error);
}

TEST(TagVersions, OnlyMissingVersionsAreCreated) {
  const auto created = fast_cache::detail::versions_to_create({"%tag:a", "%tag:b", "%tag:c"}, {"1", std::nullopt, "3"});
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].index, 1u);
  EXPECT_EQ(created[0].key, "%tag:b");
  EXPECT_EQ(created[0].version.size(), 32u);
}

}  // namespace
