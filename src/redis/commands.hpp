// Encoding Redis commands (hiredis's binary-safe formatter), and the key layout shared with the
// Python toolkit: `<namespace>:<key>`.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace fast_cache::redis {

/// Appends one command, its arguments binary-safe, to a pipeline's bytes.
void append_command(std::string& out, std::span<const std::string_view> args);
inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  append_command(out, std::span<const std::string_view>(args.begin(), args.size()));
}

/// The Redis key of key in namespace ns.
[[nodiscard]] std::string namespaced_key(std::string_view ns, std::string_view key);

/// The SCAN MATCH pattern of every key of namespace ns: the namespace with the glob characters
/// `*`, `?`, `[`, `]` and `\` escaped, then `:*`, so that clearing "a*" never matches "ab:x".
[[nodiscard]] std::string namespace_pattern(std::string_view ns);

}  // namespace fast_cache::redis
