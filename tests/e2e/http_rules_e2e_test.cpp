// The HTTP cache's rules against the demo, end to end: what a handler sees is what keys an entry,
// entries nobody else wrote are never served, smuggled requests are refused, and responses carry
// the caching headers a downstream cache needs. The demo runs with an HTTP secret, so every entry
// in these tests is sealed and checked.
#include "demo_fixture.hpp"

#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/etag.hpp>

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <string>

namespace e2e {
namespace {

class HttpRulesE2E : public DemoE2E {
 protected:
  void SetUp() override {
    ::setenv("FAST_CACHE_HTTP_SECRET", "e2e secret, never printed", 1);
    DemoE2E::SetUp();
    ::unsetenv("FAST_CACHE_HTTP_SECRET");
  }
};

std::string percent_encoded(std::string_view bytes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0) {
      out.push_back(ch);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

// A well-formed entry, as someone able to write to the backend could store it.
std::string forged_entry(std::vector<fast_cache::http::header_field> headers) {
  return fast_cache::http::encode_entry(fast_cache::http::make_entry(
      200, std::move(headers), "<script>alert(1)</script>", fast_cache::http::clock::now(), std::chrono::hours(24)));
}

TEST_P(HttpRulesE2E, SameNameParametersKeepTheirOrder) {
  const std::string n = std::to_string(fresh_int());
  const response first = client().get("/expensive?x=" + n + "&x=1");
  EXPECT_EQ(json_of(first), (json::object{{"result", 2 * std::stoll(n)}}));
  // The handler reads the first x: swapping the values is another request, never a hit.
  const response swapped = client().get("/expensive?x=1&x=" + n);
  EXPECT_EQ(json_of(swapped), (json::object{{"result", 2}}));
  EXPECT_EQ(header(swapped, "X-Cache"), "MISS");
}

TEST_P(HttpRulesE2E, KeysWrittenByHandDoNotReachARoute) {
  const std::string x = std::to_string(fresh_int());
  ASSERT_EQ(client()
                .get("/di/set?key=" + percent_encoded("GET /expensive?x=" + x) +
                     "&value=" + percent_encoded(forged_entry({{"Content-Type", "text/html"}})))
                .result_int(),
            200);
  const response res = client().get("/expensive?x=" + x);
  EXPECT_EQ(json_of(res), (json::object{{"result", 2 * std::stoll(x)}}));
  EXPECT_EQ(header(res, "Content-Type"), "application/json");
  EXPECT_EQ(header(res, "X-Cache"), "MISS");
}

TEST_P(HttpRulesE2E, ForgedAndInvalidEntriesAreNeverServed) {
  // Written straight into the route's own key space: well-formed but unsealed, and malformed.
  const std::string sealed_x = std::to_string(fresh_int());
  const std::string invalid_x = std::to_string(fresh_int());
  const std::pair<std::string, std::string> forgeries[] = {
      {sealed_x, forged_entry({{"Content-Type", "text/html"}})},
      {invalid_x, forged_entry({{"Content-Type", "text/html\r\nSet-Cookie: session=attacker"}})},
  };
  for (const auto& [x, bytes] : forgeries) {
    ASSERT_EQ(
        client()
            .get("/di/set?key=" + percent_encoded("%http::GET /expensive?x=" + x) + "&value=" + percent_encoded(bytes))
            .result_int(),
        200);
    const response res = client().get("/expensive?x=" + x);
    EXPECT_EQ(res.body(), boost::json::serialize(json::object{{"result", 2 * std::stoll(x)}})) << x;
    EXPECT_EQ(header(res, "Content-Type"), "application/json");
    EXPECT_EQ(header(res, "Set-Cookie"), "");
    EXPECT_EQ(header(res, "X-Cache"), "MISS");
    // The fresh response replaced the forgery.
    EXPECT_EQ(header(client().get("/expensive?x=" + x), "X-Cache"), "HIT");
  }
}

TEST_P(HttpRulesE2E, AmbiguousBodyLengthIsRefusedAndTheConnectionClosed) {
  // RFC 9112 section 6.3: a Transfer-Encoding other than a final chunked cannot be framed.
  const std::vector<response> answers = client().raw(
      "GET /plain?x=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"
      "GET /plain?x=2 HTTP/1.1\r\nHost: a\r\n\r\n",
      1);
  EXPECT_EQ(answers.at(0).result_int(), 400);
  EXPECT_ANY_THROW(client().raw("", 1)) << "the smuggled request must not be answered";
}

TEST_P(HttpRulesE2E, PostBodiesAreKeyed) {
  const std::string a = std::to_string(fresh_int());
  const response first = client().post("/sum", "[" + a + ",1]");
  EXPECT_EQ(json_of(first).at("sum").to_number<double>(), std::stod(a) + 1);
  EXPECT_EQ(header(first, "X-Cache"), "MISS");
  const response other = client().post("/sum", "[" + a + ",2]");
  EXPECT_EQ(json_of(other).at("sum").to_number<double>(), std::stod(a) + 2);
  EXPECT_EQ(header(other, "X-Cache"), "MISS");
  const response again = client().post("/sum", "[" + a + ",1]");
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(header(again, "X-Cache"), "HIT");
}

TEST_P(HttpRulesE2E, AResponsesVaryAndDirectivesAreHonoured) {
  const std::string city = "?n=" + std::to_string(fresh_int());
  const response en = client().get("/greeting" + city, {{"Accept-Language", "en"}});
  EXPECT_EQ(json_of(en), (json::object{{"greeting", "hello"}}));
  const response de = client().get("/greeting" + city, {{"Accept-Language", "de"}});
  EXPECT_EQ(json_of(de), (json::object{{"greeting", "hallo"}})) << "one entry per variant";
  EXPECT_EQ(header(de, "X-Cache"), "MISS");
  const response en_again = client().get("/greeting" + city, {{"Accept-Language", "en"}});
  EXPECT_EQ(json_of(en_again), (json::object{{"greeting", "hello"}}));
  EXPECT_EQ(header(en_again, "X-Cache"), "HIT");
  for (const response* res : {&en, &de, &en_again}) {
    EXPECT_EQ(header(*res, "Vary"), "Accept-Language");
    EXPECT_EQ(header(*res, "Cache-Control"), "public, max-age=30, must-revalidate") << "the handler's own";
  }
  EXPECT_FALSE(header(en_again, "Age").empty()) << "its max-age counts from when it was stored";
}

TEST_P(HttpRulesE2E, PerUserEntriesArePrivate) {
  const std::string suffix = std::to_string(fresh_int());
  const response ann = client().get("/me?n=" + suffix, {{"Cookie", "user=ann"}});
  const response bob = client().get("/me?n=" + suffix, {{"Cookie", "user=bob"}});
  const response ann_again = client().get("/me?n=" + suffix, {{"Cookie", "user=ann"}});
  EXPECT_EQ(json_of(ann), (json::object{{"user", "ann"}}));
  EXPECT_EQ(json_of(bob), (json::object{{"user", "bob"}}));
  EXPECT_EQ(json_of(ann_again), (json::object{{"user", "ann"}}));
  EXPECT_EQ(header(ann_again, "X-Cache"), "HIT");
  for (const response* res : {&ann, &bob, &ann_again}) {
    EXPECT_TRUE(header(*res, "Cache-Control").starts_with("private, max-age=")) << header(*res, "Cache-Control");
    EXPECT_EQ(header(*res, "Vary"), "Cookie");
  }
}

TEST_P(HttpRulesE2E, EveryCacheControlFieldIsRead) {
  const std::string x = std::to_string(fresh_int());
  // no-store in the second field: nothing of this exchange may be stored.
  const std::vector<response> answers = client().raw("GET /expensive?x=" + x +
                                                         " HTTP/1.1\r\nHost: a\r\nCache-Control: max-age=5\r\n"
                                                         "Cache-Control: no-store\r\n\r\n",
                                                     1);
  EXPECT_EQ(header(answers.at(0), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get("/expensive?x=" + x), "X-Cache"), "MISS");
  EXPECT_EQ(header(client().get("/expensive?x=" + x), "X-Cache"), "HIT");
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpRulesE2E, ::testing::ValuesIn(backend_urls()), backend_name);

}  // namespace
}  // namespace e2e
