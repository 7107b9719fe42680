// The HMAC that seals a stored HTTP entry to its key.
#pragma once

#include <array>
#include <string_view>

namespace fast_cache::http::detail {

inline constexpr std::size_t entry_mac_size = 32;
using entry_mac = std::array<unsigned char, entry_mac_size>;

/// HMAC-SHA-256 under secret of: magic, the key's length (u32, big-endian), the key, and the
/// entry's bytes after its MAC field. The length keeps key and entry bytes from trading places.
entry_mac compute_entry_mac(std::string_view secret, std::string_view magic, std::string_view key,
                            std::string_view sealed_bytes);

/// Constant-time comparison, so a forger learns nothing from how long a refusal takes.
bool same_mac(const entry_mac& a, std::string_view b) noexcept;

}  // namespace fast_cache::http::detail
