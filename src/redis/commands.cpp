#include "redis/commands.hpp"

#include <fast_cache/error.hpp>

#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

namespace fast_cache::redis {

void append_command(std::string& out, std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(), lengths.data());
  const std::unique_ptr<char, void (*)(char*)> owned(formatted, redisFreeCommand);
  if (length < 0 || formatted == nullptr) throw Error(errc::internal, "Redis command could not be formatted");
  out.append(formatted, static_cast<std::size_t>(length));
}

std::string namespaced_key(std::string_view ns, std::string_view key) {
  std::string out;
  out.reserve(ns.size() + 1 + key.size());
  out.append(ns).append(1, ':').append(key);
  return out;
}

std::string namespace_pattern(std::string_view ns) {
  std::string out;
  out.reserve(ns.size() + 2);
  for (const char c : ns) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += ":*";
  return out;
}

}  // namespace fast_cache::redis
