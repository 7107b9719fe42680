#include "core/url_parameters.hpp"

#include <fast_cache/error.hpp>

#include <boost/url/parse.hpp>

#include <charconv>

namespace fast_cache::detail {

url_parameters::url_parameters(std::string_view url, bool path_allowed) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) invalid("expected scheme://[host][?name=value&...]");
  scheme_ = std::string(parsed->scheme());
  host_ = std::string(parsed->encoded_host().decode());
  port_ = std::string(parsed->port());
  user_ = std::string(parsed->encoded_user().decode());
  password_ = std::string(parsed->encoded_password().decode());
  path_ = std::string(parsed->encoded_path().decode());
  if (path_.starts_with('/')) path_.erase(0, 1);
  if (!path_allowed && !path_.empty()) invalid("unexpected path");
  for (const auto& param : parsed->params()) {
    if (!param.has_value) invalid("parameter \"" + std::string(param.key) + "\" has no value");
    if (!parameters_.emplace(std::string(param.key), std::string(param.value)).second) {
      invalid("parameter \"" + std::string(param.key) + "\" given twice");
    }
  }
}

std::optional<std::string> url_parameters::take(std::string_view name) {
  auto it = parameters_.find(name);
  if (it == parameters_.end()) return std::nullopt;
  std::string value = std::move(it->second);
  parameters_.erase(it);
  return value;
}

std::optional<std::size_t> url_parameters::take_size(std::string_view name) {
  auto text = take(name);
  if (!text) return std::nullopt;
  std::size_t value = 0;
  const char* end = text->data() + text->size();
  const auto result = std::from_chars(text->data(), end, value);
  if (result.ec != std::errc() || result.ptr != end || text->empty()) {
    invalid(std::string(name) + " must be a non-negative whole number");
  }
  return value;
}

std::optional<bool> url_parameters::take_bool(std::string_view name) {
  auto text = take(name);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  invalid(std::string(name) + " must be true or false");
}

std::optional<duration> url_parameters::take_seconds(std::string_view name) {
  auto seconds = take_size(name);
  if (!seconds) return std::nullopt;
  // More would overflow the milliseconds of a duration.
  if (*seconds > static_cast<std::size_t>(duration::max().count() / 1000)) invalid(std::string(name) + " is too large");
  return std::chrono::seconds(*seconds);
}

std::optional<duration> url_parameters::take_milliseconds(std::string_view name) {
  auto ms = take_size(name);
  if (!ms) return std::nullopt;
  // More would wrap around to a negative duration.
  if (*ms > static_cast<std::size_t>(duration::max().count())) invalid(std::string(name) + " is too large");
  return duration(*ms);
}

void url_parameters::invalid(const std::string& why) const {
  // Only scheme and host are echoed: a query may hold something secret by mistake.
  throw Error(errc::invalid_argument, "invalid backend URL " + scheme_ + "://" + host_ + ": " + why);
}

void url_parameters::expect_all_taken() const {
  if (parameters_.empty()) return;
  std::string names;
  for (const auto& [name, value] : parameters_) names += (names.empty() ? "" : ", ") + name;
  invalid("unknown parameter(s): " + names);
}

}  // namespace fast_cache::detail
