// Sequential GetItem/PutItem rate against the server under test: a measurement printed for the
// record, not a timed assertion.
#include "integration/dynamodb/fixture.hpp"

#include <cstdio>

namespace fast_cache {
namespace {

TEST(dynamodb_throughput, sequential_put_and_get) {
  FAST_CACHE_REQUIRE_DYNAMODB();
  DynamoDBBackend b(test::local_options(test::shared_table, test::unique_name("rate")));
  constexpr int n = 2000;
  const std::string value(100, 'v');
  using clock = std::chrono::steady_clock;
  b.set("warm", value);
  auto t0 = clock::now();
  for (int i = 0; i < n; ++i) b.set("k" + std::to_string(i % 100), value);
  auto t1 = clock::now();
  for (int i = 0; i < n; ++i) ASSERT_TRUE(b.get("k" + std::to_string(i % 100)));
  auto t2 = clock::now();
  const auto rate = [&](clock::duration d) { return n / std::chrono::duration<double>(d).count(); };
  std::printf("sequential PutItem: %.0f ops/s, GetItem: %.0f ops/s (%d ops each, 100-byte values)\n", rate(t1 - t0),
              rate(t2 - t1), n);
  RecordProperty("put_ops_per_s", static_cast<int>(rate(t1 - t0)));
  RecordProperty("get_ops_per_s", static_cast<int>(rate(t2 - t1)));
  b.clear();
}

}  // namespace
}  // namespace fast_cache
