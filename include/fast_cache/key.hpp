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

/// A namespace or function name as written into a key: `%`, `:` and `[` percent-escaped
/// (`%25`, `%3A`, `%5B`). A part then holds no `:` and never starts with `[` (where a default
/// key's arguments start), so the parts of a key are found again: `cached("a:b", f)` and
/// `cached("b", {.namespace_ = "a"}, g)` store under `a%3Ab:[...]` and `a:b:[...]`.
std::string escape_key_part(std::string_view part);

/// The default key of a cached function: `<name>:<arguments as a JSON array>`, e.g. `add:[1,"a"]`,
/// the name escaped (escape_key_part). Arguments are converted with boost::json::value_from, so
/// any type Boost.JSON converts (tag_invoke or Boost.Describe) can be an argument. The key depends
/// on the values only, never on addresses, type names or the build, so processes on different
/// machines share entries.
template <class... Args>
std::string default_key(std::string_view name, const Args&... args) {
  boost::json::array arguments;
  arguments.reserve(sizeof...(Args));
  (arguments.push_back(boost::json::value_from(args)), ...);
  std::string key = escape_key_part(name);
  key += ':';
  key += detail::serialize_arguments(arguments);
  return key;
}

/// Prefixes key with a cached() namespace: `<ns>:<key>` with ns escaped (escape_key_part), or
/// key itself when ns is empty.
std::string namespaced_key(std::string_view ns, std::string key);

}  // namespace fast_cache
