#include "dynamodb/clock_skew.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace fast_cache::dynamodb {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

constexpr std::chrono::year ref_2025{2025};

system_clock::time_point utc(std::chrono::year_month_day date, std::chrono::seconds time_of_day) {
  return system_clock::time_point{std::chrono::sys_days{date} + time_of_day};
}

// RFC 9110's example instant, 1994-11-06 08:49:37 UTC.
const system_clock::time_point example = utc(1994y / std::chrono::November / 6, 8h + 49min + 37s);

// ---- parse_http_date -------------------------------------------------------------------------------

TEST(HttpDate, ImfFixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), example);
  EXPECT_EQ(parse_http_date("Fri, 14 Mar 2025 00:00:00 GMT"), utc(2025y / std::chrono::March / 14, 0s));
  EXPECT_EQ(parse_http_date("Wed, 31 Dec 2025 23:59:59 GMT"), utc(2025y / std::chrono::December / 31, 86399s));
}

TEST(HttpDate, Rfc850) {
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", ref_2025), example);
  // The one-argument form resolves against the current year; 94 stays 1994 until 2044.
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), example);
}

TEST(HttpDate, Rfc850TwoDigitYearIsAtMostFiftyYearsAhead) {
  const auto year_of = [](const char* text, std::chrono::year reference) {
    const auto t = parse_http_date(text, reference);
    return t ? std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)}.year() : std::chrono::year{0};
  };
  EXPECT_EQ(year_of("Monday, 01-Jan-25 00:00:00 GMT", ref_2025), 2025y);
  EXPECT_EQ(year_of("Monday, 01-Jan-75 00:00:00 GMT", ref_2025), 2075y);  // exactly 50 ahead: future
  EXPECT_EQ(year_of("Monday, 01-Jan-76 00:00:00 GMT", ref_2025), 1976y);  // 51 ahead: past
  EXPECT_EQ(year_of("Monday, 01-Jan-00 00:00:00 GMT", ref_2025), 2000y);
  EXPECT_EQ(year_of("Monday, 01-Jan-99 00:00:00 GMT", ref_2025), 1999y);
  EXPECT_EQ(year_of("Monday, 01-Jan-50 00:00:00 GMT", 2000y), 2050y);
  EXPECT_EQ(year_of("Monday, 01-Jan-51 00:00:00 GMT", 2000y), 1951y);
  // Late in a century the window reaches into the next one.
  EXPECT_EQ(year_of("Monday, 01-Jan-10 00:00:00 GMT", 2080y), 2110y);
  EXPECT_EQ(year_of("Monday, 01-Jan-31 00:00:00 GMT", 2080y), 2031y);
}

TEST(HttpDate, Asctime) {
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), example);
  EXPECT_EQ(parse_http_date("Sun Nov 06 08:49:37 1994"), example);  // 2DIGIT is also allowed
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994"), example + std::chrono::days{10});
  EXPECT_EQ(parse_http_date("Sun Nov 6 08:49:37 1994"), std::nullopt);    // unpadded
  EXPECT_EQ(parse_http_date("Sun Nov   6 08:49:37 1994"), std::nullopt);  // over-padded
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994 GMT"), std::nullopt);
}

TEST(HttpDate, LeapDay) {
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT"), utc(2024y / std::chrono::February / 29, 12h));
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT"), utc(2000y / std::chrono::February / 29, 12h));
  EXPECT_EQ(parse_http_date("Thu, 01 Mar 2024 00:00:00 GMT"), utc(2024y / std::chrono::February / 29, 24h));
  EXPECT_EQ(parse_http_date("Wed, 29 Feb 2023 12:00:00 GMT"), std::nullopt);  // common year
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 1900 12:00:00 GMT"), std::nullopt);  // century, not 400
  EXPECT_EQ(parse_http_date("Thursday, 29-Feb-24 12:00:00 GMT", ref_2025),
            utc(2024y / std::chrono::February / 29, 12h));
  EXPECT_EQ(parse_http_date("Wednesday, 29-Feb-23 12:00:00 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Thu Feb 29 12:00:00 2024"), utc(2024y / std::chrono::February / 29, 12h));
  EXPECT_EQ(parse_http_date("Wed Feb 29 12:00:00 2023"), std::nullopt);
}

TEST(HttpDate, BadDay) {
  EXPECT_EQ(parse_http_date("Sun, 00 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 32 Jan 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Apr 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 30 Feb 2024 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), std::nullopt);  // day is 2DIGIT
  EXPECT_EQ(parse_http_date("Sunday, 00-Nov-94 08:49:37 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  0 08:49:37 1994"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov 31 08:49:37 1994"), std::nullopt);
}

TEST(HttpDate, BadMonth) {
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 nov 1994 08:49:37 GMT"), std::nullopt);  // case-sensitive
  EXPECT_EQ(parse_http_date("Sun, 06 NOV 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 November 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 11 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Now-94 08:49:37 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Noc  6 08:49:37 1994"), std::nullopt);
}

TEST(HttpDate, BadTimeOfDay) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"), std::nullopt);  // hour
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:60:00 GMT"), std::nullopt);  // minute
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:61 GMT"), std::nullopt);  // second
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 99:99:99 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 8:49:37 GMT"), std::nullopt);  // 2DIGIT
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08.49.37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 24:49:37 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:60:37 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:61 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 24:49:37 1994"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:60:37 1994"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:61 1994"), std::nullopt);
  // The edges of the valid range.
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 00:00:00 GMT"), utc(1994y / std::chrono::November / 6, 0s));
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 23:59:59 GMT"), utc(1994y / std::chrono::November / 6, 86399s));
}

TEST(HttpDate, LeapSecondIsTheNextMinute) {
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"), utc(2017y / std::chrono::January / 1, 0s));
}

TEST(HttpDate, NonDigitsInNumericFields) {
  EXPECT_EQ(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, -6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun,  6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 0a Nov 1994 08:49:37 GMT"), std::nullopt);
  // A digit then a non-digit: reading just the leading digit would give a valid field.
  EXPECT_EQ(parse_http_date("Sun, 1x Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 6  Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:4x:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 1:49:37 1994"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 199x 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 94 08:49:37 GMT"), std::nullopt);  // year is 4DIGIT
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 01994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-1994 08:49:37 GMT", ref_2025), std::nullopt);  // 2DIGIT
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 94"), std::nullopt);
}

// Weekday names are checked for spelling and form, never against the date (see clock_skew.cpp).
TEST(HttpDate, WeekdayIsSpelledRightButNotCheckedAgainstTheDate) {
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), example);  // 1994-11-06 was a Sunday
  EXPECT_EQ(parse_http_date("Friday, 06-Nov-94 08:49:37 GMT", ref_2025), example);
  EXPECT_EQ(parse_http_date("Tue Nov  6 08:49:37 1994"), example);
  EXPECT_EQ(parse_http_date("Xyz, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("sun, 06 Nov 1994 08:49:37 GMT"), std::nullopt);  // case-sensitive
  EXPECT_EQ(parse_http_date("SUN, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("06 Nov 1994 08:49:37 GMT"), std::nullopt);  // weekday is required
  // Each form has its own weekday spelling.
  EXPECT_EQ(parse_http_date("Sunday, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06-Nov-94 08:49:37 GMT", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday Nov  6 08:49:37 1994"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sund, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sundy, 06-Nov-94 08:49:37 GMT", ref_2025), std::nullopt);
}

TEST(HttpDate, TrailingOrSurroundingJunk) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT "), std::nullopt);
  EXPECT_EQ(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMTx"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT\r\n"), std::nullopt);
  EXPECT_EQ(parse_http_date(std::string_view{"Sun, 06 Nov 1994 08:49:37 GMT\0", 30}), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 gmt"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0000"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37.123 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT;", ref_2025), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994x"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 19945"), std::nullopt);
  EXPECT_EQ(parse_http_date("1994-11-06T08:49:37Z"), std::nullopt);
}

TEST(HttpDate, EmptyAndEveryTruncation) {
  EXPECT_EQ(parse_http_date(""), std::nullopt);
  for (const std::string_view full :
       {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"}) {
    ASSERT_NE(parse_http_date(full, ref_2025), std::nullopt) << full;
    for (std::size_t n = 0; n < full.size(); ++n) {
      EXPECT_EQ(parse_http_date(full.substr(0, n), ref_2025), std::nullopt) << full.substr(0, n);
    }
  }
}

TEST(HttpDate, OutsideTheClockRangeIsRejectedNotWrapped) {
  // libstdc++'s nanosecond system_clock spans 1677-2262; a wider clock can hold these dates.
  if (std::chrono::floor<std::chrono::seconds>(system_clock::time_point::max()) >=
      std::chrono::sys_days{9999y / std::chrono::December / 31}) {
    GTEST_SKIP() << "system_clock represents year 9999";
  }
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Mon, 01 Jan 0001 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Fri Dec 31 23:59:59 9999"), std::nullopt);
  EXPECT_NE(parse_http_date("Fri, 01 Jan 2100 00:00:00 GMT"), std::nullopt);
}

// ---- is_clock_skew_error ---------------------------------------------------------------------------

TEST(ClockSkew, EverySkewErrorType) {
  for (const char* type : {"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
                           "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture"}) {
    EXPECT_TRUE(is_clock_skew_error({400, type, ""})) << type;
    EXPECT_TRUE(is_clock_skew_error({403, type, "Signature expired"})) << type;
  }
}

TEST(ClockSkew, OtherErrorsAreNotSkew) {
  for (const char* type :
       {"ThrottlingException", "ValidationException", "UnrecognizedClientException", "ExpiredTokenException",
        "AccessDeniedException", "", "invalidsignatureexception", "RequestTimeTooSkewedX", "RequestTimeTooSkewe"}) {
    EXPECT_FALSE(is_clock_skew_error({400, type, "Signature expired"})) << type;
  }
  EXPECT_FALSE(is_clock_skew_error({403, "", ""}));  // the type decides, not the status
}

// ---- corrected_clock_offset ------------------------------------------------------------------------

const system_clock::time_point local = utc(2025y / std::chrono::March / 14, 12h) + 123456789ns;

TEST(ClockSkew, ThresholdIsFiveMinutes) { EXPECT_EQ(clock_skew_threshold, 300s); }

TEST(ClockSkew, BelowThresholdKeepsOffset) {
  EXPECT_EQ(corrected_clock_offset(local, local, 0ms), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local + 4min + 59s, local, 0ms), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local - 4min - 59s, local, 0ms), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local + 5min - 1ns, local, 0ms), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local - 5min + 1ns, local, 0ms), std::nullopt);
}

TEST(ClockSkew, AtOrAboveThresholdServerAhead) {
  EXPECT_EQ(corrected_clock_offset(local + 5min, local, 0ms), 5min);
  EXPECT_EQ(corrected_clock_offset(local + 1h, local, 0ms), 1h);
  EXPECT_EQ(corrected_clock_offset(local + std::chrono::days{400}, local, 0ms), std::chrono::days{400});
}

TEST(ClockSkew, AtOrAboveThresholdServerBehind) {
  EXPECT_EQ(corrected_clock_offset(local - 5min, local, 0ms), -5min);
  EXPECT_EQ(corrected_clock_offset(local - 7min - 250ms, local, 0ms), -7min - 250ms);
}

TEST(ClockSkew, MeasuredAgainstTheCurrentOffset) {
  // Already corrected by +10 min: the server being 10 min +- 4 min ahead is fine.
  EXPECT_EQ(corrected_clock_offset(local + 10min, local, 10min), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local + 14min, local, 10min), std::nullopt);
  EXPECT_EQ(corrected_clock_offset(local + 6min, local, 10min), std::nullopt);
  // 4 min ahead of the raw clock would be fine without an offset, but is 6 min off the corrected one.
  EXPECT_EQ(corrected_clock_offset(local + 4min, local, 10min), 4min);
  // The new offset replaces the old one rather than adding to it.
  EXPECT_EQ(corrected_clock_offset(local + 16min, local, 10min), 16min);
  EXPECT_EQ(corrected_clock_offset(local, local, 10min), 0ms);
  EXPECT_EQ(corrected_clock_offset(local - 1h, local, -57min), std::nullopt);  // 3 min off
  EXPECT_EQ(corrected_clock_offset(local - 1h, local, -40min), -1h);
  EXPECT_EQ(corrected_clock_offset(local + 1h, local, -1h), 1h);
}

TEST(ClockSkew, OffsetRoundsToMilliseconds) {
  EXPECT_EQ(corrected_clock_offset(local + 6min + 400us, local, 0ms), 6min);
  EXPECT_EQ(corrected_clock_offset(local + 6min + 600us, local, 0ms), 6min + 1ms);
}

TEST(ClockSkew, FromDateHeaderToCorrectedSigningTime) {
  // The flow the client follows: skew error, read Date, correct, sign with now + offset.
  const service_error error{403, "InvalidSignatureException", "Signature expired"};
  ASSERT_TRUE(is_clock_skew_error(error));
  const auto server = parse_http_date("Fri, 14 Mar 2025 12:20:00 GMT");
  ASSERT_TRUE(server.has_value());
  const auto offset = corrected_clock_offset(*server, local, 0ms);
  ASSERT_TRUE(offset.has_value());
  EXPECT_LT(std::chrono::abs(local + *offset - *server), 1ms);
  // Once applied, the same answer asks for no further change.
  EXPECT_EQ(corrected_clock_offset(*server, local, *offset), std::nullopt);
}

}  // namespace
}  // namespace fast_cache::dynamodb
