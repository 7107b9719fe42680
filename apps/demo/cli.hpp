// The demo server's command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace demo {

struct cli_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string backend = "memory://";
  std::size_t threads = 1;
};

/// Parses --host, --port, --backend, --threads (the backend falls back to FAST_CACHE_BACKEND);
/// nullopt after printing usage for --help or an error message for bad input.
std::optional<cli_options> parse_cli(int argc, char** argv, int& exit_code);

}  // namespace demo
