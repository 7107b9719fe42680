// Building cache keys from a function's name and arguments.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value_from.hpp>

#include <string>
#include <string_view>

namespace fast_cache {

namespace detail {
std::string serialize_arguments(const boost::json::array& arguments);
}  // namespace detail

/// The default key of a cached function: `<name>:<arguments as a JSON array>`, e.g. `add:[1,"a"]`.
/// Arguments are converted with boost::json::value_from, so any type Boost.JSON converts (tag_invoke
/// or Boost.Describe) can be an argument. The key depends on the values only, never on addresses,
/// type names or the build, so processes on different machines share entries.
template <class... Args>
std::string default_key(std::string_view name, const Args&... args) {
  boost::json::array arguments;
  arguments.reserve(sizeof...(Args));
  (arguments.push_back(boost::json::value_from(args)), ...);
  std::string key(name);
  key += ':';
  key += detail::serialize_arguments(arguments);
  return key;
}

/// Prefixes key with a cached() namespace: `<ns>:<key>`, or key itself when ns is empty.
std::string namespaced_key(std::string_view ns, std::string key);

}  // namespace fast_cache
