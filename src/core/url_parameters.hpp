// The query parameters of a backend URL, checked: each is read at most once, and any left unread
// is an error, so a misspelt option is never silently ignored. Errors name the parameter and
// echo only the scheme and host of the URL.
#pragma once

#include <fast_cache/expiry.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::detail {

class url_parameters {
 public:
  /// Parses url (scheme://authority/path?query); throws Error(invalid_argument) when malformed.
  explicit url_parameters(std::string_view url);

  [[nodiscard]] const std::string& scheme() const noexcept { return scheme_; }
  [[nodiscard]] const std::string& host() const noexcept { return host_; }

  std::optional<std::string> take(std::string_view name);
  std::optional<std::size_t> take_size(std::string_view name);
  std::optional<bool> take_bool(std::string_view name);
  /// A whole number of seconds.
  std::optional<duration> take_seconds(std::string_view name);
  /// A whole number of milliseconds.
  std::optional<duration> take_milliseconds(std::string_view name);

  /// Throws Error(invalid_argument) naming the parameters nobody took.
  void expect_all_taken() const;

  /// Throws Error(invalid_argument) about this URL.
  [[noreturn]] void invalid(const std::string& why) const;

 private:
  std::string scheme_;
  std::string host_;
  std::map<std::string, std::string, std::less<>> parameters_;
};

}  // namespace fast_cache::detail
