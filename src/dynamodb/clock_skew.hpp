// Clock-skew correction as the AWS SDKs do it (JS v3 getUpdatedSystemClockOffset, Java v2
// ClockSkewAdjuster): after a clock-skew error, read the server's Date header, and if it is too far
// from our corrected clock, sign from then on with local time + (server time - local time).
// Pure logic: the caller owns the offset, the clock and the retry.
#pragma once

#include "dynamodb/errors.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace fast_cache::dynamodb {

/// SigV4 rejects a request whose X-Amz-Date is 5 minutes or more away from the server's clock, so
/// smaller differences cannot explain a signature failure and are not worth correcting (the Date
/// header only has one-second resolution anyway). Same value as the AWS SDKs (300000 ms).
inline constexpr std::chrono::minutes clock_skew_threshold{5};

/// An HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, or one of the
/// obsolete forms recipients must accept, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime
/// `Sun Nov  6 08:49:37 1994`. Strict and case-sensitive, as the grammar is: nullopt on any
/// out-of-range field, impossible date, surrounding whitespace or trailing text, and on dates the
/// system clock cannot represent. The weekday must be a valid name but is not checked against the
/// date (it is redundant). Second 60 (leap second) is accepted as the first second of the next minute.
/// An RFC 850 two-digit year is placed in the century that puts it at most 50 years after the
/// current UTC year, as RFC 9110 requires.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) noexcept;

/// As above, with the RFC 850 two-digit year resolved against reference_year instead of the current year.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text,
                                                                     std::chrono::year reference_year) noexcept;

/// Whether the error type is one the AWS SDKs treat as a possible clock-skew symptom (Java v2
/// AwsErrorCode, JS v3 CLOCK_SKEW_ERROR_CODES). Some of these (InvalidSignatureException,
/// SignatureDoesNotMatch) also mean wrong credentials: retry only if corrected_clock_offset says the
/// clock was actually off, so that a bad key is not retried.
bool is_clock_skew_error(const service_error& error) noexcept;

/// The offset to add to local time from now on, if the server's clock differs from the corrected local
/// clock (local_now + current_offset) by clock_skew_threshold or more; nullopt when the current offset
/// is good enough. The new offset is server_time - local_now: it replaces current_offset rather than
/// adding to it.
std::optional<std::chrono::milliseconds> corrected_clock_offset(std::chrono::system_clock::time_point server_time,
                                                                std::chrono::system_clock::time_point local_now,
                                                                std::chrono::milliseconds current_offset) noexcept;

}  // namespace fast_cache::dynamodb
