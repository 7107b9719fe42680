#include <fast_cache/backend_factory.hpp>
#include <fast_cache/dynamodb_backend.hpp>
#include <fast_cache/memory_backend.hpp>

#include "factory/url_parameters.hpp"

#include <string>

namespace fast_cache {

namespace {

std::shared_ptr<Backend> make_memory_backend(detail::url_parameters& params) {
  InMemoryOptions options;
  if (auto v = params.take_size("max_size")) options.max_size = *v;
  if (auto v = params.take_size("max_bytes")) options.max_bytes = *v;
  if (auto v = params.take("namespace")) options.namespace_ = std::move(*v);
  if (auto v = params.take_seconds("default_expire")) options.default_expire = *v;
  if (auto v = params.take_size("shards")) options.shards = *v;
  params.expect_all_taken();
  return std::make_shared<InMemoryBackend>(std::move(options));
}

}  // namespace

std::shared_ptr<Backend> make_backend(std::string_view url) {
  detail::url_parameters params(url);
  if (params.scheme() == "memory") {
    if (!params.host().empty()) {
      throw Error(errc::invalid_argument, "invalid backend URL \"" + std::string(url) + "\": memory:// takes no host");
    }
    return make_memory_backend(params);
  }
  if (params.scheme() == "dynamodb") return std::make_shared<DynamoDBBackend>(dynamodb_options_from_url(url));
  throw Error(errc::invalid_argument, "unknown backend URL scheme \"" + params.scheme() + "\" in \"" +
                                          std::string(url) + "\"; expected memory:// or dynamodb://");
}

}  // namespace fast_cache
