#include "http/entry_mac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace fast_cache::http::detail {

namespace {

struct mac_deleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// Fetching the algorithm is the costly part; the fetched object is immutable and shareable.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, mac_deleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw std::runtime_error("HMAC is not available from OpenSSL");
  return mac.get();
}

void update(EVP_MAC_CTX* ctx, std::string_view bytes) {
  if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
}

}  // namespace

entry_mac compute_entry_mac(std::string_view secret, std::string_view magic, std::string_view key,
                            std::string_view sealed_bytes) {
  const std::unique_ptr<EVP_MAC_CTX, mac_deleter> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  if (!ctx ||
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  const auto key_size = static_cast<std::uint32_t>(key.size());
  const char length[4] = {static_cast<char>(key_size >> 24), static_cast<char>(key_size >> 16),
                          static_cast<char>(key_size >> 8), static_cast<char>(key_size)};
  update(ctx.get(), magic);
  update(ctx.get(), std::string_view(length, sizeof length));
  update(ctx.get(), key);
  update(ctx.get(), sealed_bytes);
  entry_mac out{};
  std::size_t written = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != out.size()) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return out;
}

bool same_mac(const entry_mac& a, std::string_view b) noexcept {
  return b.size() == a.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace fast_cache::http::detail
