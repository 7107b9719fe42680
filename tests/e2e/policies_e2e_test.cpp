// The policies beyond a TTL through the demo, on each backend URL in FAST_CACHE_E2E_BACKENDS:
// tags invalidating a function's values and a route's entries with one call (within a server and
// across two), stale-while-revalidate, stale-if-error and negative caching. Waits poll for a
// state with wide deadlines; no latency is asserted.
#include "demo_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace e2e {
namespace {

using namespace std::chrono_literals;

json::value body_of(const response& r) { return json::parse(r.body()); }
std::int64_t computed(const response& r) { return body_of(r).at("computed").to_number<std::int64_t>(); }

class PoliciesE2E : public DemoE2E {};

TEST_P(PoliciesE2E, OneCallInvalidatesAFunctionsValueAndARoutesEntry) {
  const std::string id = std::to_string(fresh_int());
  const response card = client().get("/user/card?id=" + id);
  ASSERT_EQ(card.result_int(), 200U) << card.body();
  EXPECT_EQ(computed(client().get("/user/card?id=" + id)), computed(card)) << "the function's value is cached";
  const response page = client().get("/user?id=" + id);
  EXPECT_EQ(header(page, "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get("/user?id=" + id), "X-Cache"), "HIT");

  const response invalidated = client().post("/user/invalidate?id=" + id, "");
  ASSERT_EQ(invalidated.result_int(), 200U) << invalidated.body();
  EXPECT_EQ(body_of(invalidated).at("invalidated").as_string(), "user:" + id);

  EXPECT_GT(computed(client().get("/user/card?id=" + id)), computed(page)) << "computed again after the invalidation";
  const response page_after = client().get("/user?id=" + id);
  EXPECT_EQ(header(page_after, "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get("/user?id=" + id), "X-Cache"), "HIT");
}

TEST_P(PoliciesE2E, StaleWhileRevalidateServesTheExpiredResultAndRefreshesIt) {
  const std::string target = "/swr?x=" + std::to_string(fresh_int() % 1000);
  const response first = client().get(target);
  ASSERT_EQ(first.result_int(), 200U) << first.body();
  std::this_thread::sleep_for(1200ms);  // past the 1 s expiry, well within the 60 s window
  EXPECT_EQ(computed(client().get(target)), computed(first)) << "stale, served while the refresh runs";
  std::int64_t refreshed = computed(first);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (refreshed == computed(first) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    refreshed = computed(client().get(target));
  }
  EXPECT_GT(refreshed, computed(first)) << "the background refresh stored a new result";
}

TEST_P(PoliciesE2E, StaleIfErrorAnswersAFailingUpstreamWithTheExpiredResult) {
  const std::string symbol = "S" + std::to_string(fresh_int());
  const response fresh = client().get("/quote?symbol=" + symbol);
  ASSERT_EQ(fresh.result_int(), 200U) << fresh.body();
  std::this_thread::sleep_for(1200ms);  // expired
  const response stale = client().get("/quote?symbol=" + symbol + "&fail=true");
  ASSERT_EQ(stale.result_int(), 200U) << stale.body();
  EXPECT_EQ(computed(stale), computed(fresh));
  EXPECT_EQ(client().get("/quote?symbol=never" + symbol + "&fail=true").result_int(), 500U)
      << "nothing stale to fall back on: the failure goes through";
}

TEST_P(PoliciesE2E, AnUnknownEmailIsCachedAsNone) {
  const std::string email = "nobody" + std::to_string(fresh_int()) + "@example.com";
  const response first = client().get("/lookup?email=" + email);
  ASSERT_EQ(first.result_int(), 200U) << first.body();
  EXPECT_TRUE(body_of(first).at("user_id").is_null());
  const response second = client().get("/lookup?email=" + email);
  EXPECT_TRUE(body_of(second).at("user_id").is_null());
  EXPECT_EQ(body_of(second).at("lookups"), body_of(first).at("lookups")) << "the none was a hit";
  EXPECT_EQ(body_of(client().get("/lookup?email=ada@example.com")).at("user_id"), 42);
}

TEST_P(PoliciesE2E, StatsCountAMissThenAHit) {
  const std::string path = "/expensive?x=" + std::to_string(fresh_int());
  const auto before = body_of(client().get("/stats"));
  ASSERT_EQ(header(client().get(path), "X-Cache"), "MISS");
  // This process serves its own background store at once, before the backend has it.
  ASSERT_EQ(header(client().get(path), "X-Cache"), "HIT");
  const auto after = body_of(client().get("/stats"));
  EXPECT_GE(after.at("misses").as_int64() - before.at("misses").as_int64(), 1);
  EXPECT_GE(after.at("hits").as_int64() - before.at("hits").as_int64(), 1);
  EXPECT_EQ(after.at("undecodable"), before.at("undecodable"));
}

INSTANTIATE_TEST_SUITE_P(Backends, PoliciesE2E, ::testing::ValuesIn(backend_urls()), backend_name);

// Two demo servers on one backend: an invalidation sent to one reaches the other's entries.
class TagsAcrossServersE2E : public ::testing::TestWithParam<std::string> {};

TEST_P(TagsAcrossServersE2E, AnInvalidationOnOneServerMissesTheOthersEntries) {
  if (GetParam().starts_with("memory:")) GTEST_SKIP() << "memory:// is each process's own store";
  const std::string url = with_namespace(GetParam(), test_namespace());
  demo_server a(url);
  demo_server b(url);
  http_client on_a(a.port());
  http_client on_b(b.port());
  const std::string id = std::to_string(fresh_int());
  EXPECT_EQ(header(on_a.get("/user?id=" + id), "X-Cache"), "MISS");
  // A answers before its store lands (a background store): B finds the entry once it has.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool shared = false;
  while (!shared && std::chrono::steady_clock::now() < deadline) {
    shared = header(on_b.get("/user?id=" + id), "X-Cache") == "HIT";
    if (!shared) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(shared) << "B is served from the backend A stored into";
  const response card = on_a.get("/user/card?id=" + id);
  ASSERT_EQ(on_b.post("/user/invalidate?id=" + id, "").result_int(), 200U);
  EXPECT_EQ(header(on_a.get("/user?id=" + id), "X-Cache"), "MISS");
  EXPECT_GT(computed(on_a.get("/user/card?id=" + id)), computed(card));
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TagsAcrossServersE2E, ::testing::ValuesIn(backend_urls()), backend_name);

}  // namespace
}  // namespace e2e
