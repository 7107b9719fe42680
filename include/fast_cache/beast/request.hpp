// What a route handler receives: the Beast message with its target parsed once, typed access to
// query and path parameters, and the Cache of the application.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/http/request_view.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <charconv>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace fast_cache::beast {

namespace http = boost::beast::http;

using message = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// A missing or malformed request parameter. The server answers 422 with a JSON body naming it:
/// `{"detail":[{"loc":["query","x"],"msg":"...","type":"..."}]}`.
class parameter_error : public std::invalid_argument {
 public:
  parameter_error(std::string location, std::string name, std::string type, const std::string& message)
      : std::invalid_argument(message),
        location_(std::move(location)),
        name_(std::move(name)),
        type_(std::move(type)) {}
  /// "query" or "path".
  [[nodiscard]] const std::string& location() const noexcept { return location_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// "missing", "int_parsing", "float_parsing" or "bool_parsing".
  [[nodiscard]] const std::string& type() const noexcept { return type_; }

 private:
  std::string location_;
  std::string name_;
  std::string type_;
};

/// A path parameter captured by a `{name}` segment of the route pattern, undecoded.
struct path_capture {
  std::string_view name;
  std::string_view value;
};

/// Parses a parameter's text as T: std::string, an integer, a floating-point type or bool
/// ("true"/"1"/"false"/"0"); nullopt when it does not fit.
template <class T>
std::optional<T> parse_parameter(std::string_view text) {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(text);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (text == "1" || fast_cache::http::iequals(text, "true")) return true;
    if (text == "0" || fast_cache::http::iequals(text, "false")) return false;
    return std::nullopt;
  } else {
    static_assert(std::is_arithmetic_v<T>, "parse_parameter: unsupported type");
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
  }
}

/// An HTTP request as a handler sees it. Lives for the whole request (a handler may keep
/// references into it until its response is returned); neither copyable nor movable because
/// views point into it.
class request {
 public:
  /// Parses msg's target. `cache` is what cached routes and handlers use for this request.
  request(message msg, Cache& cache);
  request(const request&) = delete;
  request& operator=(const request&) = delete;

  /// The Beast message (method, target, headers, body).
  [[nodiscard]] const message& msg() const noexcept { return message_; }
  [[nodiscard]] http::verb method() const noexcept { return message_.method(); }
  /// The target's path, undecoded.
  [[nodiscard]] std::string_view path() const noexcept { return path_; }
  /// Decoded query parameters, in request order.
  [[nodiscard]] std::span<const fast_cache::http::query_param> query() const noexcept { return query_; }
  /// A header's (first field's) value, or nullopt when absent (case-insensitive name).
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  /// The Cache of the application (see fast_cache_init_app), for `get_cache()`.
  [[nodiscard]] Cache& cache() const noexcept { return *cache_; }

  /// Required query parameter `name` as T; throws parameter_error when absent or malformed.
  template <class T = std::string>
  [[nodiscard]] T query(std::string_view name) const {
    return required<T>("query", name, find_query(name));
  }
  /// Optional query parameter: nullopt when absent; throws parameter_error when malformed.
  template <class T = std::string>
  [[nodiscard]] std::optional<T> optional_query(std::string_view name) const {
    const auto text = find_query(name);
    if (!text) return std::nullopt;
    return required<T>("query", name, text);
  }
  /// Path parameter `name` (a `{name}` segment of the route) as T; throws parameter_error when
  /// malformed.
  template <class T = std::string>
  [[nodiscard]] T path_param(std::string_view name) const {
    return required<T>("path", name, find_path_param(name));
  }

  /// A copy owning its message, for work that outlives this request (a background refresh).
  [[nodiscard]] std::shared_ptr<const request> clone() const;

  /// The framework-free view the cache core reads.
  [[nodiscard]] fast_cache::http::request_view view() const noexcept;

  /// Set by the router when the route pattern has `{name}` segments; values are percent-decoded.
  void set_path_params(std::span<const path_capture> params);

 private:
  struct header_finder {
    const message* msg;
    void operator()(std::string_view name, const fast_cache::http::field_sink& sink) const;
  };

  [[nodiscard]] std::optional<std::string_view> find_query(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<std::string_view> find_path_param(std::string_view name) const noexcept;

  template <class T>
  static T required(const char* location, std::string_view name, std::optional<std::string_view> text) {
    if (!text) throw parameter_error(location, std::string(name), "missing", "Field required");
    if (auto value = parse_parameter<T>(*text)) return std::move(*value);
    throw_malformed(location, name,
                    std::is_same_v<T, bool>       ? "bool_parsing"
                    : std::is_floating_point_v<T> ? "float_parsing"
                                                  : "int_parsing");
  }
  [[noreturn]] static void throw_malformed(const char* location, std::string_view name, const char* type);

  message message_;
  Cache* cache_;
  std::string_view path_;
  std::vector<fast_cache::http::query_param> query_;
  std::vector<fast_cache::http::query_param> path_params_;
  header_finder finder_{&message_};
};

}  // namespace fast_cache::beast
