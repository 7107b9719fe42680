// Stored HTTP responses come back from a shared backend, where another version, another program or
// an attacker with write access may have put anything: decode_entry must refuse what is not a valid
// entry without crashing; what it accepts must encode back to an equal entry (to the same bytes
// when unsealed), and a sealed entry must open under its own key only.
#include <fast_cache/http/entry.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using namespace fast_cache::http;

bool same(const entry& a, const entry& b) {
  if (a.status != b.status || a.stored_at != b.stored_at || a.expires_at != b.expires_at || a.etag != b.etag ||
      a.tag_versions != b.tag_versions || a.compute_ms != b.compute_ms || a.body != b.body ||
      a.headers.size() != b.headers.size())
    return false;
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const entry_seal seal{.key = "%http::GET /k", .secret = "fuzz-secret"};
  // Forging the MAC is out of the fuzzer's reach, but checking one must not crash either.
  if (const decoded_entry sealed = decode_entry(bytes, seal); sealed.value.has_value() == (sealed.problem != nullptr))
    std::abort();

  const decoded_entry decoded = decode_entry(bytes);
  if (decoded.value.has_value() == (decoded.problem != nullptr)) std::abort();
  if (!decoded.value) return 0;
  const entry& e = *decoded.value;
  if (e.status < 200 || e.status > 599 || max_age(e, clock::now()) < 0) std::abort();

  // Unsealed bytes (MAC length 0) have one meaning per byte: encoding is the exact inverse.
  const std::string encoded = encode_entry(e);
  if (size > 4 && data[4] == 0 && encoded != bytes) std::abort();
  const decoded_entry again = decode_entry(encoded);
  if (!again.value || !same(*again.value, e)) std::abort();

  const std::string sealed = encode_entry(e, seal);
  const decoded_entry opened = decode_entry(sealed, seal);
  if (!opened.value || !same(*opened.value, e)) std::abort();
  if (decode_entry(sealed, {.key = "%http::GET /other", .secret = seal.secret}).value) std::abort();
  return 0;
}
