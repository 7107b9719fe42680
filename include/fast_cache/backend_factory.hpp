// Building a backend from a URL, so one setting (a flag, an environment variable) picks the store.
#pragma once

#include <fast_cache/backend.hpp>

#include <memory>
#include <string_view>

namespace fast_cache {

/// Builds the backend a URL names:
/// - `memory://?max_size=10000&max_bytes=0&eviction=tinylfu&namespace=cache&default_expire=60` (expire in
///   seconds; eviction `tinylfu` or `lru`)
/// - `dynamodb://TABLE?region=us-east-1&endpoint=http://localhost:8000&namespace=NS&create_table=true`
///   (see dynamodb_options_from_url for every parameter)
/// - `redis://[[user]:password@]host:port[/db]?namespace=NS`, `rediss://...` for TLS (see
///   redis_options_from_url)
/// - `tiered://?l1=<percent-encoded memory:// URL>&l2=<percent-encoded URL of any other backend>`
///   `&max_staleness_ms=2000&invalidations=true`: a TieredBackend; over Redis it subscribes to the
///   namespace's invalidation channel unless invalidations=false
/// Throws Error(errc::invalid_argument) naming the problem for an unknown scheme, an unknown
/// parameter or a malformed value; a backend's own construction errors pass through.
[[nodiscard]] std::shared_ptr<Backend> make_backend(std::string_view url);

}  // namespace fast_cache
