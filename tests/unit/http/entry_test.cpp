#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/etag.hpp>

#include "unit/http/time_points.hpp"

#include <gtest/gtest.h>

namespace fast_cache::http {
namespace {

using namespace std::chrono_literals;

using test::at;

entry sample() {
  entry e;
  e.status = 203;
  e.stored_at = 1'700'000'000;
  e.expires_at = 1'700'000'060;
  e.etag = make_etag("hello\0world");
  e.headers = {{"Content-Type", "application/json"}, {"Link", std::string(70'000, 'l')}};
  e.body = std::string("hello\0world", 11);
  return e;
}

TEST(Entry, RoundTrip) {
  const entry e = sample();
  const auto decoded = decode_entry(encode_entry(e)).value;
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->status, 203U);
  EXPECT_EQ(decoded->stored_at, e.stored_at);
  EXPECT_EQ(decoded->expires_at, e.expires_at);
  EXPECT_EQ(decoded->etag, e.etag);
  ASSERT_EQ(decoded->headers.size(), 2U);
  EXPECT_EQ(decoded->headers[0].name, "Content-Type");
  EXPECT_EQ(decoded->headers[0].value, "application/json");
  EXPECT_EQ(decoded->headers[1].value.size(), 70'000U);
  EXPECT_EQ(decoded->body, e.body);
}

TEST(Entry, EmptyBodyAndNoHeaders) {
  entry e;
  e.etag = make_etag("");
  const auto decoded = decode_entry(encode_entry(e)).value;
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->status, 200U);
  EXPECT_TRUE(decoded->body.empty());
  EXPECT_TRUE(decoded->headers.empty());
}

TEST(Entry, LayoutIsDocumented) {
  entry e;
  e.status = 200;
  e.stored_at = 1;
  e.expires_at = 2;
  e.etag = "\"t\"";
  e.headers = {{"a", "b"}};
  e.body = "xy";
  e.tag_versions = {"v"};
  e.compute_ms = 5;
  const std::string bytes = encode_entry(e);
  const std::string expected =
      std::string("FCH3") + std::string(1, '\0') + std::string("\x00\xc8", 2) + std::string(7, '\0') + "\x01" +
      std::string(7, '\0') + "\x02" + std::string("\x00\x00\x00\x05", 4) + "\x03\"t\"" + "\x01\x01v" +
      std::string("\x00\x01", 2) + std::string("\x00\x01", 2) + "a" + std::string("\x00\x00\x00\x01", 4) + "b" + "xy";
  EXPECT_EQ(bytes, expected);
}

TEST(Entry, RejectsForeignAndTruncatedBytes) {
  EXPECT_FALSE(decode_entry("").value);
  EXPECT_FALSE(decode_entry("{\"result\": 2}").value);
  EXPECT_STREQ(decode_entry("{\"result\": 2}").problem, "not a cached HTTP response");
  EXPECT_FALSE(decode_entry("FCH1" + std::string(20, '\0')).value);  // the previous format
  EXPECT_FALSE(decode_entry("FCH2" + std::string(20, '\0')).value);  // before tags
  EXPECT_FALSE(decode_entry("FCH3" + std::string(20, '\0')).value);
  const std::string bytes = encode_entry(sample());
  // Every cut inside the header part fails; cuts inside the body only shorten the body.
  const std::size_t body_start = bytes.size() - sample().body.size();
  for (std::size_t n = 0; n < body_start; n += (n < 64 ? 1 : 997)) {
    EXPECT_FALSE(decode_entry(bytes.substr(0, n)).value) << n;
  }
}

// An entry with one thing changed, encoded: what a writer of the backend could store.
std::string tampered(void (*change)(entry&)) {
  entry e = sample();
  change(e);
  return encode_entry(e);
}

TEST(Entry, RefusesWhatNoHandlerProduces) {
  const std::pair<const char*, void (*)(entry&)> cases[] = {
      {"status 0", [](entry& e) { e.status = 0; }},
      {"status 101", [](entry& e) { e.status = 101; }},
      {"status 600", [](entry& e) { e.status = 600; }},
      {"stored after expiry", [](entry& e) { e.stored_at = e.expires_at + 1; }},
      {"CR LF in a value", [](entry& e) { e.headers[0].value = "text/html\r\nSet-Cookie: a=b"; }},
      {"LF in a value", [](entry& e) { e.headers[0].value = "text/html\nX: y"; }},
      {"NUL in a value", [](entry& e) { e.headers[0].value = std::string("a\0b", 3); }},
      {"space in a name", [](entry& e) { e.headers[0].name = "Content Type"; }},
      {"colon in a name", [](entry& e) { e.headers[0].name = "Content-Type:"; }},
      {"empty name", [](entry& e) { e.headers[0].name = ""; }},
      {"Set-Cookie",
       [](entry& e) {
         e.headers.push_back({"Set-Cookie", "session=stolen"});
       }},
      {"Strict-Transport-Security",
       [](entry& e) {
         e.headers.push_back({"Strict-Transport-Security", "max-age=0"});
       }},
      {"unquoted ETag", [](entry& e) { e.etag = "abc"; }},
      {"weak ETag", [](entry& e) { e.etag = "W/\"abc\""; }},
      {"two ETags", [](entry& e) { e.etag = "\"a\", \"b\""; }},
      {"no ETag", [](entry& e) { e.etag.clear(); }},
  };
  for (const auto& [what, change] : cases) {
    const decoded_entry d = decode_entry(tampered(change));
    EXPECT_FALSE(d.value) << what;
    ASSERT_NE(d.problem, nullptr) << what;
  }
  EXPECT_TRUE(decode_entry(tampered([](entry& e) { e.headers[0].value = "text/plain;\tcharset=\xc3\xa9"; })).value)
      << "tabs and obs-text are field content";
}

TEST(Entry, SealedEntriesNeedTheSecretAndTheirKey) {
  const entry e = sample();
  const std::string bytes = encode_entry(e, {.key = "k", .secret = "s3cret"});
  EXPECT_EQ(bytes.size(), encode_entry(e).size() + 32);
  EXPECT_TRUE(decode_entry(bytes, {.key = "k", .secret = "s3cret"}).value);
  EXPECT_STREQ(decode_entry(bytes, {.key = "k", .secret = "other"}).problem,
               "cached HTTP response failed authentication");
  EXPECT_FALSE(decode_entry(bytes, {.key = "k2", .secret = "s3cret"}).value) << "moved to another key";
  EXPECT_FALSE(decode_entry(encode_entry(e), {.key = "k", .secret = "s3cret"}).value) << "unsealed";
  for (const std::size_t at : {std::size_t(10), bytes.size() / 2, bytes.size() - 1}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 1);
    EXPECT_FALSE(decode_entry(flipped, {.key = "k", .secret = "s3cret"}).value) << at;
  }
  // A reader without the secret still reads sealed entries (a rolling deployment).
  EXPECT_TRUE(decode_entry(bytes).value);
}

TEST(Entry, ReplayableHeaders) {
  EXPECT_TRUE(is_replayable_header("Content-Type"));
  EXPECT_TRUE(is_replayable_header("content-encoding"));
  EXPECT_TRUE(is_replayable_header("LOCATION"));
  EXPECT_FALSE(is_replayable_header("Set-Cookie"));
  EXPECT_FALSE(is_replayable_header("Content-Length"));
  EXPECT_FALSE(is_replayable_header("Date"));
  EXPECT_FALSE(is_replayable_header("Connection"));
  // The cache sets these on every hit, and adds them to a response built from an entry without
  // looking for an earlier field of the name: an entry must never hold one.
  EXPECT_FALSE(is_replayable_header("X-Cache"));
  EXPECT_FALSE(is_replayable_header("ETag"));
  EXPECT_FALSE(is_replayable_header("Age"));
  EXPECT_TRUE(is_replayable_header("Cache-Control")) << "the handler's own directives";
}

TEST(Expiry, ExpiresAtRoundsDown) {
  EXPECT_EQ(expires_at_for(at(100), 60s), 160);
  EXPECT_EQ(expires_at_for(at(100, 999), 60s), 160);
  EXPECT_EQ(max_age(entry{.expires_at = expires_at_for(at(100, 999), 60s)}, at(100, 999)), 60);
  EXPECT_EQ(expires_at_for(at(100), 1500ms), 101);
  EXPECT_EQ(expires_at_for(at(100), std::nullopt), 0);
}

TEST(Expiry, MaxAgeCountsDown) {
  entry e;
  e.expires_at = 160;
  EXPECT_EQ(max_age(e, at(100)), 60);
  EXPECT_EQ(max_age(e, at(100, 999)), 60);
  EXPECT_EQ(max_age(e, at(159, 999)), 1);
  EXPECT_FALSE(is_expired(e, at(159, 999)));
  EXPECT_EQ(max_age(e, at(160)), 0);
  EXPECT_TRUE(is_expired(e, at(160)));
  EXPECT_TRUE(is_expired(e, at(1000)));
  e.expires_at = 0;
  EXPECT_EQ(max_age(e, at(1'000'000)), 365 * 24 * 3600);
  EXPECT_FALSE(is_expired(e, at(1'000'000'000)));
}

TEST(MakeEntry, ComputesEtagAndExpiry) {
  const entry e = make_entry(200, {{"Content-Type", "text/plain"}}, "body", at(10), 5s);
  EXPECT_EQ(e.etag, make_etag("body"));
  EXPECT_EQ(e.stored_at, 10);
  EXPECT_EQ(e.expires_at, 15);
  EXPECT_EQ(age(e, at(12, 500)), 2);
  EXPECT_EQ(age(e, at(9)), 0);
  EXPECT_EQ(e.body, "body");
  EXPECT_EQ(e.headers.size(), 1U);
}

}  // namespace
}  // namespace fast_cache::http
