#include <fast_cache/key.hpp>

#include <boost/json/serialize.hpp>

namespace fast_cache {

namespace detail {
std::string serialize_arguments(const boost::json::array& arguments) { return boost::json::serialize(arguments); }
}  // namespace detail

std::string escape_key_part(std::string_view part) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(part.size());
  for (const char c : part) {
    if (c == '%' || c == ':' || c == '[') {
      out.push_back('%');
      out.push_back(hex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(hex[static_cast<unsigned char>(c) & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string namespaced_key(std::string_view ns, std::string key) {
  if (ns.empty()) return key;
  std::string result = escape_key_part(ns);
  result.reserve(result.size() + 1 + key.size());
  result.append(1, ':').append(key);
  return result;
}

}  // namespace fast_cache
