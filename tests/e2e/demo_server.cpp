#include "demo_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace e2e {

namespace {

// Reads one line within the deadline; empty on timeout or EOF.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c = 0;
    if (::read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

}  // namespace

demo_server::demo_server(const std::string& backend_url) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test killed by ctest's timeout must not leave its server running.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(fds[1], STDOUT_FILENO);
    // Nothing else of the test's goes with the server: an inherited listening socket (a fault
    // proxy's) would keep its port listening in the server after the test closed it.
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    const char* argv[] = {FAST_CACHE_DEMO_PATH, "--port", "0", "--threads", "2", "--backend",
                          backend_url.c_str(),  nullptr};
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  // "listening on http://127.0.0.1:PORT"; DynamoDB table creation may take a few seconds.
  const std::string line = read_line(stdout_fd_, std::chrono::seconds(60));
  const auto colon = line.rfind(':');
  if (!line.starts_with("listening on http://") || colon == std::string::npos) {
    stop();
    throw std::runtime_error("demo server did not start: '" + line + "'");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

demo_server::~demo_server() {
  if (pid_ > 0) stop();
}

bool demo_server::running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

int demo_server::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  int result = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(stdout_fd_, buffer, sizeof buffer)) > 0) output_.append(buffer, static_cast<std::size_t>(n));
  ::close(stdout_fd_);
  stdout_fd_ = -1;
  return result;
}

}  // namespace e2e
