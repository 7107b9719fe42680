#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <algorithm>
#include <tuple>
#include <utility>

namespace fast_cache::http {

namespace {

// Escapes the key's own delimiters so that distinct queries never build the same key.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (const char c : text) {
    if (c == '%' || c == '&' || c == '=' || c == ';') {
      out.push_back('%');
      out.push_back(hex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(hex[static_cast<unsigned char>(c) & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
}

bool is_credential_header(std::string_view name) noexcept {
  return iequals(name, "authorization") || iequals(name, "cookie");
}

void append_vary(std::string& key, const std::vector<std::string>& vary, const request_view& request) {
  for (const std::string& name : vary) {
    if (const auto value = request.headers(name)) {
      key += ';';
      key += name;
      key += '=';
      append_escaped(key, is_credential_header(name) ? make_etag(*value) : std::string(*value));
    }
  }
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

bool is_truthy(std::string_view value) noexcept { return value == "1" || iequals(value, "true"); }

route_cache::route_cache(route_options options) : options_(std::move(options)) {
  // Lower-cased once so that keys do not depend on how the route spelled a header name.
  for (std::string& name : options_.vary) name = to_lower(name);
}

bool route_cache::varies_on(std::string_view header) const noexcept {
  return std::any_of(options_.vary.begin(), options_.vary.end(),
                     [&](const std::string& v) { return iequals(v, header); });
}

bool route_cache::caches_method(std::string_view method) const noexcept {
  if (method == "GET" || method == "HEAD") return true;
  return std::find(options_.methods.begin(), options_.methods.end(), method) != options_.methods.end();
}

cache_plan route_cache::plan(const request_view& request) const {
  if (!caches_method(request.method)) return {};
  if (const auto skip = request.param("skip_cache"); skip && is_truthy(*skip)) return {};
  for (const std::string_view credential : {std::string_view("authorization"), std::string_view("cookie")}) {
    if (request.headers(credential) && !varies_on(credential)) return {};
  }
  cache_plan plan;
  plan.action = cache_action::lookup;
  if (options_.allow_no_cache) {
    if (const auto cc = request.headers("cache-control"); cc && has_token(*cc, "no-cache")) {
      plan.action = cache_action::refresh;
    }
  }
  if (!options_.namespace_.empty()) {
    plan.key = options_.namespace_;
    plan.key += ':';
  }
  if (options_.key_builder) {
    plan.key += options_.key_builder(request);
    append_vary(plan.key, options_.vary, request);
  } else {
    plan.key += default_key(request);
  }
  return plan;
}

std::string route_cache::default_key(const request_view& request) const {
  std::vector<const query_param*> params;
  params.reserve(request.query.size());
  for (const query_param& p : request.query) {
    if (p.name != "skip_cache") params.push_back(&p);
  }
  std::sort(params.begin(), params.end(), [](const query_param* a, const query_param* b) {
    return std::tie(a->name, a->value) < std::tie(b->name, b->value);
  });
  std::string key;
  key.reserve(64);
  // HEAD is answered from GET's entry: the same representation without the body.
  key += request.method == "HEAD" ? std::string_view("GET") : request.method;
  key += ' ';
  append_escaped(key, request.path);
  char separator = '?';
  for (const query_param* p : params) {
    key += separator;
    separator = '&';
    append_escaped(key, p->name);
    key += '=';
    append_escaped(key, p->value);
  }
  append_vary(key, options_.vary, request);
  return key;
}

bool route_cache::storable(unsigned status, header_lookup response_headers) const {
  const bool status_ok = options_.store_status ? options_.store_status(status) : (status >= 200 && status < 300);
  if (!status_ok) return false;
  if (response_headers("set-cookie")) return false;
  if (const auto cc = response_headers("cache-control")) {
    if (has_token(*cc, "no-store") || has_token(*cc, "private")) return false;
  }
  return true;
}

served_response route_cache::hit(const entry& e, const request_view& request, clock::time_point now) const {
  served_response out = miss(e.status, &e, request, now);
  out.x_cache = "HIT";
  return out;
}

served_response route_cache::miss(unsigned status, const entry* stored, const request_view& request,
                                  clock::time_point now) const {
  served_response out;
  out.status = status;
  out.x_cache = "MISS";
  if (stored == nullptr) return out;
  out.cache_control = "max-age=" + std::to_string(max_age(*stored, now));
  if (const auto inm = request.headers("if-none-match"); inm && etag_matches(*inm, stored->etag)) {
    out.status = 304;
    out.not_modified = true;
  }
  return out;
}

}  // namespace fast_cache::http
