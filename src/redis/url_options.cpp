#include <fast_cache/redis_backend.hpp>

#include "core/url_parameters.hpp"
#include "redis/cluster.hpp"

#include <charconv>
#include <limits>

namespace fast_cache {

namespace {

template <class T>
T whole_number(const detail::url_parameters& params, std::string_view what, std::string_view text, T low) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty() || value < low)
    params.invalid(std::string(what) + " must be a whole number from " + std::to_string(low) + " to " +
                   std::to_string(std::numeric_limits<T>::max()));
  return value;
}

// The query parameters every Redis URL takes.
void take_parameters(detail::url_parameters& params, RedisOptions& o) {
  if (auto v = params.take("namespace")) o.namespace_ = std::move(*v);
  if (auto v = params.take_seconds("default_expire")) o.default_expire = *v;
  if (auto v = params.take_milliseconds("read_budget_ms")) o.read_budget = *v;
  if (auto v = params.take_milliseconds("write_budget_ms")) o.write_budget = *v;
  if (auto v = params.take_milliseconds("admin_budget_ms")) o.admin_budget = *v;
  if (auto v = params.take_milliseconds("connect_timeout_ms")) o.connect_timeout = *v;
  if (auto v = params.take_size("connections")) o.connections = *v;
  if (auto v = params.take_size("max_value_bytes")) o.max_value_bytes = *v;
  if (auto v = params.take("client_name")) o.client_name = std::move(*v);
  if (auto v = params.take_bool("tls")) o.tls = *v;
  if (auto v = params.take_bool("verify_tls")) o.verify_tls = *v;
  if (auto v = params.take("ca_file")) o.ca_file = std::move(*v);
  if (auto v = params.take_bool("breaker")) o.breaker.enabled = *v;
  if (auto v = params.take_size("breaker_threshold")) {
    if (*v == 0 || *v > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      params.invalid("breaker_threshold must be at least 1");
    o.breaker.failure_threshold = static_cast<int>(*v);
  }
  if (auto v = params.take_milliseconds("breaker_cooldown_ms")) o.breaker.cooldown = *v;
  params.expect_all_taken();
}

RedisOptions cluster_options_from_url(std::string_view url) {
  redis::cluster_url parts = redis::parse_cluster_url(url);
  RedisOptions o;
  for (const redis::node_address& seed : parts.seeds) o.cluster_nodes.push_back(seed.text());
  o.host = parts.seeds.front().host;
  o.port = parts.seeds.front().port;
  o.username = std::move(parts.user);
  o.password = std::move(parts.password);
  detail::url_parameters params("redis+cluster://" + o.host + (parts.query.empty() ? "" : "?" + parts.query));
  take_parameters(params, o);
  return o;
}

}  // namespace

RedisOptions redis_options_from_url(std::string_view url) {
  if (url.starts_with("redis+cluster:")) return cluster_options_from_url(url);
  detail::url_parameters params(url, true);
  RedisOptions o;
  if (params.scheme() == "rediss") {
    o.tls = true;
  } else if (params.scheme() != "redis") {
    params.invalid("the scheme must be redis://, rediss:// or redis+cluster://");
  }
  if (params.host().empty()) params.invalid("the host is missing (redis://host:port)");
  o.host = params.host();
  if (!params.port().empty()) o.port = whole_number<std::uint16_t>(params, "the port", params.port(), 1);
  o.username = params.user();
  o.password = params.password();
  if (!o.username.empty() && o.password.empty()) {
    // redis://:password@host is the default user's password; redis://word@host is read the same
    // way, as the Redis tools read it.
    o.password = std::move(o.username);
    o.username.clear();
  }
  if (!params.path().empty()) o.db = whole_number<unsigned>(params, "the database (the path)", params.path(), 0);
  take_parameters(params, o);
  return o;
}

}  // namespace fast_cache
