// fault_proxy with real sockets: an in-test echo server upstream and a blocking client whose
// every read has a deadline, so a broken proxy fails a test instead of hanging it.
#include "support/fault_proxy.hpp"

#include "support/wait_for.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace fast_cache::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using fast_cache::testing::wait_for;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto quiet_period = 300ms;  // how long "no answer" is watched for
constexpr auto answer_limit = 2s;     // how long an expected answer may take

// Upstream: echoes every byte back on its own io thread; counts connections and bytes received.
asio::awaitable<void> echo(tcp::socket socket, std::atomic<std::size_t>* received) {
  std::array<char, 4096> buffer;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), nothrow);
    if (ec) co_return;
    *received += n;
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(buffer.data(), n), nothrow);
    if (write_ec) co_return;
  }
}

asio::awaitable<void> accept_echo(tcp::acceptor* acceptor, std::atomic<std::size_t>* accepted,
                                  std::atomic<std::size_t>* received) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(nothrow);
    if (ec) co_return;
    ++*accepted;
    asio::co_spawn(acceptor->get_executor(), echo(std::move(socket), received), asio::detached);
  }
}

class echo_server {
 public:
  echo_server() {
    asio::co_spawn(io_, accept_echo(&acceptor_, &accepted_, &received_), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~echo_server() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t accepted() const { return accepted_; }
  std::size_t received() const { return received_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> received_{0};
  std::thread thread_;
};

// A blocking POSIX client: reads wait in poll() with a deadline.
class raw_client {
 public:
  enum class outcome { complete, eof, error, timeout };
  struct reply {
    std::string data;
    outcome end = outcome::complete;
    int error = 0;  // errno when end is error
  };

  explicit raw_client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) connect_error_ = errno;
    const timeval send_limit{.tv_sec = 2, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
  }
  ~raw_client() { ::close(fd_); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  int connect_error() const { return connect_error_; }

  /// Sends all of `data`; returns 0 or the errno.
  int send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) return errno;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
  }

  /// Reads until `want` bytes arrived, the peer closed, an error, or `limit` passed.
  reply read(std::size_t want, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    reply r;
    while (r.data.size() < want) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
      if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) == 0) {
        r.end = outcome::timeout;
        return r;
      }
      std::array<char, 4096> buffer;
      const auto n = ::recv(fd_, buffer.data(), std::min(buffer.size(), want - r.data.size()), 0);
      if (n == 0) {
        r.end = outcome::eof;
        return r;
      }
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        r.end = outcome::error;
        r.error = errno;
        return r;
      }
      r.data.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return r;
  }

  /// Reads until the peer closes (or `limit` passes).
  reply read_to_eof(std::chrono::milliseconds limit = answer_limit) { return read(1 << 20, limit); }

 private:
  int fd_;
  int connect_error_ = 0;
};

// Sends, and expects the same bytes back.
void expect_echo(raw_client& client, std::string_view message) {
  ASSERT_EQ(client.send(message), 0);
  const auto r = client.read(message.size(), answer_limit);
  EXPECT_EQ(r.end, raw_client::outcome::complete);
  EXPECT_EQ(r.data, message);
}

// Sends and expects ECONNRESET, from the send (when the reset arrived first) or the read.
void expect_reset(raw_client& client) {
  const int send_error = client.send("ping");
  const auto r = client.read(1, answer_limit);
  EXPECT_TRUE(r.data.empty());
  if (send_error == 0) {
    EXPECT_EQ(r.end, raw_client::outcome::error);
    EXPECT_EQ(r.error, ECONNRESET);
  } else {
    EXPECT_EQ(send_error, ECONNRESET);
    EXPECT_NE(r.end, raw_client::outcome::timeout);
  }
}

// Sends and expects nothing back, the connection still open.
void expect_silence(raw_client& client) {
  ASSERT_EQ(client.send("ping"), 0);
  const auto r = client.read(1, quiet_period);
  EXPECT_EQ(r.end, raw_client::outcome::timeout);
  EXPECT_TRUE(r.data.empty());
}

// Whether a fresh connection is reset (true) or echoes (false).
bool connection_is_reset(std::uint16_t port) {
  raw_client client(port);
  const int send_error = client.send("ping");
  const auto r = client.read(4, answer_limit);
  if (send_error == 0 && r.data == "ping") return false;
  EXPECT_TRUE(send_error == ECONNRESET || r.error == ECONNRESET) << "neither an echo nor a reset";
  return true;
}

class FaultProxy : public ::testing::Test {
 protected:
  echo_server upstream;
  fault_proxy proxy{"127.0.0.1", upstream.port()};
};

TEST_F(FaultProxy, EndpointUrlNamesItsPort) {
  EXPECT_NE(proxy.port(), 0);
  EXPECT_NE(proxy.port(), upstream.port());
  EXPECT_EQ(proxy.endpoint_url(), "http://127.0.0.1:" + std::to_string(proxy.port()));
}

TEST_F(FaultProxy, PassRoundTripsBytes) {
  raw_client client(proxy.port());
  ASSERT_EQ(client.connect_error(), 0);
  expect_echo(client, "hello");
  std::string big(256 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  expect_echo(client, big);  // many chunks both ways
  expect_echo(client, "again");
  EXPECT_TRUE(wait_for([&] { return proxy.connections_accepted() == 1; }, answer_limit));
  EXPECT_EQ(upstream.accepted(), 1u);
  EXPECT_EQ(proxy.connections_reset(), 0u);
}

TEST_F(FaultProxy, DelayHoldsUpstreamDataOnNewAndOpenConnections) {
  raw_client open(proxy.port());
  expect_echo(open, "warm");
  proxy.set_mode(fault_mode::delay(200ms));

  raw_client fresh(proxy.port());
  for (auto* client : {&open, &fresh}) {
    const auto start = std::chrono::steady_clock::now();
    expect_echo(*client, "slow");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  }
}

TEST_F(FaultProxy, StallAcceptsButNeverAnswersNorCloses) {
  proxy.set_mode(fault_mode::stall());
  raw_client client(proxy.port());
  ASSERT_EQ(client.connect_error(), 0);
  expect_silence(client);
  expect_silence(client);  // still open: a closed connection would have read EOF
  EXPECT_TRUE(wait_for([&] { return proxy.connections_accepted() == 1; }, answer_limit));
  EXPECT_EQ(upstream.received(), 0u);  // nothing forwarded either way

  proxy.set_mode(fault_mode::pass());
  raw_client after(proxy.port());
  expect_echo(after, "back");
}

TEST_F(FaultProxy, StallSilencesAnOpenConnection) {
  raw_client client(proxy.port());
  expect_echo(client, "before");
  proxy.set_mode(fault_mode::stall());
  expect_silence(client);
  EXPECT_EQ(upstream.received(), 6u);  // "before" only: the stalled request never left the proxy
}

TEST_F(FaultProxy, ResetResetsNewConnections) {
  proxy.set_mode(fault_mode::reset());
  raw_client client(proxy.port());
  ASSERT_EQ(client.connect_error(), 0);  // accepted, then reset
  expect_reset(client);
  EXPECT_EQ(proxy.connections_reset(), 1u);
  EXPECT_EQ(upstream.accepted(), 0u);
}

TEST_F(FaultProxy, ResetResetsAnOpenConnectionWhenItNextCarriesData) {
  raw_client client(proxy.port());
  expect_echo(client, "before");
  proxy.set_mode(fault_mode::reset());
  EXPECT_EQ(proxy.connections_reset(), 0u);  // idle connections are left alone
  expect_reset(client);
  EXPECT_EQ(proxy.connections_reset(), 1u);
}

TEST_F(FaultProxy, ResetFractionOneResetsEveryNewConnection) {
  raw_client open(proxy.port());
  expect_echo(open, "before");
  proxy.set_mode(fault_mode::reset_fraction(1.0, 7));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(connection_is_reset(proxy.port()));
  EXPECT_EQ(proxy.connections_reset(), 3u);
  expect_echo(open, "open ones pass");
}

TEST_F(FaultProxy, ResetFractionZeroPassesEveryConnection) {
  proxy.set_mode(fault_mode::reset_fraction(0.0, 7));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(connection_is_reset(proxy.port()));
  EXPECT_EQ(proxy.connections_reset(), 0u);
}

TEST_F(FaultProxy, ResetFractionRepeatsForTheSameSeed) {
  fault_proxy other("127.0.0.1", upstream.port());
  std::vector<bool> first, second;
  proxy.set_mode(fault_mode::reset_fraction(0.5, 42));
  other.set_mode(fault_mode::reset_fraction(0.5, 42));
  for (int i = 0; i < 12; ++i) first.push_back(connection_is_reset(proxy.port()));
  for (int i = 0; i < 12; ++i) second.push_back(connection_is_reset(other.port()));
  EXPECT_EQ(first, second);
  EXPECT_NE(std::ranges::count(first, true), 0);
  EXPECT_NE(std::ranges::count(first, false), 0);
  EXPECT_EQ(proxy.connections_reset(), static_cast<std::size_t>(std::ranges::count(first, true)));
}

TEST_F(FaultProxy, CloseAfterTruncatesTheUpstreamData) {
  proxy.set_mode(fault_mode::close_after(10));
  raw_client client(proxy.port());
  const std::string message(100, 'm');
  ASSERT_EQ(client.send(message), 0);
  const auto r = client.read_to_eof();
  EXPECT_EQ(r.end, raw_client::outcome::eof);
  EXPECT_EQ(r.data, message.substr(0, 10));
}

TEST_F(FaultProxy, CloseAfterCountsFromTheModeChangeOnAnOpenConnection) {
  raw_client client(proxy.port());
  expect_echo(client, std::string(50, 'a'));
  proxy.set_mode(fault_mode::close_after(4));
  ASSERT_EQ(client.send("abcdefgh"), 0);
  const auto r = client.read_to_eof();
  EXPECT_EQ(r.end, raw_client::outcome::eof);
  EXPECT_EQ(r.data, "abcd");
}

TEST_F(FaultProxy, GarbageAnswersWithGarbageThenCloses) {
  proxy.set_mode(fault_mode::garbage());
  raw_client client(proxy.port());
  ASSERT_EQ(client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
  const auto r = client.read_to_eof();
  EXPECT_EQ(r.end, raw_client::outcome::eof);
  EXPECT_EQ(r.data, fault_proxy::garbage_bytes());
  EXPECT_EQ(fault_proxy::garbage_bytes().substr(0, 2), std::string_view("\x00\xff", 2));
  EXPECT_EQ(upstream.accepted(), 0u);
}

TEST_F(FaultProxy, CannedHttpAnswersEachRequestOnAKeptConnection) {
  const std::string response = fault_proxy::dynamodb_throttling_response();
  proxy.set_mode(fault_mode::canned_http(response));
  raw_client client(proxy.port());

  // Two pipelined requests, the first with a body that itself holds a blank line.
  const std::string body = "{\"a\":\"\r\n\r\n\"}";
  ASSERT_EQ(client.send("POST / HTTP/1.1\r\nHost: x\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n" +
                        body + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"),
            0);
  auto r = client.read(2 * response.size(), answer_limit);
  EXPECT_EQ(r.data, response + response);

  // A third request arriving in pieces is answered once, when whole.
  ASSERT_EQ(client.send("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab"), 0);
  EXPECT_EQ(client.read(1, quiet_period).end, raw_client::outcome::timeout);
  ASSERT_EQ(client.send("cd"), 0);
  r = client.read(response.size(), answer_limit);
  EXPECT_EQ(r.data, response);
  EXPECT_EQ(client.read(1, quiet_period).end, raw_client::outcome::timeout);  // kept open, nothing extra

  EXPECT_EQ(proxy.connections_accepted(), 1u);
  EXPECT_EQ(upstream.accepted(), 0u);
}

TEST(FaultProxyResponses, DynamoDbThrottlingIsACompleteHttpResponse) {
  const std::string response = fault_proxy::dynamodb_throttling_response();
  const std::string body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",)"
                           R"("message":"Rate of requests exceeds the allowed throughput."})";
  const auto head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  const auto head = response.substr(0, head_end + 2);
  EXPECT_EQ(head.rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_NE(head.find("\r\nContent-Type: application/x-amz-json-1.0\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nx-amzn-ErrorType: ThrottlingException\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_EQ(response.substr(head_end + 4), body);
}

TEST_F(FaultProxy, RefuseRefusesThenPassListensAgainOnTheSamePort) {
  raw_client open(proxy.port());
  expect_echo(open, "before");
  const auto port = proxy.port();

  proxy.set_mode(fault_mode::refuse());
  const auto dropped = open.read(1, answer_limit);
  EXPECT_TRUE(dropped.end == raw_client::outcome::eof || dropped.error == ECONNRESET);
  raw_client refused(port);
  EXPECT_EQ(refused.connect_error(), ECONNREFUSED);

  proxy.set_mode(fault_mode::pass());
  EXPECT_EQ(proxy.port(), port);
  raw_client again(port);
  ASSERT_EQ(again.connect_error(), 0);
  expect_echo(again, "after");
}

TEST_F(FaultProxy, CloseAllConnectionsDropsEveryOpenConnection) {
  raw_client first(proxy.port());
  raw_client second(proxy.port());
  expect_echo(first, "one");
  expect_echo(second, "two");
  proxy.close_all_connections();
  EXPECT_EQ(first.read_to_eof().end, raw_client::outcome::eof);
  EXPECT_EQ(second.read_to_eof().end, raw_client::outcome::eof);

  raw_client after(proxy.port());
  expect_echo(after, "still listening");
}

TEST(FaultProxyLifetime, DestructionClosesStalledAndDelayedConnections) {
  echo_server upstream;
  std::optional<raw_client> stalled, delayed;
  {
    fault_proxy proxy("127.0.0.1", upstream.port());
    proxy.set_mode(fault_mode::delay(10s));
    delayed.emplace(proxy.port());
    ASSERT_EQ(delayed->send("held"), 0);
    proxy.set_mode(fault_mode::stall());
    stalled.emplace(proxy.port());
    ASSERT_EQ(stalled->send("hung"), 0);
    EXPECT_TRUE(wait_for([&] { return proxy.connections_accepted() == 2; }, answer_limit));
    // Time for the echo to come back and be held by the delay.
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(delayed->read_to_eof().end, raw_client::outcome::eof);
  EXPECT_EQ(stalled->read_to_eof().end, raw_client::outcome::eof);
}

}  // namespace
}  // namespace fast_cache::test
