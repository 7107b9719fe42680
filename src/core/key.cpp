#include <fast_cache/key.hpp>

#include <boost/json/serialize.hpp>

namespace fast_cache {

namespace detail {
std::string serialize_arguments(const boost::json::array& arguments) { return boost::json::serialize(arguments); }
}  // namespace detail

std::string namespaced_key(std::string_view ns, std::string key) {
  if (ns.empty()) return key;
  std::string result;
  result.reserve(ns.size() + 1 + key.size());
  result.append(ns).append(1, ':').append(key);
  return result;
}

}  // namespace fast_cache
