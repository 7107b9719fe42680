#include <fast_cache/codec.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <limits>
#include <string>
#include <system_error>

namespace fast_cache::detail {

void throw_decode_failed(std::string_view type_name, std::string_view why) {
  std::string message = "cannot decode the stored value as ";
  message += type_name;
  message += ": ";
  message += why;
  throw Error(errc::decode_failed, message);
}

std::string json_serialize(const boost::json::value& value) { return boost::json::serialize(value); }

boost::json::value json_parse(std::string_view bytes) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(bytes, ec);
  if (ec) throw_decode_failed("JSON", ec.message());
  return value;
}

namespace {
template <class T>
std::string to_text(T v) {
  // Large enough for the longest shortest-round-trip form of any arithmetic type.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}
}  // namespace

std::string encode_number(long long v) { return to_text(v); }
std::string encode_number(unsigned long long v) { return to_text(v); }
std::string encode_number(double v) { return to_text(v); }
std::string encode_number(float v) { return to_text(v); }
std::string encode_number(long double v) { return to_text(v); }

template <class T>
T decode_number(std::string_view text) {
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true") return true;
    if (text == "false") return false;
    throw_decode_failed("bool", "expected \"true\" or \"false\"");
  } else {
    T value{};
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (result.ec == std::errc::result_out_of_range) throw_decode_failed("a number", "out of range for the asked type");
    if (result.ec != std::errc() || result.ptr != end || text.empty()) {
      throw_decode_failed("a number", "not a decimal number of the asked type");
    }
    return value;
  }
}

template bool decode_number<bool>(std::string_view);
template char decode_number<char>(std::string_view);
template signed char decode_number<signed char>(std::string_view);
template unsigned char decode_number<unsigned char>(std::string_view);
template short decode_number<short>(std::string_view);
template unsigned short decode_number<unsigned short>(std::string_view);
template int decode_number<int>(std::string_view);
template unsigned decode_number<unsigned>(std::string_view);
template long decode_number<long>(std::string_view);
template unsigned long decode_number<unsigned long>(std::string_view);
template long long decode_number<long long>(std::string_view);
template unsigned long long decode_number<unsigned long long>(std::string_view);
template float decode_number<float>(std::string_view);
template double decode_number<double>(std::string_view);
template long double decode_number<long double>(std::string_view);

}  // namespace fast_cache::detail
