#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/route_cache.hpp>
#include <fast_cache/key.hpp>

#include "unit/http/header_fields.hpp"
#include "unit/http/time_points.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace fast_cache::http {
namespace {

using namespace std::chrono_literals;

using test::fields;
using test::fields_lookup;

// A request built from a method, a target and headers, as an adapter would.
struct fake_request {
  std::string method = "GET";
  std::string target = "/";
  fields headers;
  std::string body;

  std::vector<query_param> params;
  fields_lookup lookup{&headers};
  request_view view() {
    const auto [path, query] = split_target(target);
    params = parse_query(query);
    lookup = {&headers};
    return {.method = method, .path = path, .query = params, .headers = lookup, .body = body};
  }
};

fake_request get(std::string target, fields headers = {}) { return {"GET", std::move(target), std::move(headers)}; }

// A route key: the route key space, the escaped namespace, the rest.
std::string route_key(std::string_view ns, std::string_view rest) {
  return std::string(route_key_prefix) + escape_key_part(ns) + ":" + std::string(rest);
}

using test::at;

TEST(Plan, KeyHasMethodPathAndSortedQuery) {
  route_cache rc({.expire = 60s});
  auto a = get("/expensive?x=2&b=1&a=3");
  auto b = get("/expensive?a=3&x=2&b=1");
  const cache_plan p = rc.plan(a.view());
  EXPECT_EQ(p.action, cache_action::lookup);
  EXPECT_EQ(p.key, route_key("", "GET /expensive?a=3&b=1&x=2"));
  EXPECT_EQ(rc.plan(b.view()).key, p.key);
}

TEST(Plan, KeyDropsSkipCacheAndEscapesDelimiters) {
  route_cache rc({});
  auto r = get("/p?x=1&skip_cache=false");
  EXPECT_EQ(rc.default_key(r.view()), "GET /p?x=1");
  auto tricky = get("/p?a=1%26b%3D2");
  auto split = get("/p?a=1&b=2");
  EXPECT_EQ(rc.default_key(tricky.view()), "GET /p?a=1%26b%3D2");
  EXPECT_NE(rc.plan(tricky.view()).key, rc.plan(split.view()).key);
  auto decoded = get("/p?a=%41");
  auto plain = get("/p?a=A");
  EXPECT_EQ(rc.plan(decoded.view()).key, rc.plan(plain.view()).key);
}

TEST(Plan, SameNameParametersKeepTheirOrder) {
  // A handler reading the first x answers differently: the keys must differ.
  route_cache rc({});
  auto n_first = get("/expensive?x=5&x=1");
  auto one_first = get("/expensive?x=1&x=5");
  EXPECT_EQ(rc.default_key(n_first.view()), "GET /expensive?x=5&x=1");
  EXPECT_NE(rc.plan(n_first.view()).key, rc.plan(one_first.view()).key);
  // Other names still sort, and same-name values travel with their name.
  auto mixed = get("/p?b=2&x=5&a=1&x=1");
  EXPECT_EQ(rc.default_key(mixed.view()), "GET /p?a=1&b=2&x=5&x=1");
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
  EXPECT_EQ(rc.plan(r.view()).key, "%http:special:custom:7");
  route_cache ns_only({.namespace_ = "ns"});
  EXPECT_EQ(ns_only.plan(r.view()).key, "%http:ns:GET /custom?x=7");
}

TEST(Plan, RouteKeysLiveApartFromEveryOtherKey) {
  route_cache rc({});
  auto r = get("/expensive?x=777");
  const std::string key = rc.plan(r.view()).key;
  EXPECT_NE(key, "GET /expensive?x=777") << "a key written by hand does not reach the route";
  EXPECT_TRUE(key.starts_with("%http:"));
  // Function keys and namespaces are escaped: none starts with "%h".
  EXPECT_FALSE(namespaced_key("%http", "x").starts_with("%http:"));
  EXPECT_FALSE(default_key("%http").starts_with("%http:"));
  // Namespaces holding the separator do not meet.
  route_cache a({.namespace_ = "a:b"});
  route_cache b({.namespace_ = "a", .key_builder = [](const request_view&) { return std::string("b:GET /p"); }});
  auto p = get("/p");
  EXPECT_NE(a.plan(p.view()).key, b.plan(p.view()).key);
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
  EXPECT_EQ(with_post.default_key(post.view()), "POST /p#" + make_etag(""));
}

TEST(Plan, BodiesAreKeyedForMethodsWithBodies) {
  route_cache rc({.methods = {"POST"}});
  fake_request one{"POST", "/sum", {}, "[1,2]"};
  fake_request other{"POST", "/sum", {}, "[3,4]"};
  fake_request again{"POST", "/sum", {}, "[1,2]"};
  EXPECT_NE(rc.plan(one.view()).key, rc.plan(other.view()).key);
  EXPECT_EQ(rc.plan(one.view()).key, rc.plan(again.view()).key);
  EXPECT_EQ(rc.default_key(one.view()), "POST /sum#" + make_etag("[1,2]"));
  // A GET's body has no meaning and is not keyed.
  fake_request get_with_body{"GET", "/sum", {}, "[1,2]"};
  EXPECT_EQ(rc.default_key(get_with_body.view()), "GET /sum");
  // A key_builder is given the body and decides.
  route_cache built(
      {.key_builder = [](const request_view& r) { return "sum:" + std::string(r.body); }, .methods = {"POST"}});
  EXPECT_EQ(built.plan(one.view()).key, "%http::sum:[1,2]");
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
  EXPECT_EQ(rc.default_key(en.view()), "GET /p;accept-language=en");
  EXPECT_NE(rc.plan(en.view()).key, rc.plan(de.view()).key);
  EXPECT_EQ(rc.default_key(none.view()), "GET /p");
  route_cache built({.key_builder = [](const request_view&) { return std::string("k"); }, .vary = {"accept-language"}});
  EXPECT_EQ(built.plan(en.view()).key, "%http::k;accept-language=en");
  // Every field of a repeated header counts.
  auto two_fields = get("/p", {{"accept-language", "en"}, {"accept-language", "de"}});
  EXPECT_EQ(rc.default_key(two_fields.view()), "GET /p;accept-language=en, de");
}

TEST(Plan, EveryCacheControlFieldIsRead) {
  auto r = get("/p", {{"cache-control", "max-age=0"}, {"Cache-Control", "no-cache"}});
  EXPECT_EQ(route_cache({.allow_no_cache = true}).plan(r.view()).action, cache_action::refresh);
  auto no_store = get("/p", {{"cache-control", "max-age=5"}, {"cache-control", "no-store"}});
  const cache_plan p = route_cache({}).plan(no_store.view());
  EXPECT_EQ(p.action, cache_action::lookup) << "a stored response may still answer";
  EXPECT_FALSE(p.may_store()) << "but nothing of this exchange is stored";
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

TEST(DecideStore, TwoHundredsOnlyByDefault) {
  route_cache rc({});
  const fields none;
  const fields_lookup h{&none};
  EXPECT_TRUE(rc.decide_store(200, h, 60s).store);
  EXPECT_TRUE(rc.decide_store(203, h, 60s).store);
  EXPECT_TRUE(rc.decide_store(204, h, 60s).store);
  EXPECT_FALSE(rc.decide_store(201, h, 60s).store) << "reports an action, not a representation";
  EXPECT_FALSE(rc.decide_store(202, h, 60s).store);
  EXPECT_FALSE(rc.decide_store(206, h, 60s).store) << "a part never answers a request for the whole";
  EXPECT_FALSE(rc.decide_store(301, h, 60s).store);
  EXPECT_FALSE(rc.decide_store(404, h, 60s).store);
  EXPECT_FALSE(rc.decide_store(422, h, 60s).store);
  EXPECT_FALSE(rc.decide_store(500, h, 60s).store);
  route_cache with_404({.store_status = [](unsigned s) { return s == 200 || s == 404; }});
  EXPECT_TRUE(with_404.decide_store(404, h, 60s).store);
  EXPECT_FALSE(with_404.decide_store(201, h, 60s).store);
}

bool stores(const route_cache& rc, fields response) {
  return rc.decide_store(200, fields_lookup{&response}, 60s).store;
}

TEST(DecideStore, TheHandlersDirectivesAreRespected) {
  route_cache rc({});
  EXPECT_FALSE(stores(rc, {{"Set-Cookie", "a=1"}}));
  EXPECT_FALSE(stores(rc, {{"Cache-Control", "no-store"}}));
  EXPECT_FALSE(stores(rc, {{"Cache-Control", "private, max-age=5"}}));
  EXPECT_FALSE(stores(rc, {{"Cache-Control", "no-cache"}}));
  EXPECT_FALSE(stores(rc, {{"Cache-Control", "max-age=5"}, {"Cache-Control", "no-store"}})) << "second field";
  EXPECT_FALSE(stores(rc, {{"Cache-Control", "max-age=0"}}));
  EXPECT_TRUE(stores(rc, {{"Cache-Control", "public, max-age=5"}}));
  EXPECT_TRUE(stores(rc, {{"Cache-Control", "must-revalidate"}}));
}

TEST(DecideStore, LifetimeIsTheShorterOfRouteAndHandler) {
  const auto lifetime = [](const route_cache& rc, fields response, expiry default_expire) {
    return rc.decide_store(200, fields_lookup{&response}, default_expire).lifetime;
  };
  EXPECT_EQ(lifetime(route_cache({.expire = 60s}), {}, 120s), 60s);
  EXPECT_EQ(lifetime(route_cache({}), {}, 120s), 120s);
  EXPECT_EQ(lifetime(route_cache({}), {}, std::nullopt), std::nullopt);
  EXPECT_EQ(lifetime(route_cache({.expire = 0s}), {}, 120s), std::nullopt);
  EXPECT_EQ(lifetime(route_cache({.expire = 60s}), {{"Cache-Control", "max-age=10"}}, 120s), 10s);
  EXPECT_EQ(lifetime(route_cache({.expire = 60s}), {{"Cache-Control", "max-age=600"}}, 120s), 60s);
  EXPECT_EQ(lifetime(route_cache({.expire = 60s}), {{"Cache-Control", "max-age=30, s-maxage=5"}}, 120s), 5s);
  EXPECT_EQ(lifetime(route_cache({.expire = 0s}), {{"Cache-Control", "max-age=\"7\""}}, 120s), 7s);
  EXPECT_EQ(lifetime(route_cache({.expire = 60s}), {{"Cache-Control", "max-age=bogus"}}, 120s), 60s);
}

TEST(DecideStore, VaryMustBeCoveredByTheKey) {
  EXPECT_FALSE(stores(route_cache({}), {{"Vary", "*"}}));
  EXPECT_FALSE(stores(route_cache({.vary = {"Accept-Language"}}), {{"Vary", "*"}}));
  EXPECT_FALSE(stores(route_cache({}), {{"Vary", "Accept-Language"}}));
  EXPECT_TRUE(stores(route_cache({.vary = {"accept-language"}}), {{"Vary", "Accept-Language"}}));
  EXPECT_FALSE(stores(route_cache({.vary = {"Accept-Language"}}), {{"Vary", "Accept-Language"}, {"Vary", "Origin"}}));
  EXPECT_TRUE(stores(route_cache({.vary = {"Origin", "Accept-Language"}}), {{"Vary", "accept-language, origin"}}));
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
  EXPECT_EQ(s.etag, e.etag);
  EXPECT_FALSE(s.age) << "max-age already counts down";
  EXPECT_TRUE(s.vary.empty());

  auto conditional = get("/p", {{"if-none-match", "\"other\", " + e.etag}});
  s = rc.hit(e, conditional.view(), at(1010));
  EXPECT_EQ(s.status, 304U);
  EXPECT_TRUE(s.not_modified);
  auto star = get("/p", {{"if-none-match", "*"}});
  EXPECT_TRUE(rc.hit(e, star.view(), at(1010)).not_modified);
  auto weak = get("/p", {{"if-none-match", "W/" + e.etag}});
  EXPECT_TRUE(rc.hit(e, weak.view(), at(1010)).not_modified) << "If-None-Match compares weakly";
  auto second_field = get("/p", {{"if-none-match", "\"a\""}, {"if-none-match", e.etag}});
  EXPECT_TRUE(rc.hit(e, second_field.view(), at(1010)).not_modified);
  auto stale_tag = get("/p", {{"if-none-match", "\"nope\""}});
  EXPECT_FALSE(rc.hit(e, stale_tag.view(), at(1010)).not_modified);
}

TEST(Serve, NotModifiedOnlyForStoredSuccess) {
  route_cache rc({.store_status = [](unsigned) { return true; }});
  for (const unsigned status : {301U, 404U, 500U}) {
    const entry e = make_entry(status, {}, "x", at(1000), 60s);
    auto r = get("/p", {{"if-none-match", e.etag}});
    const served_response s = rc.hit(e, r.view(), at(1001));
    EXPECT_FALSE(s.not_modified) << status;
    EXPECT_EQ(s.status, status);
  }
}

TEST(Serve, TheHandlersCacheControlIsKeptWithAnAge) {
  route_cache rc({.expire = 60s});
  const entry e = make_entry(200, {{"Cache-Control", "public, max-age=30, must-revalidate"}}, "x", at(1000), 30s);
  auto r = get("/p");
  const served_response s = rc.hit(e, r.view(), at(1012));
  EXPECT_TRUE(s.cache_control.empty()) << "nothing replaces the replayed directives";
  EXPECT_EQ(s.age, 12);
  const fields handler{{"Cache-Control", "public, max-age=30, must-revalidate"}};
  const served_response fresh = rc.miss(200, fields_lookup{&handler}, &e, r.view(), at(1000));
  EXPECT_TRUE(fresh.cache_control.empty());
  EXPECT_FALSE(fresh.age);
}

TEST(Serve, CredentialVaryingEntriesArePrivateAndVaryIsSent) {
  route_cache rc({.expire = 60s, .vary = {"Cookie"}});
  const entry e = make_entry(200, {}, "x", at(1000), 60s);
  auto r = get("/p", {{"cookie", "sid=1"}});
  served_response s = rc.hit(e, r.view(), at(1000));
  EXPECT_EQ(s.cache_control, "private, max-age=60");
  EXPECT_EQ(s.vary, "Cookie");
  const entry own = make_entry(200, {{"Cache-Control", "max-age=60"}}, "x", at(1000), 60s);
  EXPECT_EQ(rc.hit(own, r.view(), at(1000)).cache_control, "private, max-age=60");
  const entry explicit_public = make_entry(200, {{"Cache-Control", "public, max-age=60"}}, "x", at(1000), 60s);
  EXPECT_TRUE(rc.hit(explicit_public, r.view(), at(1000)).cache_control.empty()) << "the handler's word";
  // Vary goes out on responses that were not stored too, merged with the handler's own.
  const fields handler{{"Vary", "Origin"}};
  const served_response passed = rc.miss(500, fields_lookup{&handler}, nullptr, r.view(), at(1000));
  EXPECT_EQ(passed.vary, "Cookie, Origin");
  route_cache languages({.vary = {"Accept-Language"}});
  EXPECT_EQ(languages.hit(e, r.view(), at(1000)).cache_control, "max-age=60") << "not per user: shareable";
}

TEST(Serve, MissHeaders) {
  route_cache rc({.expire = 60s});
  const entry e = make_entry(200, {}, "body", at(1000), 60s);
  auto r = get("/p", {{"if-none-match", e.etag}});
  served_response stored = rc.miss(200, {}, &e, r.view(), at(1000));
  EXPECT_EQ(stored.x_cache, "MISS");
  EXPECT_EQ(stored.cache_control, "max-age=60");
  EXPECT_TRUE(stored.not_modified);
  served_response passed = rc.miss(500, {}, nullptr, r.view(), at(1000));
  EXPECT_EQ(passed.x_cache, "MISS");
  EXPECT_EQ(passed.status, 500U);
  EXPECT_TRUE(passed.cache_control.empty());
  EXPECT_TRUE(passed.etag.empty());
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
