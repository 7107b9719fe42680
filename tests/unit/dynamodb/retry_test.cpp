#include "dynamodb/retry.hpp"

#include <gtest/gtest.h>

namespace fast_cache::dynamodb {
namespace {

using std::chrono::milliseconds;

TEST(retry, fatal_errors_and_spent_attempts_stop) {
  std::mt19937_64 rng(1);
  const retry_policy p;
  EXPECT_FALSE(next_delay(p, 1, error_class::fatal, rng));
  EXPECT_TRUE(next_delay(p, 3, error_class::transient, rng));
  EXPECT_FALSE(next_delay(p, 4, error_class::transient, rng));
  EXPECT_FALSE(next_delay(retry_policy{.max_attempts = 1}, 1, error_class::throttling, rng));
}

TEST(retry, full_jitter_stays_under_the_exponential_ceiling_and_the_cap) {
  std::mt19937_64 rng(2);
  const retry_policy p{
      .max_attempts = 40, .base = milliseconds(25), .throttling_base = milliseconds(1000), .cap = milliseconds(20000)};
  for (int attempt = 1; attempt < 40; ++attempt) {
    const double ceiling_t = std::min(20000.0, 25.0 * std::pow(2.0, attempt - 1));
    const double ceiling_th = std::min(20000.0, 1000.0 * std::pow(2.0, attempt - 1));
    milliseconds max_seen{0};
    for (int i = 0; i < 200; ++i) {
      const auto t = *next_delay(p, attempt, error_class::transient, rng);
      const auto th = *next_delay(p, attempt, error_class::throttling, rng);
      EXPECT_LE(t.count(), ceiling_t);
      EXPECT_LE(th.count(), ceiling_th);
      EXPECT_GE(t.count(), 0);
      max_seen = std::max(max_seen, th);
    }
    EXPECT_GT(max_seen.count(), ceiling_th / 2);  // jitter spreads over the whole range
  }
}

}  // namespace
}  // namespace fast_cache::dynamodb
