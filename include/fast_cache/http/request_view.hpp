// A framework-free view of an HTTP request: what the response cache needs to decide.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fast_cache::http {

/// One query parameter, percent-decoded ('+' read as a space).
struct query_param {
  std::string name;
  std::string value;
};

/// The path and the raw query of an origin-form request target ("/a/b?x=1" -> "/a/b", "x=1").
struct split_target_result {
  std::string_view path;
  std::string_view query;
};
[[nodiscard]] split_target_result split_target(std::string_view target) noexcept;

/// Parses "a=1&b=x%20y" into decoded parameters, in request order. Empty pieces are skipped; a
/// parameter without '=' has an empty value. Malformed escapes are kept literally.
[[nodiscard]] std::vector<query_param> parse_query(std::string_view query);

/// Decodes %XX escapes, and '+' as a space when `plus_is_space`.
[[nodiscard]] std::string percent_decode(std::string_view text, bool plus_is_space = true);

/// Looks a header up by case-insensitive name: its value, or nullopt when absent. A non-owning
/// reference to a callable `std::optional<std::string_view>(std::string_view)`, cheap to copy;
/// the callable must outlive it.
class header_lookup {
 public:
  /// A request without headers.
  header_lookup() noexcept = default;

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, header_lookup> &&
           std::is_invocable_r_v<std::optional<std::string_view>, const F&, std::string_view>)
      header_lookup(const F& find)
  noexcept  // NOLINT(google-explicit-constructor): a view, like string_view
      : object_(&find), call_([](const void* object, std::string_view name) -> std::optional<std::string_view> {
          return (*static_cast<const F*>(object))(name);
        }) {}

  std::optional<std::string_view> operator()(std::string_view name) const {
    if (call_ == nullptr) return std::nullopt;
    return call_(object_, name);
  }

 private:
  const void* object_ = nullptr;
  std::optional<std::string_view> (*call_)(const void*, std::string_view) = nullptr;
};

/// What the cache core reads of a request. Views only: the adapter keeps the request alive.
struct request_view {
  /// Upper-case method token, e.g. "GET".
  std::string_view method;
  /// The path without the query, undecoded.
  std::string_view path;
  /// Decoded query parameters in request order (see parse_query).
  std::span<const query_param> query;
  /// The request's headers.
  header_lookup headers;

  /// The first value of query parameter `name`, or nullopt when absent.
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
    for (const query_param& p : query) {
      if (p.name == name) return std::string_view(p.value);
    }
    return std::nullopt;
  }
};

/// ASCII case-insensitive equality, for header names and tokens.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Whether a comma-separated header value (Cache-Control, Connection) holds `token`, ignoring case
/// and any "=argument".
[[nodiscard]] bool has_token(std::string_view list, std::string_view token) noexcept;

}  // namespace fast_cache::http
