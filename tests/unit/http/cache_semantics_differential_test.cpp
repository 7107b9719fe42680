// fast_cache's store and serve decisions against http-cache-semantics (the RFC 9111 implementation
// most Node proxies use), as a shared cache, on generated request/response header combinations.
// Every disagreement must be one of the documented differences below (README: "Where the route
// cache differs from a shared cache"); everything else must agree.
#include "support/source_tree.hpp"

#include <fast_cache/http/route_cache.hpp>

#include "unit/http/header_fields.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace fast_cache::http {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

using test::fields;
using test::fields_lookup;

struct route_kind {
  const char* name;
  route_options options;
};

struct exchange {
  const route_kind* route;
  std::string method;
  std::string target;
  fields request;
  unsigned status;
  fields response;
};

struct decision {
  bool storable = false;
  bool servable = false;
  bool operator==(const decision&) const = default;
};

const std::vector<route_kind>& routes() {
  static const std::vector<route_kind> all = {
      {"default", {.expire = 60s}},
      {"vary Accept-Language", {.expire = 60s, .vary = {"Accept-Language"}}},
      {"POST cached", {.expire = 60s, .methods = {"POST"}}},
      {"allow_no_cache", {.expire = 60s, .allow_no_cache = true}},
  };
  return all;
}

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

exchange random_exchange(std::mt19937_64& rng) {
  static const std::vector<std::string> methods = {"GET", "GET", "GET", "HEAD", "POST"};
  static const std::vector<fields> request_headers = {
      {},
      {},
      {{"authorization", "Bearer t"}},
      {{"cookie", "sid=1"}},
      {{"cache-control", "no-cache"}},
      {{"pragma", "no-cache"}},
      {{"cache-control", "no-store"}},
      {{"cache-control", "max-age=0"}},
      {{"cache-control", "min-fresh=3600"}},
      {{"accept-language", "de"}},
  };
  static const std::vector<unsigned> statuses = {200, 200, 200, 201, 203, 204, 206, 301, 404, 500};
  static const std::vector<fields> cache_controls = {
      {},
      {},
      {{"cache-control", "max-age=30"}},
      {{"cache-control", "max-age=0"}},
      {{"cache-control", "s-maxage=20, max-age=5"}},
      {{"cache-control", "public"}},
      {{"cache-control", "public, max-age=30"}},
      {{"cache-control", "private, max-age=30"}},
      {{"cache-control", "no-store"}},
      {{"cache-control", "no-cache"}},
      {{"cache-control", "must-revalidate"}},
      {{"cache-control", "max-age=30"}, {"cache-control", "no-store"}},
  };
  static const std::vector<fields> others = {
      {},
      {},
      {{"vary", "Accept-Language"}},
      {{"vary", "*"}},
      {{"vary", "Origin"}},
      {{"set-cookie", "a=1"}},
      {{"expires", "Thu, 01 Jan 1970 00:00:00 GMT"}},
  };
  exchange e{&pick(rng, routes()), pick(rng, methods), "/r?x=1", pick(rng, request_headers), pick(rng, statuses), {}};
  for (const auto& f : pick(rng, cache_controls)) e.response.push_back(f);
  for (const auto& f : pick(rng, others)) e.response.push_back(f);
  return e;
}

decision ours(const exchange& e) {
  const route_cache rc(e.route->options);
  const auto [path, query] = split_target(e.target);
  const std::vector<query_param> params = parse_query(query);
  const fields_lookup request_fields{&e.request};
  const request_view view{.method = e.method, .path = path, .query = params, .headers = request_fields};
  const cache_plan plan = rc.plan(view);
  decision d;
  d.storable = plan.may_store() && rc.decide_store(e.status, fields_lookup{&e.response}, std::nullopt).store;
  // The same request again, at once: answered from the entry when it reads the backend.
  d.servable = d.storable && plan.action == cache_action::lookup;
  return d;
}

json::object to_json(const exchange& e) {
  const auto headers = [](const fields& all) {
    // One value per name, as Node's http module gives: repeated fields joined with ", ".
    json::object out;
    for (const auto& [name, value] : all) {
      auto it = out.find(name);
      if (it == out.end()) {
        out[name] = value;
      } else {
        it->value() = std::string(it->value().as_string()) + ", " + value;
      }
    }
    return out;
  };
  json::object request = headers(e.request);
  request["host"] = "example.test";
  return {{"method", e.method},
          {"url", e.target},
          {"request_headers", std::move(request)},
          {"status", e.status},
          {"response_headers", headers(e.response)}};
}

bool has(const fields& all, std::string_view name, std::string_view token = {}) {
  for (const auto& [k, v] : all) {
    if (iequals(k, name) && (token.empty() || has_token(v, token))) return true;
  }
  return false;
}

bool states_freshness(const exchange& e) {
  return has(e.response, "cache-control", "max-age") || has(e.response, "cache-control", "s-maxage") ||
         has(e.response, "expires");
}

// The documented difference that explains a disagreement, or null when none does. Each names the
// direction it allows, so a difference the other way still fails.
const char* documented_difference(const exchange& e, const decision& o, const decision& t) {
  const bool ours_more = (o.storable && !t.storable) || (o.servable && !t.servable);
  const bool theirs_more = (t.storable && !o.storable) || (t.servable && !o.servable);
  if (ours_more && theirs_more) return nullptr;
  if (ours_more) {
    // The route's .expire is the origin's statement of freshness: heuristics and statuses a
    // shared cache may not store without explicit freshness (201, POST) do not apply.
    if (!states_freshness(e) || has(e.response, "expires")) return "the route's expire is explicit freshness";
    // A client cannot make the origin's own cache miss (unless the route allows no-cache), nor
    // ask for more freshness than the origin gives (min-fresh, or a max-age the entry's age has
    // reached: with max-age=0 that depends on whether the clock ticked a second since storing).
    if (has(e.request, "cache-control", "no-cache") || has(e.request, "pragma", "no-cache") ||
        has(e.request, "cache-control", "min-fresh") || has(e.request, "cache-control", "max-age"))
      return "request directives do not bypass the origin's cache";
    return nullptr;
  }
  // Stricter than a shared cache:
  const unsigned s = e.status;
  if (e.route->options.store_status == nullptr && s != 200 && s != 203 && s != 204) return "200, 203 and 204 only";
  if (has(e.request, "authorization") || has(e.request, "cookie")) return "credentialed requests pass";
  if (has(e.response, "set-cookie")) return "Set-Cookie is never stored";
  if (e.method == "POST" && e.route->options.methods.empty()) return "methods with bodies are opt-in per route";
  if (!t.servable) return "not stored when it could not be served without revalidation";
  if (has(e.response, "vary")) return "a Vary the route does not vary on is not stored";
  return nullptr;
}

TEST(CacheSemanticsDifferential, DecisionsMatchHttpCacheSemanticsExceptDocumentedDifferences) {
  if (const auto missing = fast_cache::test::node_package_missing("http-cache-semantics")) GTEST_SKIP() << *missing;
  std::mt19937_64 rng(20261203);
  std::vector<exchange> exchanges;
  json::array input;
  for (int i = 0; i < 3000; ++i) {
    exchanges.push_back(random_exchange(rng));
    input.push_back(to_json(exchanges.back()));
  }
  const json::value answers = fast_cache::test::run_node_script(
      fast_cache::test::source_dir() / "tests" / "unit" / "http" / "cache_semantics.mjs", input);
  ASSERT_EQ(answers.as_array().size(), exchanges.size());

  std::map<std::string, int> differences;
  int agreed = 0;
  int agreed_serving = 0;
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    const exchange& e = exchanges[i];
    const json::object& a = answers.as_array()[i].as_object();
    const decision theirs{a.at("storable").as_bool(), a.at("servable").as_bool()};
    const decision mine = ours(e);
    if (mine == theirs) {
      ++agreed;
      agreed_serving += mine.servable ? 1 : 0;
      continue;
    }
    const char* why = documented_difference(e, mine, theirs);
    EXPECT_NE(why, nullptr) << "undocumented difference on route '" << e.route->name << "': " << to_json(e)
                            << " ours storable=" << mine.storable << " servable=" << mine.servable
                            << ", http-cache-semantics storable=" << theirs.storable << " servable=" << theirs.servable;
    if (why != nullptr) ++differences[why];
  }
  for (const auto& [why, count] : differences) std::printf("  %5d  %s\n", count, why.c_str());
  std::printf("  %5d  agreed (%d of them served from the cache by both)\n", agreed, agreed_serving);
  // The corpus must exercise agreement on both sides, not only differences.
  EXPECT_GT(agreed, 600);
  EXPECT_GT(agreed_serving, 40);
}

}  // namespace
}  // namespace fast_cache::http
