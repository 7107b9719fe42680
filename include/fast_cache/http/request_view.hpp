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

/// Receives the values of the header fields that share one name, in message order. A non-owning
/// reference to a callable `void(std::string_view)`.
class field_sink {
 public:
  template <class V>
  requires(!std::is_same_v<std::remove_cvref_t<V>, field_sink>) field_sink(V& visit)
  noexcept  // NOLINT(google-explicit-constructor): a function reference
      : object_(&visit), call_([](void* object, std::string_view value) { (*static_cast<V*>(object))(value); }) {}

  void operator()(std::string_view value) const { call_(object_, value); }

 private:
  void* object_;
  void (*call_)(void*, std::string_view);
};

/// A request's (or response's) header fields by case-insensitive name. A non-owning reference,
/// cheap to copy; the callable it is made from must outlive it. Made from either
/// - `void(std::string_view name, const field_sink& sink)`, calling sink with the value of every
///   field named `name` in order (what adapters give: a field may appear more than once), or
/// - `std::optional<std::string_view>(std::string_view name)`, for sources with one field per name.
class header_lookup {
 public:
  /// A message without headers.
  header_lookup() noexcept = default;

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, header_lookup> &&
           std::is_invocable_v<const F&, std::string_view, const field_sink&>) header_lookup(const F& fields)
  noexcept  // NOLINT(google-explicit-constructor): a view, like string_view
      : object_(&fields), each_([](const void* object, std::string_view name, const field_sink& sink) {
          (*static_cast<const F*>(object))(name, sink);
        }) {}

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, header_lookup> &&
           std::is_invocable_r_v<std::optional<std::string_view>, const F&, std::string_view>)
      header_lookup(const F& find)
  noexcept  // NOLINT(google-explicit-constructor): a view, like string_view
      : object_(&find), each_([](const void* object, std::string_view name, const field_sink& sink) {
          if (const auto value = (*static_cast<const F*>(object))(name)) sink(*value);
        }) {}

  /// The value of the first field named `name`, or nullopt when there is none.
  std::optional<std::string_view> operator()(std::string_view name) const {
    std::optional<std::string_view> first;
    each(name, [&](std::string_view value) {
      if (!first) first = value;
    });
    return first;
  }

  /// Calls visit(value) for each field named `name`, in order.
  template <class V>
  void each(std::string_view name, V&& visit) const {
    if (each_ != nullptr) each_(object_, name, field_sink(visit));
  }

  /// Every field named `name` as one value, joined by ", " (RFC 9110 section 5.3); nullopt when
  /// there is none.
  [[nodiscard]] std::optional<std::string> combined(std::string_view name) const;

  /// Whether any field named `name` lists `token` (see has_token below).
  [[nodiscard]] bool has_token(std::string_view name, std::string_view token) const;

 private:
  const void* object_ = nullptr;
  void (*each_)(const void*, std::string_view, const field_sink&) = nullptr;
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
  /// The request's body; empty for requests without one.
  std::string_view body{};

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

/// text without the spaces and tabs around it (a header list item's optional whitespace).
[[nodiscard]] std::string_view trim_whitespace(std::string_view text) noexcept;

/// Whether a comma-separated header value (Cache-Control, Connection) holds `token`, ignoring case
/// and any "=argument".
[[nodiscard]] bool has_token(std::string_view list, std::string_view token) noexcept;

}  // namespace fast_cache::http
