#include <fast_cache/beast/router.hpp>

#include <stdexcept>

namespace fast_cache::beast {

namespace {

// Splits "/a/{b}/c" into "a", "{b}", "c"; a trailing slash makes a last empty segment, so
// "/a/" and "/a" stay different routes.
std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_placeholder(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void router::add(http::verb method, std::string_view pattern, handler h) {
  if (!pattern.starts_with('/')) throw std::invalid_argument("route pattern must start with '/'");
  const std::vector<std::string_view> segments = segments_of(pattern);
  route* r = nullptr;
  bool has_placeholder = false;
  for (const auto s : segments) has_placeholder = has_placeholder || is_placeholder(s);
  if (!has_placeholder) {
    r = &exact_[std::string(pattern)];
  } else {
    for (auto& p : patterns_) {
      if (std::equal(p.segments.begin(), p.segments.end(), segments.begin(), segments.end())) r = &p.methods;
    }
    if (r == nullptr) r = &patterns_.emplace_back(pattern_route{{segments.begin(), segments.end()}, {}}).methods;
  }
  for (auto& [m, existing] : r->handlers) {
    if (m == method) {
      existing = std::move(h);
      return;
    }
  }
  r->handlers.emplace_back(method, std::move(h));
}

router::result router::pick(const route& r, http::verb method) {
  result out;
  out.path_found = true;
  const handler* get = nullptr;
  for (const auto& [m, h] : r.handlers) {
    if (m == method) {
      out.target = &h;
      return out;
    }
    if (m == http::verb::get) get = &h;
  }
  if (method == http::verb::head && get != nullptr) {
    out.target = get;
    return out;
  }
  for (const auto& [m, h] : r.handlers) {
    if (!out.allow.empty()) out.allow += ", ";
    const auto name = http::to_string(m);
    out.allow.append(name.data(), name.size());
    if (m == http::verb::get) out.allow += ", HEAD";
  }
  return out;
}

router::result router::find(http::verb method, std::string_view path) const {
  if (const auto it = exact_.find(path); it != exact_.end()) return pick(it->second, method);
  if (patterns_.empty()) return {};
  const std::vector<std::string_view> segments = segments_of(path);
  for (const auto& p : patterns_) {
    if (p.segments.size() != segments.size()) continue;
    std::vector<path_capture> params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string_view want = p.segments[i];
      if (is_placeholder(want)) {
        matched = !segments[i].empty();
        params.push_back({want.substr(1, want.size() - 2), segments[i]});
      } else {
        matched = want == segments[i];
      }
    }
    if (!matched) continue;
    result out = pick(p.methods, method);
    out.params = std::move(params);
    return out;
  }
  return {};
}

}  // namespace fast_cache::beast
