// The breaker's state machine, with the clock in the test's hands.
#include "core/circuit_breaker.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/error.hpp>

#include <gtest/gtest.h>

namespace fast_cache::detail {
namespace {

using namespace std::chrono_literals;
using outcome = circuit_breaker::outcome;
const auto t0 = circuit_breaker::clock::time_point{} + 1h;

void fail(circuit_breaker& b, int times, circuit_breaker::clock::time_point now) {
  for (int i = 0; i < times; ++i) {
    const auto t = b.admit(now);
    ASSERT_TRUE(t.allowed);
    b.report(t, outcome::failure, now);
  }
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  circuit_breaker b({.failure_threshold = 3, .cooldown = 1s});
  fail(b, 2, t0);
  b.report(b.admit(t0), outcome::success, t0);  // a success resets the count
  fail(b, 2, t0);
  EXPECT_EQ(b.state_name(t0), "closed");
  fail(b, 1, t0);
  EXPECT_EQ(b.state_name(t0), "open");
  EXPECT_EQ(b.opens(), 1u);
  EXPECT_FALSE(b.admit(t0 + 999ms).allowed);
  EXPECT_EQ(b.retry_in(t0 + 400ms), 600ms);
}

TEST(CircuitBreaker, OneProbeAfterTheCooldownClosesOnSuccess) {
  circuit_breaker b({.failure_threshold = 1, .cooldown = 1s});
  fail(b, 1, t0);
  const auto probe = b.admit(t0 + 1s);
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(b.state_name(t0 + 1s), "half-open");
  EXPECT_FALSE(b.admit(t0 + 1s).allowed) << "only one probe at a time";
  b.report(probe, outcome::success, t0 + 1s);
  EXPECT_EQ(b.state_name(t0 + 1s), "closed");
  EXPECT_TRUE(b.admit(t0 + 1s).allowed);
}

TEST(CircuitBreaker, FailedProbeOpensForAnotherCooldown) {
  circuit_breaker b({.failure_threshold = 1, .cooldown = 1s});
  fail(b, 1, t0);
  const auto probe = b.admit(t0 + 2s);
  b.report(probe, outcome::failure, t0 + 2s);
  EXPECT_EQ(b.opens(), 2u);
  EXPECT_FALSE(b.admit(t0 + 2500ms).allowed);
  EXPECT_TRUE(b.admit(t0 + 3s).probe);
}

TEST(CircuitBreaker, NeutralProbeLetsTheNextCallerProbe) {
  circuit_breaker b({.failure_threshold = 1, .cooldown = 1s});
  fail(b, 1, t0);
  const auto probe = b.admit(t0 + 1s);
  b.report(probe, outcome::neutral, t0 + 1s);  // cancelled: says nothing of the server
  EXPECT_EQ(b.opens(), 1u);
  EXPECT_TRUE(b.admit(t0 + 1s).probe);
}

TEST(CircuitBreaker, LateResultsOfCallsAdmittedBeforeOpeningChangeNothing) {
  circuit_breaker b({.failure_threshold = 1, .cooldown = 1s});
  const auto early = b.admit(t0);
  fail(b, 1, t0);
  b.report(early, outcome::success, t0);
  EXPECT_EQ(b.state_name(t0), "open");
}

TEST(CircuitBreaker, DisabledAlwaysAdmits) {
  circuit_breaker b({.enabled = false, .failure_threshold = 1});
  for (int i = 0; i < 10; ++i) b.report(b.admit(t0), outcome::failure, t0);
  EXPECT_TRUE(b.admit(t0).allowed);
  EXPECT_EQ(b.state_name(t0), "none");
}

TEST(CircuitBreaker, ClassifiesServerTroubleAsFailureAndCallerTroubleAsNeutral) {
  EXPECT_EQ(circuit_breaker::classify({}), outcome::success);
  EXPECT_EQ(circuit_breaker::classify(errc::timeout), outcome::failure);
  EXPECT_EQ(circuit_breaker::classify(errc::unavailable), outcome::failure);
  EXPECT_EQ(circuit_breaker::classify(errc::throttled), outcome::failure);
  EXPECT_EQ(circuit_breaker::classify(errc::protocol), outcome::failure);
  EXPECT_EQ(circuit_breaker::classify(errc::rejected), outcome::success);
  EXPECT_EQ(circuit_breaker::classify(errc::invalid_argument), outcome::neutral);
  EXPECT_EQ(circuit_breaker::classify(errc::value_too_large), outcome::neutral);
  EXPECT_EQ(circuit_breaker::classify(boost::asio::error::operation_aborted), outcome::neutral);
}

TEST(CircuitBreaker, RejectsInvalidOptions) {
  EXPECT_THROW(circuit_breaker({.failure_threshold = 0}), Error);
  EXPECT_THROW(circuit_breaker({.cooldown = -1ms}), Error);
}

TEST(ErrorCodes, CategoryNamesAndExceptionCarryTheDiagnosis) {
  const boost::system::error_code ec = errc::throttled;
  EXPECT_STREQ(ec.category().name(), "fast_cache");
  EXPECT_EQ(ec.message(), "throttled");
  const Error e(errc::throttled, diagnostics{"DynamoDB PutItem failed", "ThrottlingException", "slow down", 400});
  EXPECT_EQ(e.code(), errc::throttled);
  EXPECT_EQ(e.diag().server_code, "ThrottlingException");
  const std::system_error& as_std = e;
  EXPECT_NE(std::string(as_std.what()).find("DynamoDB PutItem failed"), std::string::npos);
  diagnostics diag;
  EXPECT_EQ(error_code_from(std::make_exception_ptr(e), &diag), errc::throttled);
  EXPECT_EQ(diag.server_message, "slow down");
  EXPECT_EQ(error_code_from(std::make_exception_ptr(std::runtime_error("bug")), &diag), errc::internal);
  EXPECT_EQ(diag.message, "bug");
  EXPECT_FALSE(error_code_from(nullptr, &diag));
}

}  // namespace
}  // namespace fast_cache::detail
