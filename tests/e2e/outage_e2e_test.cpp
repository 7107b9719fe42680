// The demo server with a sick DynamoDB, end to end: DynamoDB Local behind the fault proxy, hung
// and then dead. Every cached route answers within its budgets, a dead backend costs almost
// nothing once the breaker is open, and caching resumes by itself. Latency bounds have wide
// margins: these machines are shared and noisy.
#include "demo_server.hpp"
#include "http_client.hpp"
#include "support/fault_proxy.hpp"
#include "support/wait_for.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace e2e {
namespace {

using namespace std::chrono_literals;
using fast_cache::test::fault_mode;
using fast_cache::test::fault_proxy;
using clock_type = std::chrono::steady_clock;

constexpr auto slack = 400ms;  // what a loaded 2-core machine may add to a request

std::string dynamodb_endpoint() {
  const char* v = std::getenv("FAST_CACHE_DYNAMODB_ENDPOINT");
  return v != nullptr ? v : "";
}

class DemoOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string endpoint = dynamodb_endpoint();
    if (endpoint.empty()) GTEST_SKIP() << "FAST_CACHE_DYNAMODB_ENDPOINT is not set";
    proxy.emplace(endpoint);
  }

  // The demo on DynamoDB through the proxy, with the default budgets (read 200 ms, write 400 ms).
  demo_server start_demo(const std::string& extra) {
    static int counter = 0;
    return demo_server("dynamodb://e2e_outage?region=us-east-1&endpoint=" + proxy->endpoint_url() +
                       "&namespace=outage" + std::to_string(::getpid()) + "x" + std::to_string(++counter) + extra);
  }

  std::optional<fault_proxy> proxy;
};

double ms(clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Milliseconds a GET of target took, checking that it answered 200.
double timed_get(http_client& client, const std::string& target) {
  const auto start = clock_type::now();
  const response res = client.get(target);
  EXPECT_EQ(res.result_int(), 200) << target;
  return ms(clock_type::now() - start);
}

TEST_F(DemoOutage, HungBackendCostsEveryCachedRouteItsBudgetsOnly) {
  demo_server server = start_demo("&breaker=false");
  http_client client(server.port());
  timed_get(client, "/expensive?x=1");  // the connection pool is warm, the table there
  proxy->set_mode(fault_mode::stall());
  // Routes cached once: a read budget (the store goes in the background).
  for (const std::string target : {"/expensive?x=2", "/custom?x=2", "/weather?city=Oslo"}) {
    EXPECT_LT(timed_get(client, target), ms(200ms + slack)) << target;
  }
  // Caching by hand with the backend (the seed's profile example) waits for its write: read + write.
  EXPECT_LT(timed_get(client, "/profile/2"), ms(600ms + slack));
  // A cached function under a cached route: the route's read, then the function's read, and a
  // sync function's write too (it runs on the request's thread): at most 800 ms.
  for (const std::string target : {"/decorator/async?x=2", "/decorator/custom?x=2", "/decorator/sync?x=2"}) {
    EXPECT_LT(timed_get(client, target), ms(800ms + slack)) << target;
  }
  proxy->set_mode(fault_mode::pass());
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(DemoOutage, DeadBackendCostsAlmostNothingOnceTheBreakerOpensAndCachingResumes) {
  demo_server server = start_demo("&breaker_cooldown_ms=500");
  http_client client(server.port());
  timed_get(client, "/expensive?x=1");
  proxy->set_mode(fault_mode::refuse());
  for (int i = 0; i < 10; ++i) timed_get(client, "/expensive?x=" + std::to_string(100 + i));  // opens it
  std::vector<double> open_ms, plain_ms;
  for (int i = 0; i < 50; ++i) {
    open_ms.push_back(timed_get(client, "/expensive?x=" + std::to_string(200 + i)));
    plain_ms.push_back(timed_get(client, "/plain?x=" + std::to_string(i)));
  }
  std::sort(open_ms.begin(), open_ms.end());
  std::sort(plain_ms.begin(), plain_ms.end());
  EXPECT_LT(open_ms[25] - plain_ms[25], 5.0) << "median added by a dead backend with the breaker open, ms";

  // Recovery: no restart, no call to make; a probe after the cooldown closes the breaker.
  proxy->set_mode(fault_mode::pass());
  const bool hit = fast_cache::testing::wait_for(
      [&] {
        client.get("/expensive?x=7");
        return header(client.get("/expensive?x=7"), "X-Cache") == "HIT";
      },
      10s);
  EXPECT_TRUE(hit) << "caching did not resume";
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace e2e
