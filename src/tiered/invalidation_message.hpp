// What the near caches of different processes tell each other over an invalidation_bus, and what
// a receiver does about it. Pure: no I/O.
//
// Format (binary-safe; keys may hold any bytes): `fc1|<sender>|k|` followed by each key as
// `<decimal length>:<bytes>`, or `fc1|<sender>|c` for a clear. The sender is the publishing
// TieredBackend's random id, so each ignores its own messages; every other tier, in this process
// or another, acts on them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache::detail::tiered {

/// A new random sender id: 16 hex digits.
[[nodiscard]] std::string new_sender_id();

[[nodiscard]] std::string keys_message(std::string_view sender, std::span<const std::string> keys);
[[nodiscard]] std::string clear_message(std::string_view sender);

struct invalidation {
  std::string sender;
  bool clear = false;
  std::vector<std::string> keys;  ///< when not clear
};

/// nullopt when the message is not of this format.
[[nodiscard]] std::optional<invalidation> parse_message(std::string_view message);

/// What a receiver with id `self` does on a message.
enum class reaction { ignore, drop_keys, drop_all };
/// Its own messages are ignored; a message it cannot read drops everything, since it may have
/// named any key.
[[nodiscard]] reaction react(const std::optional<invalidation>& message, std::string_view self);

}  // namespace fast_cache::detail::tiered
