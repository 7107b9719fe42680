#include <fast_cache/backend_factory.hpp>
#include <fast_cache/dynamodb_backend.hpp>
#include <fast_cache/memory_backend.hpp>
#include <fast_cache/redis_backend.hpp>
#include <fast_cache/tiered_backend.hpp>

#include "core/url_parameters.hpp"
#include "factory/tiered_url.hpp"

namespace fast_cache {

namespace {

InMemoryOptions memory_options_from_url(std::string_view url) {
  detail::url_parameters params(url);
  if (!params.host().empty()) params.invalid("memory:// takes no host");
  InMemoryOptions options;
  if (auto v = params.take_size("max_size")) options.max_size = *v;
  if (auto v = params.take_size("max_bytes")) options.max_bytes = *v;
  if (auto v = params.take("eviction")) options.eviction = memory_eviction_from_name(*v);
  if (auto v = params.take("namespace")) options.namespace_ = std::move(*v);
  if (auto v = params.take_seconds("default_expire")) options.default_expire = *v;
  if (auto v = params.take_size("shards")) options.shards = *v;
  if (auto v = params.take_milliseconds("sweep_interval_ms")) options.sweep_interval = *v;
  params.expect_all_taken();
  return options;
}

std::shared_ptr<Backend> make_tiered_backend(std::string_view url) {
  const detail::tiered_url parts = detail::parse_tiered_url(url);
  TieredOptions options{.l2 = make_backend(parts.l2), .l1 = memory_options_from_url(parts.l1)};
  if (parts.max_staleness) options.max_staleness = *parts.max_staleness;
  if (auto* redis = dynamic_cast<RedisBackend*>(options.l2.get()); redis != nullptr && parts.invalidations)
    options.invalidations = redis->invalidations();
  return std::make_shared<TieredBackend>(std::move(options));
}

}  // namespace

std::shared_ptr<Backend> make_backend(std::string_view url) {
  if (url.starts_with("memory:")) return std::make_shared<InMemoryBackend>(memory_options_from_url(url));
  if (url.starts_with("dynamodb:")) return std::make_shared<DynamoDBBackend>(dynamodb_options_from_url(url));
  if (url.starts_with("redis:") || url.starts_with("rediss:") || url.starts_with("redis+cluster:"))
    return std::make_shared<RedisBackend>(redis_options_from_url(url));
  if (url.starts_with("tiered:")) return make_tiered_backend(url);
  detail::url_parameters(url).invalid(
      "unknown scheme; expected memory://, dynamodb://, redis://, rediss://, redis+cluster:// or tiered://");
}

}  // namespace fast_cache
