#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/request_view.hpp>

#include <array>
#include <limits>
#include <string_view>

namespace fast_cache::http {

namespace {

constexpr std::string_view magic = "FCH1";

template <class T>
void put(std::string& out, T value) {
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> shift) & 0xff));
  }
}

// Reads big-endian integers and length-prefixed strings; any overrun marks the reader failed.
class reader {
 public:
  explicit reader(std::string_view bytes) noexcept : rest_(bytes) {}

  template <class T>
  T get() noexcept {
    if (rest_.size() < sizeof(T)) {
      ok_ = false;
      return T{};
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = (value << 8) | static_cast<unsigned char>(rest_[i]);
    rest_.remove_prefix(sizeof(T));
    return static_cast<T>(value);
  }

  std::string_view bytes(std::size_t n) noexcept {
    if (rest_.size() < n) {
      ok_ = false;
      return {};
    }
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return rest_.size(); }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

// Headers that describe the representation; everything else is per-response, hop-by-hop or per-user.
constexpr std::array<std::string_view, 9> replayable = {
    "content-type",
    "content-encoding",
    "content-language",
    "content-disposition",
    "content-location",
    "last-modified",
    "link",
    "location",
    "vary",
};

}  // namespace

bool is_replayable_header(std::string_view name) noexcept {
  for (const std::string_view r : replayable) {
    if (iequals(name, r)) return true;
  }
  return false;
}

std::string encode_entry(const entry& e) {
  std::size_t size = magic.size() + 2 + 8 + 1 + e.etag.size() + 2 + e.body.size();
  for (const header_field& h : e.headers) size += 2 + h.name.size() + 4 + h.value.size();
  std::string out;
  out.reserve(size);
  out.append(magic);
  put<std::uint16_t>(out, static_cast<std::uint16_t>(e.status));
  put<std::int64_t>(out, e.expires_at);
  const std::size_t etag_size = std::min<std::size_t>(e.etag.size(), std::numeric_limits<std::uint8_t>::max());
  put<std::uint8_t>(out, static_cast<std::uint8_t>(etag_size));
  out.append(e.etag, 0, etag_size);
  const std::size_t count = std::min<std::size_t>(e.headers.size(), std::numeric_limits<std::uint16_t>::max());
  put<std::uint16_t>(out, static_cast<std::uint16_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    const header_field& h = e.headers[i];
    const std::size_t name_size = std::min<std::size_t>(h.name.size(), std::numeric_limits<std::uint16_t>::max());
    put<std::uint16_t>(out, static_cast<std::uint16_t>(name_size));
    out.append(h.name, 0, name_size);
    const std::size_t value_size = std::min<std::size_t>(h.value.size(), std::numeric_limits<std::uint32_t>::max());
    put<std::uint32_t>(out, static_cast<std::uint32_t>(value_size));
    out.append(h.value, 0, value_size);
  }
  out.append(e.body);
  return out;
}

std::optional<entry> decode_entry(std::string bytes) {
  reader in(bytes);
  if (in.bytes(magic.size()) != magic) return std::nullopt;
  entry e;
  e.status = in.get<std::uint16_t>();
  e.expires_at = in.get<std::int64_t>();
  e.etag = in.bytes(in.get<std::uint8_t>());
  const auto count = in.get<std::uint16_t>();
  if (!in.ok() || e.status < 100 || e.status > 999) return std::nullopt;
  e.headers.reserve(count);
  for (std::uint16_t i = 0; i < count && in.ok(); ++i) {
    header_field h;
    h.name = in.bytes(in.get<std::uint16_t>());
    h.value = in.bytes(in.get<std::uint32_t>());
    e.headers.push_back(std::move(h));
  }
  if (!in.ok()) return std::nullopt;
  // The body is the tail: drop the prefix in place instead of copying the body out.
  bytes.erase(0, bytes.size() - in.remaining());
  e.body = std::move(bytes);
  return e;
}

std::int64_t expires_at_for(clock::time_point now, std::optional<std::chrono::milliseconds> lifetime) {
  if (!lifetime) return 0;
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch() + *lifetime).count();
}

entry make_entry(unsigned status, std::vector<header_field> headers, std::string body, clock::time_point now,
                 std::optional<std::chrono::milliseconds> lifetime) {
  entry e;
  e.status = status;
  e.expires_at = expires_at_for(now, lifetime);
  e.etag = make_etag(body);
  e.headers = std::move(headers);
  e.body = std::move(body);
  return e;
}

bool is_expired(const entry& e, clock::time_point now) noexcept { return e.expires_at != 0 && max_age(e, now) <= 0; }

std::int64_t max_age(const entry& e, clock::time_point now) noexcept {
  constexpr std::int64_t one_year = 365LL * 24 * 60 * 60;
  if (e.expires_at == 0) return one_year;
  const std::int64_t now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  return e.expires_at > now_s ? e.expires_at - now_s : 0;
}

}  // namespace fast_cache::http
