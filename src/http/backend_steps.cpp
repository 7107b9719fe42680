#include <fast_cache/http/backend_steps.hpp>

namespace fast_cache::http {

std::optional<entry> live_entry(detail::cache_session& session, std::optional<std::string> stored,
                                const std::vector<std::optional<std::string>>& current, entry_seal seal,
                                clock::time_point now) {
  if (!stored) return std::nullopt;
  decoded_entry decoded = decode_entry(std::move(*stored), seal);
  if (!decoded.value) {
    session.undecodable(decoded.problem);
    return std::nullopt;
  }
  if (is_expired(*decoded.value, now)) return std::nullopt;
  if (!detail::tags_match(decoded.value->tag_versions, current)) return std::nullopt;
  return std::move(decoded.value);
}

entry_to_store prepare_store(const store_decision& decision, unsigned status, std::vector<header_field> headers,
                             std::string body, std::vector<std::string> tag_versions, entry_seal seal,
                             clock::time_point now) {
  entry_to_store result{make_entry(status, std::move(headers), std::move(body), now, decision.lifetime),
                        {},
                        decision.lifetime.value_or(duration::zero())};
  result.stored.tag_versions = std::move(tag_versions);
  result.bytes = encode_entry(result.stored, seal);
  return result;
}

}  // namespace fast_cache::http
