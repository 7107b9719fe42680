// Building a backend from a URL, so one setting (a flag, an environment variable) picks the store.
#pragma once

#include <fast_cache/backend.hpp>

#include <memory>
#include <string_view>

namespace fast_cache {

/// Builds the backend a URL names:
/// - `memory://?max_size=10000&max_bytes=0&namespace=cache&default_expire=60` (expire in seconds)
/// - `dynamodb://TABLE?region=us-east-1&endpoint=http://localhost:8000&namespace=NS&create_table=true`
///   (see dynamodb_options_from_url for every parameter)
/// - `redis://[[user]:password@]host:port[/db]?namespace=NS`, `rediss://...` for TLS (see
///   redis_options_from_url)
/// Throws Error(errc::invalid_argument) naming the problem for an unknown scheme, an unknown
/// parameter or a malformed value; a backend's own construction errors pass through.
[[nodiscard]] std::shared_ptr<Backend> make_backend(std::string_view url);

}  // namespace fast_cache
