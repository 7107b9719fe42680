// Backend URLs come from flags and environment variables. The input is one URL: make_backend
// builds memory:// ones (and refuses unknown schemes) whole; for the backends of a server, whose
// construction would start connecting, the options are parsed (and for DynamoDB resolved, with an
// empty environment, as its constructor does first). All may throw Error(errc::invalid_argument),
// and nothing else.
#include "dynamodb/config.hpp"
#include "factory/tiered_url.hpp"

#include <fast_cache/backend_factory.hpp>
#include <fast_cache/dynamodb_backend.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/redis_backend.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// A number too large for its option must be refused, not wrap around into a negative one. (The
// rest, e.g. a count of 0, may be left to the backend's constructor.)
void check_options(const fast_cache::DynamoDBOptions& o) {
  const bool negative = o.read_budget.count() < 0 || o.write_budget.count() < 0 || o.admin_budget.count() < 0 ||
                        o.connect_timeout.count() < 0 || o.request_timeout.count() < 0 || o.max_attempts < 1 ||
                        o.breaker.failure_threshold < 1 || o.breaker.cooldown.count() < 0 ||
                        (o.default_expire && o.default_expire->count() < 0);
  if (negative || o.max_connections < 1) std::abort();
}

void check_options(const fast_cache::RedisOptions& o) {
  const bool negative = o.read_budget.count() < 0 || o.write_budget.count() < 0 || o.admin_budget.count() < 0 ||
                        o.connect_timeout.count() < 0 || o.breaker.failure_threshold < 1 ||
                        o.breaker.cooldown.count() < 0 || (o.default_expire && o.default_expire->count() < 0);
  if (negative) std::abort();
}

void check(std::string_view url) {
  using namespace fast_cache;
  if (url.starts_with("dynamodb:")) {
    const DynamoDBOptions options = dynamodb_options_from_url(url);
    check_options(options);
    (void)dynamodb::resolve_config(options, {}, {});
    return;
  }
  if (url.starts_with("redis:") || url.starts_with("rediss:") || url.starts_with("redis+cluster:")) {
    check_options(redis_options_from_url(url));
    return;
  }
  if (url.starts_with("tiered:")) {  // its levels, each as a URL of its own
    const detail::tiered_url parts = detail::parse_tiered_url(url);
    if (parts.max_staleness && parts.max_staleness->count() < 0) std::abort();
    check(parts.l1);
    check(parts.l2);
    return;
  }
  const auto backend = make_backend(url);
  if (backend->namespace_name().empty() || backend->get("key")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    check(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const fast_cache::Error& e) {
    if (e.code() != fast_cache::errc::invalid_argument) std::abort();
  }
  return 0;
}
