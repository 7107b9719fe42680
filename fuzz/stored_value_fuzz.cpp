// cached() values with metadata (stale windows, tags, negative caching) come back from a shared
// backend, where another version, another program or anyone with write access may have put
// anything: decode_stored_value must refuse what is not such a value without crashing, and what it
// accepts must encode back to the same bytes.
#include <fast_cache/detail/stored_value.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fast_cache::detail;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const decoded_stored_value decoded = decode_stored_value(bytes);
  if (decoded.value.has_value() == (decoded.problem != nullptr)) std::abort();
  if (!decoded.value) return 0;
  const stored_value& v = *decoded.value;
  if (v.stored_at_ms < 0 || (v.fresh_until_ms != 0 && v.fresh_until_ms < v.stored_at_ms)) std::abort();
  if (v.none && !v.value.empty()) std::abort();
  // One meaning per byte: encoding is the exact inverse.
  if (encode_stored_value(v) != bytes) std::abort();
  return 0;
}
