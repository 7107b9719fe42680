// The Beast app against hostile or unlucky clients, over real sockets: request smuggling through
// Transfer-Encoding, the connection limit, the header deadline (slowloris) and the accept back-off
// when the process runs out of descriptors.
#include <fast_cache/beast/app.hpp>

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using fast_cache::beast::app;
using fast_cache::beast::app_options;
using fast_cache::beast::request;
using fast_cache::beast::response;
namespace http = boost::beast::http;
using steady = std::chrono::steady_clock;

boost::json::value plain(const request& /*req*/) { return boost::json::object{{"ok", true}}; }

response echo(const request& req) {
  response res(http::status::ok, 11);
  res.body() = req.msg().body();
  return res;
}

// A handler that takes longer than the tests' header deadlines.
boost::asio::awaitable<boost::json::value> slow(const request& /*req*/) {
  boost::asio::steady_timer work(co_await boost::asio::this_coro::executor, 700ms);
  co_await work.async_wait(boost::asio::use_awaitable);
  co_return boost::json::object{{"ok", true}};
}

// An app on 127.0.0.1 and a free port, served by two threads until the test ends.
class running_app {
 public:
  explicit running_app(app_options options = {}, std::size_t threads = 2) : app_(options) {
    app_.get("/plain", plain);
    app_.post("/echo", echo);
    app_.get("/slow", slow);
    port_ = app_.listen("127.0.0.1", 0).port();
    thread_ = std::thread([this, threads] { app_.run(threads); });
  }
  ~running_app() {
    app_.stop();
    thread_.join();
  }
  running_app(const running_app&) = delete;
  running_app& operator=(const running_app&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  app app_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A blocking TCP client on a plain descriptor: poll() gives every read a deadline.
class client {
 public:
  explicit client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  ~client() { close(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // False once the server has closed the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Appends what arrives within `timeout` (or until the server closes) to received(); true when
  // the server closed the connection (end of stream or reset).
  bool read_for(std::chrono::milliseconds timeout, bool stop_at_first_data = false) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::max(left.count(), std::int64_t{0})));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;  // timed out, still open
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;  // end of stream or reset
      received_.append(chunk, static_cast<std::size_t>(n));
      if (stop_at_first_data) return false;
    }
  }

  // Reads until the server closes, for at most `timeout`: everything received, or nullopt when
  // the connection stayed open.
  std::optional<std::string> read_to_eof(std::chrono::milliseconds timeout = 5s) {
    if (!read_for(timeout)) return std::nullopt;
    return received_;
  }

  // Reads one response with a Content-Length (the app always sends one); "" on timeout.
  std::string read_response(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
      const std::size_t end = received_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        std::string head = received_.substr(0, end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (const std::size_t at = head.find("\r\ncontent-length:"); at != std::string::npos) {
          length = std::stoul(head.substr(at + 17));
        }
        if (received_.size() >= end + 4 + length) {
          std::string res = received_.substr(0, end + 4 + length);
          received_.erase(0, res.size());
          return res;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left <= 0ms) return "";
      if (read_for(left, true) && received_.find("\r\n\r\n") == std::string::npos) return "";
    }
  }

  [[nodiscard]] const std::string& received() const { return received_; }

 private:
  int fd_;
  std::string received_;
};

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// ---------------------------------------------------------------------------------------------
// Request smuggling: a body whose length is ambiguous must never be parsed as further requests.

struct bad_framing {
  const char* name;
  const char* version;  // of the request line
  const char* headers;  // the framing header lines, each ending in \r\n
};

void PrintTo(const bad_framing& framing, std::ostream* os) { *os << framing.name; }

class AppSmuggling : public testing::TestWithParam<bad_framing> {};

// The body is a complete second request: a server that takes the first as bodiless answers it too.
TEST_P(AppSmuggling, AmbiguousBodyLengthGets400AndClose) {
  running_app server;
  client c(server.port());
  const std::string smuggled = "GET /plain?x=2 HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_TRUE(c.send(std::string("GET /plain?x=1 ") + GetParam().version + "\r\nHost: a\r\n" + GetParam().headers +
                     "\r\n" + smuggled));
  const std::optional<std::string> got = c.read_to_eof();
  ASSERT_TRUE(got) << "the connection stays open; received: " << c.received();
  EXPECT_TRUE(starts_with(*got, "HTTP/1.1 400 ")) << *got;
  EXPECT_EQ(count(*got, "HTTP/1."), 1U) << "a second response: the body was parsed as a request\n" << *got;
  EXPECT_EQ(count(*got, " 200 "), 0U) << *got;
  EXPECT_NE(got->find("Connection: close"), std::string::npos) << *got;
}

INSTANTIATE_TEST_SUITE_P(
    Framings, AppSmuggling,
    testing::Values(
        bad_framing{"FinalCodingNotChunked", "HTTP/1.1", "Transfer-Encoding: gzip\r\n"},
        bad_framing{"ChunkedNotLast", "HTTP/1.1", "Transfer-Encoding: chunked, gzip\r\n"},
        bad_framing{"ChunkedNotLastAcrossFields", "HTTP/1.1",
                    "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"},
        bad_framing{"ChunkedTwice", "HTTP/1.1", "Transfer-Encoding: chunked, chunked\r\n"},
        bad_framing{"EmptyTransferEncoding", "HTTP/1.1", "Transfer-Encoding: ,\r\n"},
        bad_framing{"TransferEncodingThenContentLength", "HTTP/1.1",
                    "Transfer-Encoding: gzip\r\nContent-Length: 0\r\n"},
        bad_framing{"ChunkedThenContentLength", "HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"},
        bad_framing{"ContentLengthThenChunked", "HTTP/1.1", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n"},
        bad_framing{"Http10WithChunked", "HTTP/1.0", "Transfer-Encoding: chunked\r\n"},
        bad_framing{"Http10WithGzip", "HTTP/1.0", "Transfer-Encoding: gzip\r\n"}),
    [](const testing::TestParamInfo<bad_framing>& info) { return std::string(info.param.name); });

// Framed, but with a coding the server does not decode: 501, and closed likewise.
TEST(AppTransferEncoding, CodingBeforeChunkedGets501AndClose) {
  running_app server;
  client c(server.port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
             "5\r\nhello\r\n0\r\n\r\nGET /plain HTTP/1.1\r\nHost: a\r\n\r\n"));
  const std::optional<std::string> got = c.read_to_eof();
  ASSERT_TRUE(got) << c.received();
  EXPECT_TRUE(starts_with(*got, "HTTP/1.1 501 ")) << *got;
  EXPECT_EQ(count(*got, "HTTP/1."), 1U) << *got;
}

TEST(AppTransferEncoding, ChunkedBodiesStillWork) {
  running_app server;
  client c(server.port());
  // Two chunked requests pipelined (the codings' case and several fields do not matter), then one
  // without a body.
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
             "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
             "3\r\nabc\r\n0\r\n\r\n"
             "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  const std::string first = c.read_response();
  EXPECT_TRUE(starts_with(first, "HTTP/1.1 200 ")) << first;
  EXPECT_TRUE(first.ends_with("\r\n\r\nhello world")) << first;
  const std::string second = c.read_response();
  EXPECT_TRUE(starts_with(second, "HTTP/1.1 200 ")) << second;
  EXPECT_TRUE(second.ends_with("\r\n\r\nabc")) << second;
  const std::string third = c.read_response();
  EXPECT_TRUE(starts_with(third, "HTTP/1.1 200 ")) << third;
  EXPECT_TRUE(third.ends_with(R"({"ok":true})")) << third;
  EXPECT_TRUE(c.read_to_eof()) << "Connection: close";
}

// ---------------------------------------------------------------------------------------------
// The connection limit.

constexpr std::string_view get_plain = "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n";
constexpr std::string_view get_plain_and_close = "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

TEST(AppConnectionLimit, OneTooManyGets503AndClose) {
  running_app server({.max_connections = 2});
  // Two connections, each answered once (so the server holds them), then idle.
  client a(server.port());
  client b(server.port());
  for (client* held : {&a, &b}) {
    ASSERT_TRUE(held->send(get_plain));
    const std::string res = held->read_response();
    ASSERT_TRUE(starts_with(res, "HTTP/1.1 200 ")) << res;
  }

  client refused(server.port());
  refused.send(get_plain);  // a client that sends its request at once still gets the 503
  const std::optional<std::string> got = refused.read_to_eof();
  ASSERT_TRUE(got) << "the connection stays open; received: " << refused.received();
  EXPECT_TRUE(starts_with(*got, "HTTP/1.1 503 ")) << *got;
  EXPECT_NE(got->find("Connection: close\r\n"), std::string::npos) << *got;
  EXPECT_NE(got->find("Retry-After: 1\r\n"), std::string::npos) << *got;

  // The held connections are unaffected.
  ASSERT_TRUE(b.send(get_plain));
  EXPECT_TRUE(starts_with(b.read_response(), "HTTP/1.1 200 "));

  // Once one closes, a new connection is served (as soon as the server has seen the close).
  a.close();
  bool served = false;
  std::string last;
  for (const auto deadline = steady::now() + 5s; !served && steady::now() < deadline;) {
    client next(server.port());
    next.send(get_plain_and_close);
    last = next.read_to_eof().value_or("(no close)");
    served = starts_with(last, "HTTP/1.1 200 ");
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served) << last;
}

// ---------------------------------------------------------------------------------------------
// The header deadline.

TEST(AppHeaderTimeout, TricklingHeaderIsDisconnected) {
  running_app server({.header_timeout = 300ms});
  client slow(server.port());
  const auto start = steady::now();
  // One byte every 100 ms: the header block (over 100 bytes) would take more than 10 s.
  const std::string header = "GET /plain HTTP/1.1\r\nHost: a\r\nX-Padding: " + std::string(100, 'x') + "\r\n\r\n";
  bool closed = false;
  bool other_served = false;
  for (std::size_t i = 0; i < header.size() && !closed && steady::now() - start < 5s; ++i) {
    if (!slow.send(header.substr(i, 1))) {
      closed = true;
      break;
    }
    closed = slow.read_for(100ms);
    if (i == 1) {  // meanwhile, another client is served normally
      client normal(server.port());
      normal.send(get_plain);
      other_served = starts_with(normal.read_response(), "HTTP/1.1 200 ");
    }
  }
  const auto elapsed = steady::now() - start;
  EXPECT_TRUE(closed) << "still connected after "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
  EXPECT_LT(elapsed, 3s);
  EXPECT_GE(elapsed, 250ms) << "closed before the header deadline";
  EXPECT_TRUE(other_served);
  EXPECT_EQ(slow.received().find(" 200 "), std::string::npos) << slow.received();
}

// The header deadline also bounds how long a keep-alive connection stays idle.
TEST(AppHeaderTimeout, BoundsKeepAliveIdleTime) {
  running_app server({.header_timeout = 300ms});
  client c(server.port());
  ASSERT_TRUE(c.send(get_plain));
  ASSERT_TRUE(starts_with(c.read_response(), "HTTP/1.1 200 "));
  const auto idle_since = steady::now();
  EXPECT_TRUE(c.read_for(3s)) << "the idle connection stays open";
  EXPECT_GE(steady::now() - idle_since, 250ms);
}

// The deadlines cover reading and writing, not the handler: a handler slower than the header
// deadline is answered, and the idle time after it is bounded by the header deadline again, not
// by the longer write deadline set in between.
TEST(AppHeaderTimeout, ASlowHandlerIsAnsweredAndTheIdleTimeAfterItStillBounded) {
  running_app server({.header_timeout = 300ms, .write_timeout = 20s});
  client c(server.port());
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"));
  const std::string res = c.read_response();
  EXPECT_TRUE(starts_with(res, "HTTP/1.1 200 ")) << res;
  const auto idle_since = steady::now();
  EXPECT_TRUE(c.read_for(5s)) << "the idle connection stays open";
  EXPECT_GE(steady::now() - idle_since, 250ms);
  EXPECT_LT(steady::now() - idle_since, 4s);
}

// With one thread, connections run without a strand: keep-alive requests are answered, the
// deadlines hold, and stop() still closes an idle connection (else the destructor's join hangs).
TEST(AppOneThread, ServesKeepAliveAndClosesIdleConnectionsOnStop) {
  std::optional<client> idle;
  {
    running_app server({.header_timeout = 300ms}, 1);
    client c(server.port());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(c.send(get_plain));
      ASSERT_TRUE(starts_with(c.read_response(), "HTTP/1.1 200 "));
    }
    const auto idle_since = steady::now();
    EXPECT_TRUE(c.read_for(3s)) << "the idle connection stays open";
    EXPECT_GE(steady::now() - idle_since, 250ms);
    idle.emplace(server.port());
    ASSERT_TRUE(idle->send(get_plain));
    ASSERT_TRUE(starts_with(idle->read_response(), "HTTP/1.1 200 "));
  }  // stopped with `idle` open and idle
  EXPECT_TRUE(idle->read_for(1s)) << "closed by stop()";
}

// Once the header is in, the body gets read_timeout, not what is left of the header deadline.
TEST(AppHeaderTimeout, BodyGetsTheReadTimeout) {
  running_app server({.header_timeout = 300ms, .read_timeout = 10s});
  client c(server.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhe"));
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(c.send("llo"));
  const std::string res = c.read_response();
  EXPECT_TRUE(starts_with(res, "HTTP/1.1 200 ")) << res;
  EXPECT_TRUE(res.ends_with("\r\n\r\nhello")) << res;
}

// ---------------------------------------------------------------------------------------------
// The accept back-off. Out of descriptors, accept() fails at once for as long as connections wait
// in the backlog: retried without a pause, the server would spin a core. The server runs in a
// child process whose descriptor limit the test lowers and restores (clients stay in this one).

// A byte or a string over a pipe, waiting at most `timeout`.
bool read_pipe(int fd, void* data, std::size_t size, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  return ::read(fd, data, size) == static_cast<ssize_t>(size);
}

// The child: serves /plain, and on command lowers its descriptor limit to the descriptors it has
// ('L'), restores it ('R') or stops ('S'). Answers each command with a byte.
int backoff_child(int commands, int replies) {
  app server;
  server.get("/plain", plain);
  const std::uint16_t port = server.listen("127.0.0.1", 0).port();
  std::thread serving([&server] { server.run(1); });
  rlimit original{};
  ::getrlimit(RLIMIT_NOFILE, &original);
  int status = 0;
  if (::write(replies, &port, sizeof port) != sizeof port) status = 1;
  char command = 0;
  while (status == 0 && ::read(commands, &command, 1) == 1 && command != 'S') {
    rlimit limit = original;
    if (command == 'L') {
      // The lowest free descriptor: with the limit there, nothing more can be opened.
      const int lowest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      ::close(lowest);
      limit.rlim_cur = static_cast<rlim_t>(lowest);
    }
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) status = 2;
    if (::write(replies, &command, 1) != 1) status = 3;
  }
  server.stop();
  serving.join();
  return status;
}

// The child's user and system CPU time, from /proc.
// How many descriptors a process has open.
std::size_t open_descriptors(pid_t pid) {
  const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
  return static_cast<std::size_t>(
      std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
}

std::chrono::milliseconds cpu_time(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) in parentheses: state is field 3,
  // utime field 14, stime field 15.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  const long ticks = std::stol(f.at(11)) + std::stol(f.at(12));
  return std::chrono::milliseconds(ticks * 1000 / ::sysconf(_SC_CLK_TCK));
}

class AppAcceptBackoff : public testing::Test {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {commands_, replies_})
      if (fd >= 0) ::close(fd);
  }

  void start_child() {
    int to_child[2];
    int from_child[2];
    ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(from_child, O_CLOEXEC), 0);
    // Before any thread exists in this process, so the child is a plain copy of it.
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      int status = 4;
      try {
        status = backoff_child(to_child[0], from_child[1]);
      } catch (...) {
      }
      ::_exit(status);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    commands_ = to_child[1];
    replies_ = from_child[0];
    ASSERT_TRUE(read_pipe(replies_, &port_, sizeof port_, 10s)) << "the child did not start";
  }

  bool command(char c) {
    char reply = 0;
    return ::write(commands_, &c, 1) == 1 && read_pipe(replies_, &reply, 1, 10s) && reply == c;
  }

  // Waits for the child's exit status (-1 when it did not exit).
  int stop_child() {
    char stop = 'S';
    if (::write(commands_, &stop, 1) != 1) return -1;
    for (const auto deadline = steady::now() + 10s; steady::now() < deadline;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

  pid_t pid_ = -1;
  int commands_ = -1;
  int replies_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(AppAcceptBackoff, OutOfDescriptorsDoesNotSpinAndRecovers) {
  start_child();
  if (HasFatalFailure()) return;
  {
    client warm_up(port_);  // the server is up and has opened everything it opens on its own
    warm_up.send(get_plain_and_close);
    ASSERT_TRUE(starts_with(warm_up.read_to_eof().value_or(""), "HTTP/1.1 200 "));
  }
  // The server closes its side of the warm-up connection after the client saw the end. The limit
  // goes down to the lowest free descriptor only once the count of open ones has settled: a
  // descriptor freed later would leave a hole below the limit, and one accept would succeed.
  std::size_t open_now = open_descriptors(pid_);
  for (auto settled_since = steady::now(), deadline = settled_since + 5s;
       steady::now() - settled_since < 200ms && steady::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
    if (const std::size_t n = open_descriptors(pid_); n != open_now) {
      open_now = n;
      settled_since = steady::now();
    }
  }
  ASSERT_TRUE(command('L'));
  // Connections the kernel completes into the backlog, which the server cannot accept.
  std::vector<std::unique_ptr<client>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::make_unique<client>(port_));
    waiting.back()->send(get_plain_and_close);
  }
  const auto cpu_before = cpu_time(pid_);
  const auto wall_before = steady::now();
  std::this_thread::sleep_for(1s);
  const auto cpu = cpu_time(pid_) - cpu_before;
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - wall_before);
  EXPECT_LT(cpu * 10, wall * 3) << "the server spent " << cpu.count() << " ms of CPU in " << wall.count()
                                << " ms retrying accept";
  // Not a vacuous pass: the limit did stop the accepts.
  EXPECT_FALSE(waiting.front()->read_for(0ms, true));
  EXPECT_EQ(waiting.front()->received(), "") << "served although out of descriptors";

  ASSERT_TRUE(command('R'));
  const auto restored = steady::now();
  for (auto& c : waiting) {
    const std::string got = c->read_to_eof(5s).value_or("(no close)");
    EXPECT_TRUE(starts_with(got, "HTTP/1.1 200 ")) << got;
  }
  EXPECT_LT(steady::now() - restored, 3s) << "served again only after the longest back-off (1 s) and more";
  EXPECT_EQ(stop_child(), 0);
}

}  // namespace
