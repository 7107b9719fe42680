// Hashes, MACs, base64 and CRC-32 over OpenSSL and zlib, in the shapes the DynamoDB client needs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::dynamodb {

using sha256_digest = std::array<unsigned char, 32>;

sha256_digest sha256(std::string_view data);
sha256_digest hmac_sha256(std::string_view key, std::string_view data);
std::string hex(const sha256_digest& digest);
/// Appends hex(digest) to out.
void append_hex(std::string& out, const sha256_digest& digest);
std::string sha256_hex(std::string_view data);

std::string base64_encode(std::string_view bytes);
/// The length of base64_encode(bytes) for bytes of this length.
std::size_t base64_size(std::size_t bytes) noexcept;
/// Appends base64_encode(bytes) to out.
void append_base64(std::string& out, std::string_view bytes);
/// nullopt when text is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

std::uint32_t crc32(std::string_view bytes);

}  // namespace fast_cache::dynamodb
