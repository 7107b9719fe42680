#include <fast_cache/beast/request.hpp>

namespace fast_cache::beast {

request::request(message msg, Cache& cache) : message_(std::move(msg)), cache_(&cache) {
  const std::string_view target(message_.target().data(), message_.target().size());
  const auto [path, query] = fast_cache::http::split_target(target);
  path_ = path;
  if (!query.empty()) query_ = fast_cache::http::parse_query(query);
}

void request::header_finder::operator()(std::string_view name, const fast_cache::http::field_sink& sink) const {
  const auto range = msg->equal_range(boost::beast::string_view(name.data(), name.size()));
  for (auto it = range.first; it != range.second; ++it) sink(std::string_view(it->value().data(), it->value().size()));
}

std::optional<std::string_view> request::header(std::string_view name) const {
  return fast_cache::http::header_lookup(finder_)(name);
}

std::optional<std::string_view> request::find_query(std::string_view name) const noexcept {
  for (const auto& p : query_) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> request::find_path_param(std::string_view name) const noexcept {
  for (const auto& p : path_params_) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

std::shared_ptr<const request> request::clone() const {
  auto copy = std::make_shared<request>(message_, *cache_);
  copy->path_params_ = path_params_;
  return copy;
}

void request::set_path_params(std::span<const path_capture> params) {
  path_params_.clear();
  for (const path_capture& p : params) {
    path_params_.push_back({std::string(p.name), fast_cache::http::percent_decode(p.value, false)});
  }
}

fast_cache::http::request_view request::view() const noexcept {
  const auto method = message_.method_string();
  return {.method = std::string_view(method.data(), method.size()),
          .path = path_,
          .query = query_,
          .headers = fast_cache::http::header_lookup(finder_),
          .body = message_.body()};
}

void request::throw_malformed(const char* location, std::string_view name, const char* type) {
  std::string message = "Input should be a valid ";
  const std::string_view kind(type);
  message += kind == "bool_parsing" ? "boolean" : kind == "float_parsing" ? "number" : "integer";
  throw parameter_error(location, std::string(name), type, message);
}

}  // namespace fast_cache::beast
