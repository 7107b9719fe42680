// Where tests find files outside the build tree: the SigV4 suite and the Node tools.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace fast_cache::test {

/// `name` from the environment, else `fallback`.
inline std::filesystem::path path_from_env(const char* name, const std::filesystem::path& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::filesystem::path(v) : fallback;
}

inline std::filesystem::path source_dir() { return FAST_CACHE_SOURCE_DIR; }

/// The AWS SigV4 test suite: FAST_CACHE_SIGV4_SUITE, else the shared test data next to the repository.
inline std::filesystem::path sigv4_suite_dir() {
  return path_from_env("FAST_CACHE_SIGV4_SUITE", source_dir() / ".." / "shared" / "testdata" / "sigv4");
}

/// tools/ with its installed node_modules.
inline std::filesystem::path tools_dir() { return path_from_env("FAST_CACHE_TOOLS_DIR", source_dir() / "tools"); }

}  // namespace fast_cache::test
