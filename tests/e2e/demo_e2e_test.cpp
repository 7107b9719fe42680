// The demo server end to end: the real binary, real sockets, every route, on each backend URL
// listed in FAST_CACHE_E2E_BACKENDS (space-separated; default memory://).
#include "demo_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

namespace e2e {
namespace {

namespace json = boost::json;

// Whether the backend holds `key` (URL-encoded) within 2 s: stores run after their response, so
// a direct read may come before one lands.
bool eventually_stored(http_client& c, const std::string& key) {
  for (int i = 0; i < 100; ++i) {
    if (json_of(c.get("/di/has?key=" + key)) == json::value(json::object{{"exists", true}})) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

long long max_age_of(const response& res) {
  const std::string cc = header(res, "Cache-Control");
  if (!cc.starts_with("max-age=")) return -1;
  return std::stoll(cc.substr(8));
}

// Checks a cached route: the first call misses, the second hits with the same body and ETag.
void expect_miss_then_hit(http_client& c, const std::string& target, const json::value& expected,
                          long long expire_seconds) {
  const response miss = c.get(target);
  ASSERT_EQ(miss.result_int(), 200) << target << " " << miss.body();
  EXPECT_EQ(json_of(miss), expected) << target;
  EXPECT_EQ(header(miss, "X-Cache"), "MISS") << target;
  EXPECT_GT(max_age_of(miss), expire_seconds - 3) << target;
  EXPECT_LE(max_age_of(miss), expire_seconds) << target;
  const std::string etag = header(miss, "ETag");
  EXPECT_EQ(etag.size(), 34U) << target;
  EXPECT_EQ(etag.front(), '"');

  const response hit = c.get(target);
  ASSERT_EQ(hit.result_int(), 200) << target;
  EXPECT_EQ(hit.body(), miss.body()) << target;
  EXPECT_EQ(header(hit, "X-Cache"), "HIT") << target;
  EXPECT_EQ(header(hit, "ETag"), etag) << target;
  EXPECT_EQ(header(hit, "Content-Type"), "application/json") << target;
  EXPECT_GT(max_age_of(hit), expire_seconds - 5) << target;
  EXPECT_LE(max_age_of(hit), expire_seconds) << target;
}

TEST_P(DemoE2E, ExpensiveMissThenHit) {
  const int x = fresh_int();
  expect_miss_then_hit(client(), "/expensive?x=" + std::to_string(x), json::object{{"result", 2 * std::int64_t{x}}},
                       60);
  // Query order does not matter; another value is another entry.
  const int y = fresh_int();
  EXPECT_EQ(header(client().get("/expensive?y=1&x=" + std::to_string(y)), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get("/expensive?x=" + std::to_string(y) + "&y=1"), "X-Cache"), "HIT");
}

// A slow report, computed once and then served from the cache: the same body, the same run.
TEST_P(DemoE2E, ReportMissThenHit) {
  const int id = fresh_int();
  const std::string target = "/report?id=" + std::to_string(id);
  const response miss = client().get(target);
  ASSERT_EQ(miss.result_int(), 200) << miss.body();
  EXPECT_EQ(header(miss, "X-Cache"), "MISS");
  const json::value report = json_of(miss);
  EXPECT_EQ(report.at("id").to_number<std::int64_t>(), id);
  EXPECT_EQ(report.at("computed_by").to_number<std::int64_t>(), server_->pid());
  EXPECT_GE(report.at("run").to_number<std::int64_t>(), 1);
  const response hit = client().get(target);
  EXPECT_EQ(header(hit, "X-Cache"), "HIT");
  EXPECT_EQ(hit.body(), miss.body());
}

TEST_P(DemoE2E, CustomKeyAndNamespace) {
  const int x = fresh_int();
  expect_miss_then_hit(client(), "/custom?x=" + std::to_string(x), json::object{{"value", x}}, 120);
  // Route entries live in their own key space: "%http:special:custom:<x>".
  EXPECT_TRUE(eventually_stored(client(), "%25http%3Aspecial%3Acustom%3A" + std::to_string(x)));
  EXPECT_EQ(json_of(client().get("/di/has?key=special:custom:" + std::to_string(x))),
            (json::object{{"exists", false}}));
}

TEST_P(DemoE2E, DecoratorRoutes) {
  const int x = fresh_int();
  const std::string xs = std::to_string(x);
  expect_miss_then_hit(client(), "/decorator/async?x=" + xs, json::object{{"result", 2 * std::int64_t{x}}}, 10);
  expect_miss_then_hit(client(), "/decorator/sync?x=" + xs, json::object{{"result", 3 * std::int64_t{x}}}, 10);
  expect_miss_then_hit(client(), "/decorator/custom?x=" + xs, json::object{{"custom_key", x}}, 15);
  expect_miss_then_hit(client(), "/decorator/skip?x=" + xs, json::object{{"result", 5 * std::int64_t{x}}}, 10);
  expect_miss_then_hit(client(), "/decorator/pydantic?name=widget%20one&value=" + xs,
                       json::object{{"name", "widget one"}, {"value", x}}, 10);
  // The cached functions behind the routes stored their results under their own keys.
  EXPECT_TRUE(eventually_stored(client(), "custom:custom:" + xs));
  EXPECT_TRUE(eventually_stored(client(), "decorator_async:%5B" + xs + "%5D"));
}

// The largest int a query may hold is multiplied without overflow; one more is a 422.
TEST_P(DemoE2E, LargestIntegersDoNotOverflow) {
  EXPECT_EQ(json_of(client().get("/decorator/skip?skip_cache=true&x=2147483647")),
            (json::object{{"result", 5 * std::int64_t{2147483647}}}));
  EXPECT_EQ(json_of(client().get("/plain?x=-2147483648")), (json::object{{"result", -2 * std::int64_t{2147483648}}}));
  EXPECT_EQ(client().get("/plain?x=2147483648").result_int(), 422);
}

TEST_P(DemoE2E, SkipCacheBypasses) {
  const int x = fresh_int();
  const std::string target = "/decorator/skip?x=" + std::to_string(x);
  for (const char* skip : {"&skip_cache=true", "&skip_cache=1", "&skip_cache=true"}) {
    const response r = client().get(target + skip);
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(json_of(r), (json::object{{"result", 5 * std::int64_t{x}}}));
    EXPECT_EQ(header(r, "X-Cache"), "MISS") << skip;
  }
  // Nothing was stored by the bypassed calls.
  EXPECT_EQ(header(client().get(target), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(target), "X-Cache"), "HIT");
  EXPECT_EQ(header(client().get(target + "&skip_cache=false"), "X-Cache"), "HIT");
  const std::string city = "/weather?city=Oslo" + std::to_string(x);
  EXPECT_EQ(header(client().get(city), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(city + "&skip_cache=true"), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(city), "X-Cache"), "HIT");
}

TEST_P(DemoE2E, WeatherUsesDefaultExpiry) {
  const std::string city = "Paris" + std::to_string(fresh_int());
  expect_miss_then_hit(client(), "/weather?city=" + city, json::object{{"city", city}, {"weather", "sunny"}}, 120);
}

TEST_P(DemoE2E, DirectAccessSequence) {
  const std::string key = "k" + std::to_string(fresh_int());
  auto call = [&](http::verb method, const std::string& target) {
    const response r = client().request(method, target);
    EXPECT_EQ(r.result_int(), 200) << target << " " << r.body();
    return json_of(r);
  };
  EXPECT_EQ(call(http::verb::get, "/di/set?key=" + key + "&value=hello%20world"), (json::object{{"set", true}}));
  EXPECT_EQ(call(http::verb::get, "/di/get?key=" + key), (json::object{{"value", "hello world"}}));
  EXPECT_EQ(call(http::verb::get, "/di/has?key=" + key), (json::object{{"exists", true}}));
  EXPECT_EQ(call(http::verb::delete_, "/di/delete?key=" + key), (json::object{{"deleted", true}}));
  EXPECT_EQ(call(http::verb::get, "/di/has?key=" + key), (json::object{{"exists", false}}));
  EXPECT_EQ(call(http::verb::get, "/di/get?key=" + key), (json::object{{"value", nullptr}}));
  EXPECT_EQ(call(http::verb::get, "/di/set?key=" + key + "&value=again"), (json::object{{"set", true}}));
  EXPECT_EQ(call(http::verb::post, "/di/clear"), (json::object{{"cleared", true}}));
  EXPECT_EQ(call(http::verb::get, "/di/has?key=" + key), (json::object{{"exists", false}}));
  EXPECT_EQ(call(http::verb::delete_, "/di/delete?key=absent"), (json::object{{"deleted", true}}));
}

TEST_P(DemoE2E, ProfileDirectBackendUse) {
  const int id = fresh_int();
  const std::string target = "/profile/" + std::to_string(id);
  const json::value profile = json::object{{"user_id", id}, {"bio", "User " + std::to_string(id) + " bio"}};
  EXPECT_EQ(json_of(client().get(target)), (json::object{{"profile", profile}, {"cached", false}}));
  EXPECT_EQ(json_of(client().get(target)), (json::object{{"profile", profile}, {"cached", true}}));
  EXPECT_EQ(client().get("/profile/abc").result_int(), 422);
  EXPECT_EQ(client().get("/profile/").result_int(), 404);
  EXPECT_EQ(client().get("/profile/1/2").result_int(), 404);
}

TEST_P(DemoE2E, ConditionalRequests) {
  const std::string target = "/expensive?x=" + std::to_string(fresh_int());
  const response first = client().get(target);
  const std::string etag = header(first, "ETag");
  for (const std::string& inm : {etag, std::string("*"), "\"nope\", " + etag, "W/" + etag}) {
    const response r = client().get(target, {{"If-None-Match", inm}});
    EXPECT_EQ(r.result_int(), 304) << inm;
    EXPECT_TRUE(r.body().empty());
    EXPECT_EQ(header(r, "ETag"), etag);
    EXPECT_EQ(header(r, "X-Cache"), "HIT");
  }
  const response other = client().get(target, {{"If-None-Match", "\"nope\""}});
  EXPECT_EQ(other.result_int(), 200);
  EXPECT_EQ(other.body(), first.body());
  // Uncached routes answer in full.
  EXPECT_EQ(client().get("/plain?x=1", {{"If-None-Match", "*"}}).result_int(), 200);
}

TEST_P(DemoE2E, ErrorsAreJson) {
  for (const char* target :
       {"/expensive", "/expensive?x=abc", "/expensive?x=1.5", "/expensive?x=99999999999", "/report", "/report?id=abc",
        "/decorator/pydantic?name=a", "/weather", "/di/get", "/di/get?key="}) {
    const response r = client().get(target);
    EXPECT_EQ(r.result_int(), 422) << target;
    const json::value body = json_of(r);
    const auto& loc = body.at("detail").at(0).at("loc").as_array();
    EXPECT_EQ(loc.at(0), "query") << target;
    EXPECT_FALSE(loc.at(1).as_string().empty()) << target;
  }
  EXPECT_EQ(json_of(client().get("/expensive")).at("detail").at(0).at("loc").at(1), "x");
  EXPECT_EQ(json_of(client().get("/decorator/pydantic?name=a")).at("detail").at(0).at("loc").at(1), "value");
  const response missing = client().get("/no/such/path");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(json_of(missing), (json::object{{"detail", "Not Found"}}));
  const response wrong = client().request(http::verb::post, "/expensive?x=1");
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(header(wrong, "Allow"), "GET, HEAD");
  EXPECT_EQ(client().request(http::verb::get, "/di/delete?key=a").result_int(), 405);
  EXPECT_EQ(client().request(http::verb::get, "/di/clear").result_int(), 405);
  // The connection survived every error.
  EXPECT_EQ(client().get("/plain?x=4").body(), "{\"result\":8}");
}

TEST_P(DemoE2E, CredentialsAreNotShared) {
  const std::string target = "/expensive?x=" + std::to_string(fresh_int());
  // A request with credentials neither reads nor writes the shared entry.
  const response private_first = client().get(target, {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(private_first.result_int(), 200);
  EXPECT_EQ(header(private_first, "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(target), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(target), "X-Cache"), "HIT");
  EXPECT_EQ(header(client().get(target, {{"Authorization", "Bearer secret"}}), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get(target, {{"Cookie", "session=1"}}), "X-Cache"), "MISS");
}

TEST_P(DemoE2E, HeadSharesGetEntry) {
  const std::string target = "/expensive?x=" + std::to_string(fresh_int());
  const response get = client().get(target);
  const response head = client().request(http::verb::head, target);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(header(head, "X-Cache"), "HIT");
  EXPECT_EQ(header(head, "Content-Length"), std::to_string(get.body().size()));
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(client().get("/plain?x=2").body(), "{\"result\":4}");  // the connection stays in sync
}

TEST_P(DemoE2E, KeepAliveAndPipelining) {
  const std::string target = "/expensive?x=" + std::to_string(fresh_int());
  for (int i = 0; i < 300; ++i) {
    const response r = client().get(i % 2 == 0 ? target : "/plain?x=" + std::to_string(i));
    ASSERT_EQ(r.result_int(), 200) << i;
    ASSERT_TRUE(r.keep_alive());
  }
  std::string pipelined;
  for (int i = 0; i < 5; ++i) {
    pipelined += "GET /plain?x=" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  }
  const auto responses = client().raw(pipelined, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(json_of(responses[i]), (json::object{{"result", 2 * i}})) << i;
}

TEST_P(DemoE2E, MalformedInputDoesNotHurtTheServer) {
  http_client garbage(port());
  const auto bad = garbage.raw("NOT HTTP AT ALL\r\n\r\n", 1);
  EXPECT_EQ(bad[0].result_int(), 400);
  http_client huge(port());
  const auto too_big =
      huge.raw("GET /plain?x=1 HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n", 1);
  EXPECT_EQ(too_big[0].result_int(), 431);
  http_client body(port());
  const auto big_body = body.raw("POST /di/clear HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n", 1);
  EXPECT_EQ(big_body[0].result_int(), 413);
  {
    http_client half(port());  // a half-sent request, then the client leaves
    half.raw("GET /plain?x=1 HTTP/1.1\r\nHo", 0);
  }
  for (const char* target : {"/expensive?x=%", "/expensive?x=%zz", "/expensive?=&&=1", "/%00", "/expensive?x=1#frag"}) {
    const response r = client().get(target);
    EXPECT_TRUE(r.result_int() == 200 || r.result_int() == 404 || r.result_int() == 422) << target;
  }
  EXPECT_EQ(client().get("/plain?x=3").body(), "{\"result\":6}");
  EXPECT_TRUE(server_->running());
}

TEST_P(DemoE2E, ManyConcurrentClients) {
  constexpr int clients = 200;
  constexpr int requests_each = 5;
  const int base = fresh_int();
  std::atomic<int> ok{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      try {
        http_client c(port());
        for (int j = 0; j < requests_each; ++j) {
          const int x = base + (i + j) % 10;  // shared keys: hits and concurrent misses
          const response r = c.get("/expensive?x=" + std::to_string(x));
          if (r.result_int() == 200 && r.body() == "{\"result\":" + std::to_string(2 * std::int64_t{x}) + "}")
            ++ok;
          else
            ++failures;
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ok.load(), clients * requests_each);
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoE2E, ::testing::ValuesIn(backend_urls()), backend_name);

}  // namespace
}  // namespace e2e
