#include <fast_cache/http/backend_steps.hpp>

namespace fast_cache::http {

std::optional<entry> live_entry(detail::cache_session& session, std::optional<std::string> stored,
                                clock::time_point now) {
  if (!stored) return std::nullopt;
  std::optional<entry> e = decode_entry(std::move(*stored));
  if (!e) {
    session.undecodable("not a cached HTTP response");
    return std::nullopt;
  }
  if (is_expired(*e, now)) return std::nullopt;
  return e;
}

entry_to_store prepare_store(const route_cache& route, const Cache& cache, unsigned status,
                             std::vector<header_field> headers, std::string body, clock::time_point now) {
  const std::optional<duration> lifetime = route.lifetime(cache.default_expire());
  entry_to_store result{
      make_entry(status, std::move(headers), std::move(body), now, lifetime), {}, lifetime.value_or(duration::zero())};
  result.bytes = encode_entry(result.stored);
  return result;
}

}  // namespace fast_cache::http
