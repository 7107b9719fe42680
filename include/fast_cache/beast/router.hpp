// Routing by method and path: exact paths through a hash map, `{name}` segments by a scan.
#pragma once

#include <fast_cache/beast/handler.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fast_cache::beast {

/// Maps (method, path pattern) to handlers. A pattern is a path whose segments may be `{name}`
/// placeholders (`/profile/{user_id}`); exact paths win over patterns. HEAD requests are routed to
/// GET handlers when the path has no HEAD handler. Not thread-safe for add(); find() may run
/// concurrently once routes are set.
class router {
 public:
  void add(http::verb method, std::string_view pattern, handler h);

  struct result {
    /// The handler, or null: then `path_found` tells 405 (path known, method not) from 404.
    const handler* target = nullptr;
    bool path_found = false;
    /// For 405: the methods the path accepts, as an Allow header value.
    std::string allow;
    std::vector<path_capture> params;
  };
  /// The handler for method and path; params view into path and the stored patterns.
  [[nodiscard]] result find(http::verb method, std::string_view path) const;

 private:
  struct route {
    std::vector<std::pair<http::verb, handler>> handlers;
  };
  struct pattern_route {
    std::vector<std::string> segments;  // literal, or "{name}"
    route methods;
  };
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  static result pick(const route& r, http::verb method);

  std::unordered_map<std::string, route, string_hash, std::equal_to<>> exact_;
  std::vector<pattern_route> patterns_;
};

}  // namespace fast_cache::beast
