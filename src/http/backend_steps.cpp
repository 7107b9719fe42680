#include <fast_cache/http/backend_steps.hpp>

#include <algorithm>
#include <cstdint>

namespace fast_cache::http {

found_entry find_entry(detail::cache_session& session, std::optional<std::string> stored,
                       const std::vector<std::optional<std::string>>& current, entry_seal seal, clock::time_point now,
                       const fast_cache::detail::freshness_policy& policy) {
  if (!stored) return {};
  decoded_entry decoded = decode_entry(std::move(*stored), seal);
  if (!decoded.value) {
    session.undecodable(decoded.problem);
    return {};
  }
  if (!detail::tags_match(decoded.value->tag_versions, current)) return {};
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto verdict = fast_cache::detail::judge_freshness(
      now_ms, decoded.value->expires_at * 1000, decoded.value->compute_ms, policy, fast_cache::detail::unit_draw());
  if (verdict == fast_cache::detail::freshness::expired) return {};
  return {std::move(decoded.value), verdict};
}

entry_to_store prepare_store(const store_decision& decision, fresh_response response,
                             std::vector<std::string> tag_versions, entry_seal seal, clock::time_point now,
                             const fast_cache::detail::freshness_policy& policy) {
  const expiry kept =
      decision.lifetime ? fast_cache::detail::backend_expiry(decision.lifetime, policy) : duration::zero();
  entry_to_store result{
      make_entry(response.status, std::move(response.headers), std::move(response.body), now, decision.lifetime),
      {},
      kept.value_or(duration::zero())};
  result.stored.tag_versions = std::move(tag_versions);
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(response.took).count();
  result.stored.compute_ms = static_cast<std::uint32_t>(std::clamp<std::int64_t>(took_ms, 0, UINT32_MAX));
  result.bytes = encode_entry(result.stored, seal);
  return result;
}

}  // namespace fast_cache::http
