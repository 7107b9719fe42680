// A stored HTTP response, and its compact binary form in a backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache::http {

/// One response header kept for replay.
struct header_field {
  std::string name;
  std::string value;
};

/// A cached response. Only headers that describe the representation are kept (see
/// is_replayable_header); hop-by-hop, per-response and per-user headers are not.
struct entry {
  unsigned status = 200;
  /// When the entry was stored, in epoch seconds: what `Age` counts from.
  std::int64_t stored_at = 0;
  /// When the entry stops being fresh, in epoch seconds; 0 = never. Stored in the entry so that
  /// `max-age` counts down the same on every server that reads it, whatever the backend's TTL.
  std::int64_t expires_at = 0;
  /// How long the handler took to produce it: how far ahead an early refresh starts
  /// (route_options::early_refresh_beta).
  std::uint32_t compute_ms = 0;
  /// The strong validator of `body`, quoted (see make_etag); computed once, when stored.
  std::string etag{};
  /// The versions of the route's tags when the handler ran, in the order of the route's tags
  /// (see route_options::tags); the entry is a miss once one of them changes.
  std::vector<std::string> tag_versions{};
  std::vector<header_field> headers{};
  std::string body{};
};

/// Whether a response header is part of the representation and replayed from the cache:
/// Content-Type, Content-Encoding, Content-Language, Content-Disposition, Content-Location,
/// Last-Modified, Link, Location, Vary, and the handler's own Cache-Control. Set-Cookie, Date,
/// Content-Length, Connection and the like are not.
[[nodiscard]] bool is_replayable_header(std::string_view name) noexcept;

/// Where an entry is stored and how it is authenticated. An entry is sealed to its key: with a
/// secret, its bytes carry an HMAC-SHA-256 of the key and the entry, so bytes written by anyone
/// without the secret, or copied from another key, are refused.
struct entry_seal {
  /// The backend key the entry lives under.
  std::string_view key;
  /// The HMAC key; empty stores entries unauthenticated and accepts them unverified.
  std::string_view secret;
};

/// Serialises an entry. Layout, integers big-endian:
///
///     "FCH3"                         magic and format version
///     u8  MAC length (0 or 32), MAC  HMAC-SHA-256 over "FCH3", u32 key length, key, and every
///                                    byte after the MAC
///     u16 status
///     i64 stored_at, i64 expires_at  epoch seconds, expires_at 0 = never
///     u32 compute_ms
///     u8  etag length, etag bytes
///     u8  tag count, then per tag: u8 version length, version bytes
///     u16 header count, then per header: u16 name length, name, u32 value length, value
///     body                           every remaining byte
///
/// A small binary layout rather than JSON: bodies are stored as is (no escaping or base64), and
/// a hit decodes with a few length reads.
[[nodiscard]] std::string encode_entry(const entry& e, entry_seal seal = {});

/// What decode_entry found.
struct decoded_entry {
  std::optional<entry> value;
  /// Why value is empty: the bytes are not an entry, fail authentication, or hold an entry no
  /// handler could have produced (see decode_entry). Null when value is set.
  const char* problem = nullptr;
};

/// Parses encode_entry's output and checks it before anything of it is served: the MAC when the
/// seal has a secret; a status from 200 to 599; header names that are tokens, of replayable
/// headers only; header values without CR, LF, NUL or other control characters; an ETag that is
/// one quoted entity-tag. Takes the bytes by value so the body reuses their buffer.
[[nodiscard]] decoded_entry decode_entry(std::string bytes, entry_seal seal = {});

using clock = std::chrono::system_clock;

/// The expires_at of an entry stored at `now` that lives `lifetime`; 0 when lifetime is nullopt
/// (never expires). Rounded down to whole seconds, so max-age never promises more than lifetime.
[[nodiscard]] std::int64_t expires_at_for(clock::time_point now, std::optional<std::chrono::milliseconds> lifetime);

/// An entry for a fresh response stored at `now` for `lifetime` (nullopt = never expires), with
/// its ETag computed from body.
[[nodiscard]] entry make_entry(unsigned status, std::vector<header_field> headers, std::string body,
                               clock::time_point now, std::optional<std::chrono::milliseconds> lifetime);

/// Whether e is no longer fresh at `now`.
[[nodiscard]] bool is_expired(const entry& e, clock::time_point now) noexcept;

/// The `max-age` to send for e at `now`: whole seconds left, 0 once expired, a year for an entry
/// that never expires.
[[nodiscard]] std::int64_t max_age(const entry& e, clock::time_point now) noexcept;

/// The `Age` to send for e at `now`: whole seconds since it was stored, never negative.
[[nodiscard]] std::int64_t age(const entry& e, clock::time_point now) noexcept;

}  // namespace fast_cache::http
