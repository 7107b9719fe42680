// Runs the demo server binary as a child process on a free port.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace e2e {

/// Starts `fast-cache-demo --port 0 --backend URL` and reads the bound port from its first line.
/// stop() sends SIGTERM and waits for a clean exit; the destructor does it when stop() was not called.
class demo_server {
 public:
  explicit demo_server(const std::string& backend_url);
  ~demo_server();
  demo_server(const demo_server&) = delete;
  demo_server& operator=(const demo_server&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// The server's process id; -1 after stop().
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool running() const;

  /// SIGTERM, then waits up to 10 s; returns the exit status (-1 on a signal or timeout).
  int stop();
  /// What the server printed on stdout after the listening line, read after stop().
  [[nodiscard]] const std::string& output() const noexcept { return output_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string output_;
};

}  // namespace e2e
