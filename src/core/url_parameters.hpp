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
  /// Parses url (scheme://[user[:password]@]host[:port][/path]?query); throws
  /// Error(invalid_argument) when malformed, or when it has a path and `path_allowed` is false.
  explicit url_parameters(std::string_view url, bool path_allowed = false);

  [[nodiscard]] const std::string& scheme() const noexcept { return scheme_; }
  [[nodiscard]] const std::string& host() const noexcept { return host_; }
  /// The port, percent-decoded user and password, and the path without its leading '/'; empty
  /// when absent. Never echoed in errors.
  [[nodiscard]] const std::string& port() const noexcept { return port_; }
  [[nodiscard]] const std::string& user() const noexcept { return user_; }
  [[nodiscard]] const std::string& password() const noexcept { return password_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

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
  std::string port_;
  std::string user_;
  std::string password_;
  std::string path_;
  std::map<std::string, std::string, std::less<>> parameters_;
};

}  // namespace fast_cache::detail
