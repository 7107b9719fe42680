#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/request_view.hpp>

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace fast_cache::http {

namespace {

std::string_view opaque_tag(std::string_view tag) noexcept {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

std::string make_etag(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  constexpr std::size_t kept_bytes = 16;
  std::string tag;
  tag.reserve(2 + 2 * kept_bytes);
  tag.push_back('"');
  for (std::size_t i = 0; i < kept_bytes; ++i) {
    tag.push_back(hex[digest[i] >> 4]);
    tag.push_back(hex[digest[i] & 0x0f]);
  }
  tag.push_back('"');
  return tag;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept {
  const std::string_view ours = opaque_tag(etag);
  if (trim_whitespace(if_none_match) == "*") return true;
  // Tags are quoted strings that cannot contain '"', so splitting on commas outside quotes is
  // splitting on every comma between closing and opening quotes.
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    const std::string_view tag = trim_whitespace(if_none_match.substr(0, comma));
    if_none_match = comma == std::string_view::npos ? std::string_view{} : if_none_match.substr(comma + 1);
    if (!tag.empty() && opaque_tag(tag) == ours) return true;
  }
  return false;
}

}  // namespace fast_cache::http
