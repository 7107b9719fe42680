// Entity tags: a strong validator from a body, and If-None-Match matching.
#pragma once

#include <string>
#include <string_view>

namespace fast_cache::http {

/// A strong ETag for body: the first 128 bits of its SHA-256 in lower-case hex, quoted
/// ("\"3a6eb0790f39ac87c94f3856b2dd2c5d\""). Depends only on the bytes, so every process and
/// restart computes the same tag.
[[nodiscard]] std::string make_etag(std::string_view body);

/// Whether an If-None-Match header value matches etag: `*`, or a comma-separated list of tags
/// compared weakly (a `W/` prefix is ignored), as RFC 9110 section 13.1.2 asks.
[[nodiscard]] bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

}  // namespace fast_cache::http
