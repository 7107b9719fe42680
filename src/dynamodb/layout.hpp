// The table layout shared with fastapi-cachekit: partition key `cache_key` (S), `value` (B),
// `ttl` (N, epoch seconds, absent when the entry never expires).
#pragma once

#include <fast_cache/backend.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::dynamodb {

inline constexpr std::string_view key_attribute = "cache_key";
inline constexpr std::string_view value_attribute = "value";
inline constexpr std::string_view ttl_attribute = "ttl";

/// Namespaced keys longer than this many bytes are stored hashed.
inline constexpr std::size_t max_plain_key_bytes = 1024;
/// DynamoDB's item size limit (400 KB, binary units).
inline constexpr std::size_t max_item_bytes = 400 * 1024;

/// Whether bytes are well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view bytes) noexcept;

/// What a hashed key starts with after its namespace.
inline constexpr std::string_view hashed_prefix = "hash:";

/// The partition key for key in namespace ns: `ns:key`, or `ns:hash:<sha256 hex of key>` when
/// `ns:key` is over 1024 bytes (as fastapi-cachekit does), is not valid UTF-8 (DynamoDB strings
/// must be UTF-8; Python keys always are, so hashing such keys changes nothing for shared tables),
/// or itself starts with `hash:`: only hashing writes `ns:hash:...`, so no user key can land on
/// the item of a hashed one.
std::string cache_key(std::string_view ns, std::string_view key);

/// The size DynamoDB counts for an item of this layout: attribute names plus values, numbers
/// counted at their largest encoded size.
std::size_t item_size(std::string_view cache_key, std::size_t value_bytes, bool has_ttl) noexcept;

/// Throws Error(errc::value_too_large) when an item of this layout would pass max_item_bytes.
void check_item_size(std::string_view cache_key, std::size_t value_bytes, bool has_ttl);

/// Expiry as the epoch second DynamoDB's TTL expects, rounded up so an entry never ends early.
std::int64_t ttl_epoch_seconds(std::chrono::system_clock::time_point now, std::chrono::milliseconds lifetime);

/// The smallest ttl of an item still live at `now`: the epoch second after the one `now` is in.
/// An item is live exactly when it has no ttl or its ttl is at least this; reads (live_at) and
/// the conditions of conditional writes (`ttl < first_live_ttl`) both judge by it. A ttl with a
/// fraction (written by another tool) counts as its whole second for both: reads truncate it,
/// and `ttl < n` for a whole n is `trunc(ttl) < n`.
std::int64_t first_live_ttl(std::chrono::system_clock::time_point now) noexcept;

/// An item as read back: absent ttl means it never expires.
struct stored_item {
  std::string value;
  std::optional<std::int64_t> ttl;
  /// DynamoDB deletes expired items up to two days late, so reads judge liveness themselves.
  [[nodiscard]] bool live_at(std::chrono::system_clock::time_point now) const noexcept;
  /// How long an item live at `now` has left: until its ttl second begins, as live_at judges.
  [[nodiscard]] time_left remaining_at(std::chrono::system_clock::time_point now) const noexcept;
};

}  // namespace fast_cache::dynamodb
