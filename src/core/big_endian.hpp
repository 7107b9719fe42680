// Big-endian integers and length-prefixed strings: the compact binary layouts of stored entries
// (cached HTTP responses, cached() values with metadata) are written and read with these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fast_cache::detail {

template <class T>
void put_big_endian(std::string& out, T value) {
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> shift) & 0xff));
  }
}

/// Reads big-endian integers and byte runs; any overrun marks the reader failed, and every later
/// read then yields zeros and empty runs, so a decoder checks ok() once per step.
class big_endian_reader {
 public:
  explicit big_endian_reader(std::string_view bytes) noexcept : rest_(bytes) {}

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

}  // namespace fast_cache::detail
