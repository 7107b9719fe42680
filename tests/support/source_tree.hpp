// Where tests find files outside the build tree (the SigV4 suite, the Node tools), and how they run
// a Node reference implementation. Needs FAST_CACHE_SOURCE_DIR defined by the test target.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
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

/// Why a differential test cannot run its Node reference: node missing, or the npm package not
/// installed in tools_dir(); nullopt when it can.
inline std::optional<std::string> node_package_missing(const std::string& package) {
  if (!std::filesystem::exists(tools_dir() / "node_modules" / package))
    return package + " is not installed in " + tools_dir().string() + " (run npm ci there)";
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not on PATH";
  return std::nullopt;
}

/// Runs `node script tools_dir()` with input as JSON on stdin; returns its stdout parsed as JSON.
inline boost::json::value run_node_script(const std::filesystem::path& script, const boost::json::value& input) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("fast_cache_node_input_" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << boost::json::serialize(input);
  const std::string command = "node '" + script.string() + "' '" + tools_dir().string() + "' < '" + file.string() + "'";
  std::string output;
  int status = -1;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) output.append(buf, n);
    status = ::pclose(p);
  }
  std::filesystem::remove(file);
  if (status != 0) throw std::runtime_error("failed: " + command);
  return boost::json::parse(output);
}

}  // namespace fast_cache::test
