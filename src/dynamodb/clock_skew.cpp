#include "dynamodb/clock_skew.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <span>

namespace fast_cache::dynamodb {
namespace {

using std::chrono::system_clock;
using time_point = system_clock::time_point;

// RFC 9110 section 5.6.7 spells these case-sensitively (%s"..." in its ABNF).
constexpr std::array<std::string_view, 7> short_weekdays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_weekdays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                           "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Java v2 AwsErrorCode.CLOCK_SKEW_ERROR_CODES and JS v3 CLOCK_SKEW_ERROR_CODES (same six).
constexpr std::array<std::string_view, 6> clock_skew_types = {
    "RequestTimeTooSkewed",  "RequestExpired", "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",    "RequestInTheFuture"};

/// The fields as read; ranges are checked once, in to_time_point.
struct civil_time {
  int year = 0;
  unsigned month = 0;  // 1-12
  unsigned day = 0;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
};

// The take_* readers consume from the front of `in` and return false if it does not start as expected.
// A failed reader may leave `in` part-consumed: the caller then abandons that form.

bool take(std::string_view& in, std::string_view literal) {
  if (!in.starts_with(literal)) return false;
  in.remove_prefix(literal.size());
  return true;
}

/// Exactly `count` decimal digits. from_chars on unsigned already refuses signs and spaces; bounding
/// the range to `count` characters and requiring all of them enforces the grammar's fixed width.
bool take_digits(std::string_view& in, std::size_t count, unsigned& value) {
  if (in.size() < count) return false;
  const char* const end = in.data() + count;
  const auto [ptr, ec] = std::from_chars(in.data(), end, value);
  if (ec != std::errc{} || ptr != end) return false;
  in.remove_prefix(count);
  return true;
}

bool take_name(std::string_view& in, std::span<const std::string_view> names, std::size_t& index) {
  for (index = 0; index < names.size(); ++index) {
    if (take(in, names[index])) return true;
  }
  return false;
}

/// The weekday is redundant with the date and RFC 9110 gives recipients no duty to check it, so any
/// valid name is accepted, even one that does not match the date: the date is still usable.
bool take_weekday(std::string_view& in, std::span<const std::string_view> names) {
  std::size_t ignored = 0;
  return take_name(in, names, ignored);
}

bool take_month(std::string_view& in, unsigned& month) {
  std::size_t index = 0;
  if (!take_name(in, month_names, index)) return false;
  month = static_cast<unsigned>(index) + 1;
  return true;
}

// time-of-day = hour ":" minute ":" second
bool take_time_of_day(std::string_view& in, civil_time& t) {
  return take_digits(in, 2, t.hour) && take(in, ":") && take_digits(in, 2, t.minute) && take(in, ":") &&
         take_digits(in, 2, t.second);
}

/// asctime pads a one-digit day with a space (`Nov  6`); the grammar also allows two digits (`Nov 06`).
bool take_asctime_day(std::string_view& in, unsigned& day) {
  return take(in, " ") ? take_digits(in, 1, day) : take_digits(in, 2, day);
}

int floor_mod(int value, int divisor) { return ((value % divisor) + divisor) % divisor; }

/// RFC 9110: a two-digit year that "appears to be more than 50 years in the future" is the most recent
/// past year with those digits. That is: the year with those last two digits in (reference - 50,
/// reference + 50].
int full_year(unsigned two_digits, std::chrono::year reference) {
  const int ref = static_cast<int>(reference);
  int year = ref - floor_mod(ref, 100) + static_cast<int>(two_digits);
  if (year > ref + 50) year -= 100;
  if (year <= ref - 50) year += 100;
  return year;
}

// IMF-fixdate = day-name "," SP day SP month SP year SP time-of-day SP GMT
std::optional<civil_time> read_imf_fixdate(std::string_view in) {
  civil_time t;
  unsigned year = 0;
  const bool ok = take_weekday(in, short_weekdays) && take(in, ", ") && take_digits(in, 2, t.day) && take(in, " ") &&
                  take_month(in, t.month) && take(in, " ") && take_digits(in, 4, year) && take(in, " ") &&
                  take_time_of_day(in, t) && take(in, " GMT") && in.empty();
  if (!ok) return std::nullopt;
  t.year = static_cast<int>(year);
  return t;
}

// rfc850-date = day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP GMT
std::optional<civil_time> read_rfc850_date(std::string_view in, std::chrono::year reference_year) {
  civil_time t;
  unsigned two_digit_year = 0;
  const bool ok = take_weekday(in, long_weekdays) && take(in, ", ") && take_digits(in, 2, t.day) && take(in, "-") &&
                  take_month(in, t.month) && take(in, "-") && take_digits(in, 2, two_digit_year) && take(in, " ") &&
                  take_time_of_day(in, t) && take(in, " GMT") && in.empty();
  if (!ok) return std::nullopt;
  t.year = full_year(two_digit_year, reference_year);
  return t;
}

// asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
std::optional<civil_time> read_asctime_date(std::string_view in) {
  civil_time t;
  unsigned year = 0;
  const bool ok = take_weekday(in, short_weekdays) && take(in, " ") && take_month(in, t.month) && take(in, " ") &&
                  take_asctime_day(in, t.day) && take(in, " ") && take_time_of_day(in, t) && take(in, " ") &&
                  take_digits(in, 4, year) && in.empty();
  if (!ok) return std::nullopt;
  t.year = static_cast<int>(year);
  return t;
}

/// system_clock counts nanoseconds in 64 bits with libstdc++ (years 1677-2262): converting a date
/// outside its range would overflow, so such dates are refused rather than wrapped.
bool representable(std::chrono::sys_seconds when) {
  return when >= std::chrono::ceil<std::chrono::seconds>(time_point::min()) &&
         when <= std::chrono::floor<std::chrono::seconds>(time_point::max());
}

bool in_year_range(int year) {
  // std::chrono::year stores a short: an out-of-range value would wrap instead of failing ok().
  return year >= static_cast<int>(std::chrono::year::min()) && year <= static_cast<int>(std::chrono::year::max());
}

std::optional<time_point> to_time_point(const civil_time& t) {
  // second 60 is the grammar's leap second.
  if (t.hour > 23 || t.minute > 59 || t.second > 60 || !in_year_range(t.year)) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{t.year}, std::chrono::month{t.month},
                                         std::chrono::day{t.day}};
  if (!date.ok()) return std::nullopt;  // day 0, 31 Apr, 29 Feb of a common year...
  // sys_time has no leap seconds: hh:mm:60 becomes the next minute's :00, as in POSIX time.
  const std::chrono::sys_seconds when = std::chrono::sys_days{date} + std::chrono::hours{t.hour} +
                                        std::chrono::minutes{t.minute} + std::chrono::seconds{t.second};
  if (!representable(when)) return std::nullopt;
  return time_point{when};
}

std::chrono::year current_utc_year() {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(system_clock::now())}.year();
}

}  // namespace

std::optional<time_point> parse_http_date(std::string_view text, std::chrono::year reference_year) noexcept {
  // IMF-fixdate first: it is what servers send today; the other two are legacy.
  auto fields = read_imf_fixdate(text);
  if (!fields) fields = read_rfc850_date(text, reference_year);
  if (!fields) fields = read_asctime_date(text);
  if (!fields) return std::nullopt;
  return to_time_point(*fields);
}

std::optional<time_point> parse_http_date(std::string_view text) noexcept {
  return parse_http_date(text, current_utc_year());
}

bool is_clock_skew_error(const service_error& error) noexcept {
  return std::find(clock_skew_types.begin(), clock_skew_types.end(), error.type) != clock_skew_types.end();
}

std::optional<std::chrono::milliseconds> corrected_clock_offset(time_point server_time, time_point local_now,
                                                                std::chrono::milliseconds current_offset) noexcept {
  const auto skew = server_time - (local_now + current_offset);
  if (std::chrono::abs(skew) < clock_skew_threshold) return std::nullopt;
  // Measured against the raw local clock, so it replaces the old offset instead of accumulating on it.
  return std::chrono::round<std::chrono::milliseconds>(server_time - local_now);
}

}  // namespace fast_cache::dynamodb
