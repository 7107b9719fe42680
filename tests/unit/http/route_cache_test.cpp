#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <gtest/gtest.h>

#include <map>

namespace fast_cache::http {
namespace {

using namespace std::chrono_literals;

// A request built from a method, a target and headers, as an adapter would.
struct fake_request {
  std::string method = "GET";
  std::string target = "/";
  std::map<std::string, std::string> headers;  // lower-case names

  std::vector<query_param> params;
  std::optional<std::string_view> operator()(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (iequals(k, name)) return std::string_view(v);
    }
    return std::nullopt;
  }
  request_view view() {
    const auto [path, query] = split_target(target);
    params = parse_query(query);
    return {.method = method, .path = path, .query = params, .headers = *this};
  }
};

fake_request get(std::string target, std::map<std::string, std::string> headers = {}) {
  return {"GET", std::move(target), std::move(headers), {}};
}

clock::time_point at(std::int64_t seconds) { return clock::time_point(std::chrono::seconds(seconds)); }

TEST(Plan, KeyHasMethodPathAndSortedQuery) {
  route_cache rc({.expire = 60s});
  auto a = get("/expensive?x=2&b=1&a=3");
  auto b = get("/expensive?a=3&x=2&b=1");
  const cache_plan p = rc.plan(a.view());
  EXPECT_EQ(p.action, cache_action::lookup);
  EXPECT_EQ(p.key, "GET /expensive?a=3&b=1&x=2");
  EXPECT_EQ(rc.plan(b.view()).key, p.key);
}

TEST(Plan, KeyDropsSkipCacheAndEscapesDelimiters) {
  route_cache rc({});
  auto r = get("/p?x=1&skip_cache=false");
  EXPECT_EQ(rc.plan(r.view()).key, "GET /p?x=1");
  auto tricky = get("/p?a=1%26b%3D2");
  auto split = get("/p?a=1&b=2");
  EXPECT_EQ(rc.plan(tricky.view()).key, "GET /p?a=1%26b%3D2");
  EXPECT_NE(rc.plan(tricky.view()).key, rc.plan(split.view()).key);
  auto decoded = get("/p?a=%41");
  auto plain = get("/p?a=A");
  EXPECT_EQ(rc.plan(decoded.view()).key, rc.plan(plain.view()).key);
  auto repeated = get("/p?x=2&x=1");
  EXPECT_EQ(rc.plan(repeated.view()).key, "GET /p?x=1&x=2");
}

TEST(Plan, DistinctPathsAndQueriesDistinctKeys) {
  route_cache rc({});
  auto a = get("/a?x=1");
  auto b = get("/a?x=2");
  auto c = get("/b?x=1");
  auto d = get("/a");
  EXPECT_NE(rc.plan(a.view()).key, rc.plan(b.view()).key);
  EXPECT_NE(rc.plan(a.view()).key, rc.plan(c.view()).key);
  EXPECT_NE(rc.plan(a.view()).key, rc.plan(d.view()).key);
}

TEST(Plan, NamespaceAndKeyBuilder) {
  route_cache rc({.expire = 120s, .namespace_ = "special", .key_builder = [](const request_view& r) {
                    return "custom:" + std::string(r.param("x").value_or(""));
                  }});
  auto r = get("/custom?x=7&skip_cache=0");
  EXPECT_EQ(rc.plan(r.view()).key, "special:custom:7");
  route_cache ns_only({.namespace_ = "ns"});
  EXPECT_EQ(ns_only.plan(r.view()).key, "ns:GET /custom?x=7");
}

TEST(Plan, SkipCacheBypasses) {
  route_cache rc({});
  for (const char* target : {"/p?skip_cache=true", "/p?skip_cache=1", "/p?skip_cache=TRUE&x=1"}) {
    auto r = get(target);
    EXPECT_EQ(rc.plan(r.view()).action, cache_action::pass) << target;
    EXPECT_TRUE(rc.plan(r.view()).key.empty());
  }
  for (const char* target : {"/p?skip_cache=false", "/p?skip_cache=0", "/p?skip_cache=", "/p?skip_cache"}) {
    auto r = get(target);
    EXPECT_EQ(rc.plan(r.view()).action, cache_action::lookup) << target;
  }
}

TEST(Plan, OnlyGetAndHeadUnlessOptedIn) {
  route_cache rc({});
  fake_request post{"POST", "/p", {}, {}};
  fake_request del{"DELETE", "/p", {}, {}};
  fake_request head{"HEAD", "/p", {}, {}};
  EXPECT_EQ(rc.plan(post.view()).action, cache_action::pass);
  EXPECT_EQ(rc.plan(del.view()).action, cache_action::pass);
  EXPECT_EQ(rc.plan(head.view()).action, cache_action::lookup);
  auto g = get("/p");
  EXPECT_EQ(rc.plan(head.view()).key, rc.plan(g.view()).key);  // HEAD shares GET's entry
  route_cache with_post({.methods = {"POST"}});
  EXPECT_EQ(with_post.plan(post.view()).action, cache_action::lookup);
  EXPECT_EQ(with_post.plan(post.view()).key, "POST /p");
}

TEST(Plan, CredentialsArePrivateUnlessVaried) {
  route_cache rc({});
  auto auth = get("/p", {{"authorization", "Bearer secret"}});
  auto cookie = get("/p", {{"cookie", "sid=1"}});
  EXPECT_EQ(rc.plan(auth.view()).action, cache_action::pass);
  EXPECT_EQ(rc.plan(cookie.view()).action, cache_action::pass);

  route_cache per_user({.vary = {"Authorization"}});
  const cache_plan p = per_user.plan(auth.view());
  EXPECT_EQ(p.action, cache_action::lookup);
  EXPECT_EQ(p.key.find("secret"), std::string::npos) << "credentials must not appear in keys";
  auto other = get("/p", {{"authorization", "Bearer other"}});
  auto anonymous = get("/p");
  EXPECT_NE(per_user.plan(other.view()).key, p.key);
  EXPECT_NE(per_user.plan(anonymous.view()).key, p.key);
  EXPECT_EQ(per_user.plan(cookie.view()).action, cache_action::pass);  // still private for Cookie
}

TEST(Plan, VaryHeadersJoinTheKey) {
  route_cache rc({.vary = {"Accept-Language"}});
  auto en = get("/p", {{"accept-language", "en"}});
  auto de = get("/p", {{"accept-language", "de"}});
  auto none = get("/p");
  EXPECT_EQ(rc.plan(en.view()).key, "GET /p;accept-language=en");
  EXPECT_NE(rc.plan(en.view()).key, rc.plan(de.view()).key);
  EXPECT_EQ(rc.plan(none.view()).key, "GET /p");
  route_cache built({.key_builder = [](const request_view&) { return std::string("k"); }, .vary = {"accept-language"}});
  EXPECT_EQ(built.plan(en.view()).key, "k;accept-language=en");
}

TEST(Plan, ClientNoCacheOnlyWhenAllowed) {
  auto r = get("/p", {{"cache-control", "max-age=0, no-cache"}});
  EXPECT_EQ(route_cache({}).plan(r.view()).action, cache_action::lookup);
  route_cache allowing({.allow_no_cache = true});
  const cache_plan p = allowing.plan(r.view());
  EXPECT_EQ(p.action, cache_action::refresh);
  EXPECT_TRUE(p.may_store());
  EXPECT_FALSE(p.key.empty());
}

struct headers_map {
  std::map<std::string, std::string> fields;
  std::optional<std::string_view> operator()(std::string_view name) const {
    for (const auto& [k, v] : fields) {
      if (iequals(k, name)) return std::string_view(v);
    }
    return std::nullopt;
  }
};

TEST(Storable, TwoHundredsOnlyByDefault) {
  route_cache rc({});
  const headers_map none;
  EXPECT_TRUE(rc.storable(200, none));
  EXPECT_TRUE(rc.storable(204, none));
  EXPECT_FALSE(rc.storable(301, none));
  EXPECT_FALSE(rc.storable(404, none));
  EXPECT_FALSE(rc.storable(422, none));
  EXPECT_FALSE(rc.storable(500, none));
  route_cache with_404({.store_status = [](unsigned s) { return s == 200 || s == 404; }});
  EXPECT_TRUE(with_404.storable(404, none));
  EXPECT_FALSE(with_404.storable(201, none));
}

TEST(Storable, PerUserResponsesAreNotStored) {
  route_cache rc({});
  EXPECT_FALSE(rc.storable(200, headers_map{{{"Set-Cookie", "a=1"}}}));
  EXPECT_FALSE(rc.storable(200, headers_map{{{"Cache-Control", "no-store"}}}));
  EXPECT_FALSE(rc.storable(200, headers_map{{{"Cache-Control", "private, max-age=5"}}}));
  EXPECT_TRUE(rc.storable(200, headers_map{{{"Cache-Control", "public, max-age=5"}}}));
}

TEST(Lifetime, RouteThenDefault) {
  EXPECT_EQ(route_cache({.expire = 60s}).lifetime(120s), 60s);
  EXPECT_EQ(route_cache({}).lifetime(120s), 120s);
  EXPECT_EQ(route_cache({}).lifetime(std::nullopt), std::nullopt);
  EXPECT_EQ(route_cache({.expire = 0s}).lifetime(120s), std::nullopt);
}

TEST(Serve, HitHeadersAndConditional) {
  route_cache rc({.expire = 60s});
  const entry e = make_entry(200, {}, "{\"result\":2}", at(1000), 60s);
  auto r = get("/p");
  served_response s = rc.hit(e, r.view(), at(1010));
  EXPECT_EQ(s.status, 200U);
  EXPECT_FALSE(s.not_modified);
  EXPECT_EQ(s.x_cache, "HIT");
  EXPECT_EQ(s.cache_control, "max-age=50");

  auto conditional = get("/p", {{"if-none-match", "\"other\", " + e.etag}});
  s = rc.hit(e, conditional.view(), at(1010));
  EXPECT_EQ(s.status, 304U);
  EXPECT_TRUE(s.not_modified);
  auto star = get("/p", {{"if-none-match", "*"}});
  EXPECT_TRUE(rc.hit(e, star.view(), at(1010)).not_modified);
  auto stale_tag = get("/p", {{"if-none-match", "\"nope\""}});
  EXPECT_FALSE(rc.hit(e, stale_tag.view(), at(1010)).not_modified);
}

TEST(Serve, MissHeaders) {
  route_cache rc({.expire = 60s});
  const entry e = make_entry(200, {}, "body", at(1000), 60s);
  auto r = get("/p", {{"if-none-match", e.etag}});
  served_response stored = rc.miss(200, &e, r.view(), at(1000));
  EXPECT_EQ(stored.x_cache, "MISS");
  EXPECT_EQ(stored.cache_control, "max-age=60");
  EXPECT_TRUE(stored.not_modified);
  served_response passed = rc.miss(500, nullptr, r.view(), at(1000));
  EXPECT_EQ(passed.x_cache, "MISS");
  EXPECT_EQ(passed.status, 500U);
  EXPECT_TRUE(passed.cache_control.empty());
  EXPECT_FALSE(passed.not_modified);
}

TEST(Truthy, Values) {
  EXPECT_TRUE(is_truthy("true"));
  EXPECT_TRUE(is_truthy("True"));
  EXPECT_TRUE(is_truthy("1"));
  EXPECT_FALSE(is_truthy("false"));
  EXPECT_FALSE(is_truthy("0"));
  EXPECT_FALSE(is_truthy(""));
  EXPECT_FALSE(is_truthy("yes"));
}

}  // namespace
}  // namespace fast_cache::http
