#include "cli.hpp"

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <thread>

namespace demo {

namespace {

constexpr std::string_view usage =
    "usage: fast-cache-demo [--host ADDR] [--port N] [--backend URL] [--threads N]\n"
    "  --host     address to listen on (default 127.0.0.1)\n"
    "  --port     port, 0 for a free one (default 8080); the bound port is printed\n"
    "  --backend  cache backend URL (default $FAST_CACHE_BACKEND, else memory://)\n"
    "  --threads  I/O threads (default: the number of cores)\n";

template <class T>
bool parse_number(std::string_view text, T& out, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
}

}  // namespace

std::optional<cli_options> parse_cli(int argc, char** argv, int& exit_code) {
  cli_options options;
  if (const char* env = std::getenv("FAST_CACHE_BACKEND"); env != nullptr && *env != '\0') options.backend = env;
  options.threads = std::max(1U, std::thread::hardware_concurrency());
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      exit_code = 0;
      return std::nullopt;
    }
    if (i + 1 >= argc) {
      std::cerr << "fast-cache-demo: " << flag << " needs a value\n" << usage;
      return std::nullopt;
    }
    const std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      ok = parse_number<std::uint16_t>(value, options.port, 0, 65535);
    } else if (flag == "--backend") {
      options.backend = value;
    } else if (flag == "--threads") {
      ok = parse_number<std::size_t>(value, options.threads, 1, 256);
    } else {
      std::cerr << "fast-cache-demo: unknown option " << flag << "\n" << usage;
      return std::nullopt;
    }
    if (!ok) {
      std::cerr << "fast-cache-demo: bad value for " << flag << ": " << value << "\n";
      return std::nullopt;
    }
  }
  return options;
}

}  // namespace demo
