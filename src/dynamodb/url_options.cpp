#include <fast_cache/dynamodb_backend.hpp>

#include "core/url_parameters.hpp"

#include <limits>

namespace fast_cache {

namespace {

// From 1 to the largest T: a larger count would wrap around (to 1, say, for 2^32 + 1 as an int).
template <class T>
T at_least_one(detail::url_parameters& params, std::string_view name, std::size_t value) {
  if (value == 0) params.invalid(std::string(name) + " must be at least 1");
  if (value > static_cast<std::size_t>(std::numeric_limits<T>::max()))
    params.invalid(std::string(name) + " is too large");
  return static_cast<T>(value);
}

}  // namespace

DynamoDBOptions dynamodb_options_from_url(std::string_view url) {
  detail::url_parameters params(url);
  if (params.scheme() != "dynamodb") params.invalid("the scheme must be dynamodb://");
  DynamoDBOptions o;
  o.table_name = params.host();
  if (o.table_name.empty()) params.invalid("the table name is missing (dynamodb://TABLE?...)");
  for (const char* secret : {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}) {
    if (params.take(secret)) {
      params.invalid(std::string("URLs do not accept credentials (") + secret +
                     "); use the options, the environment or a profile");
    }
  }
  if (auto v = params.take("region")) o.region_name = std::move(*v);
  if (auto v = params.take("endpoint")) o.endpoint_url = std::move(*v);
  if (auto v = params.take("namespace")) o.namespace_ = std::move(*v);
  if (auto v = params.take_bool("create_table")) o.create_table = *v;
  if (auto v = params.take_bool("consistent_read")) o.consistent_read = *v;
  if (auto v = params.take_bool("verify_tls")) o.verify_tls = *v;
  if (auto v = params.take("ca_file")) o.ca_file = std::move(*v);
  if (auto v = params.take_size("max_connections")) {
    o.max_connections = at_least_one<std::size_t>(params, "max_connections", *v);
  }
  if (auto v = params.take_size("max_attempts")) o.max_attempts = at_least_one<int>(params, "max_attempts", *v);
  if (auto v = params.take_milliseconds("read_budget_ms")) o.read_budget = *v;
  if (auto v = params.take_milliseconds("write_budget_ms")) o.write_budget = *v;
  if (auto v = params.take_milliseconds("admin_budget_ms")) o.admin_budget = *v;
  if (auto v = params.take_bool("breaker")) o.breaker.enabled = *v;
  if (auto v = params.take_size("breaker_threshold")) {
    o.breaker.failure_threshold = at_least_one<int>(params, "breaker_threshold", *v);
  }
  if (auto v = params.take_milliseconds("breaker_cooldown_ms")) o.breaker.cooldown = *v;
  if (auto v = params.take_milliseconds("connect_timeout_ms")) o.connect_timeout = *v;
  if (auto v = params.take_milliseconds("request_timeout_ms")) o.request_timeout = *v;
  if (auto v = params.take_seconds("default_expire")) o.default_expire = *v;
  params.expect_all_taken();
  return o;
}

}  // namespace fast_cache
