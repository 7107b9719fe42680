#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include <utility>

namespace fast_cache::http {

namespace {

// The key's own delimiters, as a table: every request's key is built from its path and query.
constexpr std::array<bool, 256> key_delimiters = [] {
  std::array<bool, 256> table{};
  for (const char c : std::string_view("%&=;#?")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Escapes the key's own delimiters so that distinct requests never build the same key. Runs
// without one are appended whole, not a character at a time.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!key_delimiters[c]) continue;
    const char escaped[] = {'%', hex[c >> 4], hex[c & 0x0f]};
    out.append(text.data() + run, i - run).append(escaped, sizeof escaped);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

// Appends `name` and then `value`'s digits: Cache-Control is built on every hit, and this makes
// no temporary string.
void append_number(std::string& out, std::string_view name, std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  out.append(name).append(digits, static_cast<std::size_t>(end - digits));
}

bool is_credential_header(std::string_view name) noexcept {
  return iequals(name, "authorization") || iequals(name, "cookie");
}

void append_vary(std::string& key, const std::vector<std::string>& vary, const request_view& request) {
  for (const std::string& name : vary) {
    if (const auto value = request.headers.combined(name)) {
      key += ';';
      append_escaped(key, name);
      key += '=';
      append_escaped(key, is_credential_header(name) ? make_etag(*value) : *value);
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

// Calls f(item) for each non-empty item of the comma-separated lists in every field `name`.
template <class F>
void each_list_item(header_lookup headers, std::string_view name, F f) {
  headers.each(name, [&](std::string_view list) {
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view item = trim_whitespace(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (!item.empty()) f(item);
    }
  });
}

// The seconds of a `directive=N` in Cache-Control (quotes allowed, as RFC 9111 section 5.2 asks
// recipients to accept); nullopt when absent or malformed.
std::optional<std::int64_t> directive_seconds(header_lookup headers, std::string_view directive) {
  std::optional<std::int64_t> out;
  each_list_item(headers, "cache-control", [&](std::string_view item) {
    const auto eq = item.find('=');
    if (out || eq == std::string_view::npos || !iequals(trim_whitespace(item.substr(0, eq)), directive)) return;
    std::string_view value = trim_whitespace(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) out = seconds;
  });
  return out;
}

}  // namespace

bool is_truthy(std::string_view value) noexcept { return value == "1" || iequals(value, "true"); }

route_cache::route_cache(route_options options)
    : options_(std::move(options)),
      freshness_{options_.stale_while_revalidate, options_.stale_if_error, options_.early_refresh_beta} {
  for (const std::string& name : options_.vary) {
    vary_lower_.push_back(to_lower(name));
    varies_on_credentials_ = varies_on_credentials_ || is_credential_header(name);
  }
}

bool route_cache::varies_on(std::string_view header) const noexcept {
  return std::any_of(vary_lower_.begin(), vary_lower_.end(), [&](const std::string& v) { return iequals(v, header); });
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
  if (options_.allow_no_cache && request.headers.has_token("cache-control", "no-cache")) {
    plan.action = cache_action::refresh;
  }
  plan.store = !request.headers.has_token("cache-control", "no-store");
  // One allocation for the usual key: prefix, namespace, method, path and a few parameters.
  plan.key.reserve(128);
  plan.key = route_key_prefix;
  plan.key += escape_key_part(options_.namespace_);
  plan.key += ':';
  if (options_.key_builder) {
    plan.key += options_.key_builder(request);
    append_vary(plan.key, vary_lower_, request);
  } else {
    append_default_key(plan.key, request);
  }
  if (options_.tags) plan.tag_keys = fast_cache::detail::tag_keys(options_.tags(request));
  return plan;
}

std::string route_cache::default_key(const request_view& request) const {
  std::string key;
  key.reserve(64);
  append_default_key(key, request);
  return key;
}

void route_cache::append_default_key(std::string& key, const request_view& request) const {
  // On the stack for the queries of most requests: this runs on every cached hit.
  boost::container::small_vector<const query_param*, 8> params;
  for (const query_param& p : request.query) {
    if (p.name != "skip_cache") params.push_back(&p);
  }
  // By name only, and stable: `x=1&x=2` and `x=2&x=1` are different requests to a handler that
  // reads the first x. A query already in order (one parameter, most often) skips stable_sort's
  // buffer allocation.
  const auto by_name = [](const query_param* a, const query_param* b) { return a->name < b->name; };
  if (!std::is_sorted(params.begin(), params.end(), by_name)) std::stable_sort(params.begin(), params.end(), by_name);
  // HEAD is answered from GET's entry: the same representation without the body.
  const bool bodiless = request.method == "GET" || request.method == "HEAD";
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
  append_vary(key, vary_lower_, request);
  if (!bodiless) {
    key += '#';
    key += make_etag(request.body);
  }
}

store_decision route_cache::decide_store(unsigned status, header_lookup response_headers, expiry default_expire) const {
  // By default the successes that are a representation of the resource (RFC 9110 section 15.3:
  // those cacheable by default): not 201 or 202, which report an action, nor 206, a part that
  // must never answer a request for the whole.
  const bool status_ok =
      options_.store_status ? options_.store_status(status) : (status == 200 || status == 203 || status == 204);
  if (!status_ok || response_headers("set-cookie")) return {};
  for (const std::string_view refused : {"no-store", "private", "no-cache"}) {
    if (response_headers.has_token("cache-control", refused)) return {};
  }
  // A Vary the key does not cover would serve one variant to every request: not stored.
  bool covered = true;
  each_list_item(response_headers, "vary", [&](std::string_view name) { covered = covered && varies_on(name); });
  if (!covered) return {};

  store_decision decision{true, effective_expiry(options_.expire, default_expire)};
  auto own = directive_seconds(response_headers, "s-maxage");
  if (!own) own = directive_seconds(response_headers, "max-age");
  if (own) {
    if (*own == 0) return {};
    const duration handler_lifetime = std::chrono::seconds(*own);
    if (!decision.lifetime || handler_lifetime < *decision.lifetime) decision.lifetime = handler_lifetime;
  }
  return decision;
}

served_response route_cache::hit(const entry& e, const request_view& request, clock::time_point now, bool stale) const {
  const auto find = [&](std::string_view name, const field_sink& sink) {
    for (const header_field& h : e.headers) {
      if (iequals(h.name, name)) sink(h.value);
    }
  };
  served_response out = served(e, find, request, now, true, stale);
  out.x_cache = stale ? "STALE" : "HIT";
  return out;
}

bool route_cache::is_failure(unsigned status) const {
  return options_.failure_status ? options_.failure_status(status) : status >= 500;
}

served_response route_cache::miss(unsigned status, header_lookup response_headers, const entry* stored,
                                  const request_view& request, clock::time_point now) const {
  if (stored != nullptr) return served(*stored, response_headers, request, now, false, false);
  served_response out;
  out.status = status;
  out.x_cache = "MISS";
  // Vary is sent whether or not this response was stored: a downstream cache must know.
  if (!options_.vary.empty()) out.vary = merged_vary(response_headers);
  return out;
}

std::string route_cache::merged_vary(header_lookup response_headers) const {
  std::string vary;
  const auto add = [&](std::string_view name) {
    if (!vary.empty()) vary += ", ";
    vary += name;
  };
  for (const std::string& name : options_.vary) add(name);
  each_list_item(response_headers, "vary", [&](std::string_view name) {
    if (!varies_on(name)) add(name);
  });
  return vary;
}

served_response route_cache::served(const entry& e, header_lookup headers, const request_view& request,
                                    clock::time_point now, bool replayed, bool stale) const {
  served_response out;
  out.status = e.status;
  out.x_cache = "MISS";
  out.etag = e.etag;

  const std::optional<std::string> own = headers.combined("cache-control");
  if (!own) {
    if (varies_on_credentials_) out.cache_control = "private, ";
    append_number(out.cache_control, "max-age=", max_age(e, now));
    // RFC 5861: downstream caches may do as this one does, for what is left of each window.
    const std::int64_t now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::int64_t stale_for = e.expires_at == 0 ? 0 : std::max<std::int64_t>(0, now_s - e.expires_at);
    const auto window_left = [&](duration window) {
      return std::chrono::duration_cast<std::chrono::seconds>(window).count() - stale_for;
    };
    if (window_left(options_.stale_while_revalidate) > 0)
      append_number(out.cache_control, ", stale-while-revalidate=", window_left(options_.stale_while_revalidate));
    if (window_left(options_.stale_if_error) > 0)
      append_number(out.cache_control, ", stale-if-error=", window_left(options_.stale_if_error));
    if (stale) out.age = age(e, now);  // already stale: max-age=0 and an Age cannot be misread
  } else {
    // The handler's directives are kept; a per-user entry is marked private unless the handler
    // said otherwise, so that no shared cache hands it to another user.
    if (varies_on_credentials_ && !headers.has_token("cache-control", "private") &&
        !headers.has_token("cache-control", "public")) {
      out.cache_control = "private, " + *own;
    }
    if (replayed) out.age = age(e, now);
  }

  out.vary = merged_vary(headers);

  if (e.status >= 200 && e.status < 300 && !e.etag.empty()) {
    bool matched = false;
    request.headers.each("if-none-match",
                         [&](std::string_view list) { matched = matched || etag_matches(list, e.etag); });
    if (matched) {
      out.status = 304;
      out.not_modified = true;
    }
  }
  return out;
}

}  // namespace fast_cache::http
