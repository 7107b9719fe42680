#include "dynamodb/crypto.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <initializer_list>
#include <stdexcept>

namespace fast_cache::dynamodb {

namespace {

// OpenSSL 3 looks the algorithm up and allocates a context in every one-shot EVP_Digest or HMAC
// call; signing does several per request. Each thread keeps one fetched SHA-256 and one context.
class sha256_context {
 public:
  sha256_context() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (!md_ || !ctx_) throw std::runtime_error("SHA-256 is unavailable");
  }
  ~sha256_context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  sha256_context(const sha256_context&) = delete;
  sha256_context& operator=(const sha256_context&) = delete;

  // SHA-256 of the concatenation of `parts`.
  sha256_digest digest(std::initializer_list<std::string_view> parts) {
    sha256_digest out{};
    unsigned int len = 0;
    bool ok = EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1;
    for (const auto part : parts) ok = ok && EVP_DigestUpdate(ctx_, part.data(), part.size()) == 1;
    if (!ok || EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1) throw std::runtime_error("SHA-256 failed");
    return out;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

sha256_context& thread_context() {
  thread_local sha256_context ctx;
  return ctx;
}

std::string_view as_view(const sha256_digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

bool is_base64_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The low `bits` bits of a base64 digit's value: the bits past the data in a padded quantum.
int padding_bits(char digit, int bits) {
  const int value = digit >= 'A' && digit <= 'Z'   ? digit - 'A'
                    : digit >= 'a' && digit <= 'z' ? digit - 'a' + 26
                    : digit >= '0' && digit <= '9' ? digit - '0' + 52
                    : digit == '+'                 ? 62
                                                   : 63;
  return value & ((1 << bits) - 1);
}

}  // namespace

sha256_digest sha256(std::string_view data) { return thread_context().digest({data}); }

// HMAC (RFC 2104) over the per-thread SHA-256 context.
sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  constexpr std::size_t block = 64;
  sha256_context& ctx = thread_context();
  std::array<char, block> ipad{}, opad{};
  sha256_digest hashed_key;
  if (key.size() > block) {
    hashed_key = ctx.digest({key});
    key = as_view(hashed_key);
  }
  for (std::size_t i = 0; i < block; ++i) {
    const char k = i < key.size() ? key[i] : '\0';
    ipad[i] = static_cast<char>(k ^ 0x36);
    opad[i] = static_cast<char>(k ^ 0x5c);
  }
  const sha256_digest inner = ctx.digest({{ipad.data(), block}, data});
  return ctx.digest({{opad.data(), block}, as_view(inner)});
}

void append_hex(std::string& out, const sha256_digest& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + 2 * digest.size());
  char* text = out.data() + start;
  for (const unsigned char c : digest) {
    *text++ = digits[c >> 4];
    *text++ = digits[c & 0xf];
  }
}

std::string hex(const sha256_digest& digest) {
  std::string out;
  append_hex(out, digest);
  return out;
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::size_t base64_size(std::size_t bytes) noexcept { return 4 * ((bytes + 2) / 3); }

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + base64_size(bytes.size()));
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + start),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(start + static_cast<std::size_t>(n));
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  // Only canonical text, what an encoder writes: EVP_DecodeBlock also takes surrounding
  // whitespace, '=' before the end and unused bits that are not zero ("AB==").
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text[text.size() - 2] == '=') ++padding;
  const std::string_view data = text.substr(0, text.size() - padding);
  if (!std::all_of(data.begin(), data.end(), is_base64_digit)) return std::nullopt;
  if (padding == 1 && padding_bits(data.back(), 2) != 0) return std::nullopt;
  if (padding == 2 && padding_bits(data.back(), 4) != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zero bytes
  return out;
}

std::uint32_t crc32(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length; feed large bodies in chunks.
  while (!bytes.empty()) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(bytes.size(), 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), chunk);
    bytes.remove_prefix(chunk);
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace fast_cache::dynamodb
