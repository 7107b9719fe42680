// http_client against a real in-process HTTP server: pooling, keep-alive, retries and failures.
#include "net/http_client.hpp"

#include "unit/net/client_fixture.hpp"
#include "unit/net/test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/system_error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>

namespace fast_cache::net::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

endpoint local(std::uint16_t port) { return parse_endpoint("http://127.0.0.1:" + std::to_string(port)); }

class HttpClient : public ::testing::Test {
 protected:
  test_server server;
  client_io io;
};

TEST_F(HttpClient, RoundTripSendsHeadersAndBody) {
  http_client client(io.executor(), local(server.port()));
  auto req = make_request("/echo", R"({"TableName":"t"})");
  req.headers.emplace_back("X-Amz-Target", "DynamoDB_20120810.GetItem");
  const auto [ec, res] = send(client, std::move(req));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, R"({"TableName":"t"})");
  EXPECT_EQ(res.header("x-echo-method"), "POST");
  EXPECT_EQ(res.header("X-Echo-Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(client.target().port, server.port());
}

TEST_F(HttpClient, GivenHostHeaderIsKept) {
  http_client client(io.executor(), local(server.port()));
  auto req = make_request("/echo");
  req.headers.emplace_back("host", "example.com");
  const auto [ec, res] = send(client, std::move(req));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.header("X-Echo-Host"), "example.com");
}

TEST_F(HttpClient, HeaderInjectionIsRefused) {
  http_client client(io.executor(), local(server.port()));
  auto req = make_request("/echo");
  req.headers.emplace_back("X-Amz-Target", "GetItem\r\nX-Injected: 1");
  EXPECT_EQ(send(client, std::move(req)).ec, boost::system::errc::invalid_argument);
  EXPECT_EQ(send(client, make_request("/echo HTTP/1.1\r\nX: y")).ec, boost::system::errc::invalid_argument);
  EXPECT_EQ(server.accepted(), 0u);
}

// Passing the request straight into co_await is the pattern GCC PR 100611 breaks; ASan watches it.
asio::awaitable<void> sequential_requests(http_client* client, int count, std::string* failure) {
  for (int i = 0; i < count; ++i) {
    auto [ec, res] =
        co_await client->async_request(make_request("/echo", std::to_string(i)), asio::as_tuple(asio::use_awaitable));
    if (ec || res.body != std::to_string(i)) {
      *failure = "request " + std::to_string(i) + ": " + ec.message();
      co_return;
    }
  }
}

TEST_F(HttpClient, SequentialRequestsReuseOneConnection) {
  http_client client(io.executor(), local(server.port()));
  std::string failure;
  asio::co_spawn(io.executor(), sequential_requests(&client, 100, &failure), asio::use_future).get();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(server.accepted(), 1u);
}

// request(): the pool's steps run in the caller's coroutine, on the client's executor.
asio::awaitable<void> direct_requests(http_client* client, int count, std::string* failure) {
  co_await asio::this_coro::throw_if_cancelled(false);
  for (int i = 0; i < count; ++i) {
    http_request req = make_request("/echo", std::to_string(i));
    http_response res;
    const auto ec = co_await client->request(req, res);
    if (ec || res.body != std::to_string(i)) {
      *failure = "request " + std::to_string(i) + ": " + ec.message();
      co_return;
    }
  }
}

TEST_F(HttpClient, DirectRequestsOnTheStrandReuseOneConnection) {
  http_client client(io.executor(), local(server.port()));
  std::string failure;
  asio::co_spawn(client.executor(), direct_requests(&client, 100, &failure), asio::use_future).get();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(server.accepted(), 1u);
}

asio::awaitable<boost::system::error_code> direct_request(http_client* client, std::string target) {
  co_await asio::this_coro::throw_if_cancelled(false);
  http_request req = make_request(std::move(target));
  http_response res;
  co_return co_await client->request(req, res);
}

struct emit_terminal {
  asio::cancellation_signal* signal;
  void operator()() const { signal->emit(asio::cancellation_type::terminal); }
};

// A cancelled direct request ends with operation_aborted and gives its pool slot back.
TEST_F(HttpClient, DirectRequestHonoursCancellationAndFreesItsSlot) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) { o.max_connections = 1; }));
  asio::cancellation_signal signal;
  auto hung = asio::co_spawn(client.executor(), direct_request(&client, "/hang"),
                             asio::bind_cancellation_slot(signal.slot(), asio::use_future));
  std::this_thread::sleep_for(50ms);
  asio::post(client.executor(), emit_terminal{&signal});
  EXPECT_EQ(hung.get(), asio::error::operation_aborted);
  const auto next = asio::co_spawn(client.executor(), direct_request(&client, "/echo"), asio::use_future).get();
  EXPECT_FALSE(next) << next.message();
}

// Cancelled while paused, so its cancellation state is set when it calls request(); it throws on
// cancellation, as coroutines do by default.
asio::awaitable<boost::system::error_code> cancelled_then_request(http_client* client, asio::steady_timer* pause) {
  co_await pause->async_wait(asio::as_tuple(asio::use_awaitable));
  http_request req = make_request("/echo");
  http_response res;
  co_return co_await client->request(req, res);
}

// Such a caller throws at its co_await of request(), before it joins the queue for a connection:
// the slot freed later goes to the next request, not to a frame that is gone.
TEST_F(HttpClient, ACallerThrowingOnCancellationNeverJoinsTheWaitQueue) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) {
                       o.max_connections = 1;
                       o.request_timeout = 500ms;
                     }));
  auto hung = asio::co_spawn(client.executor(), direct_request(&client, "/hang"), asio::use_future);
  std::this_thread::sleep_for(50ms);
  asio::steady_timer pause(client.executor(), 10s);
  asio::cancellation_signal signal;
  auto cancelled = asio::co_spawn(client.executor(), cancelled_then_request(&client, &pause),
                                  asio::bind_cancellation_slot(signal.slot(), asio::use_future));
  std::this_thread::sleep_for(50ms);
  asio::post(client.executor(), emit_terminal{&signal});
  EXPECT_THROW(cancelled.get(), boost::system::system_error);
  EXPECT_EQ(hung.get(), boost::beast::error::timeout);  // the only slot comes back...
  const auto next = asio::co_spawn(client.executor(), direct_request(&client, "/echo"), asio::use_future).get();
  EXPECT_FALSE(next) << next.message();  // ...to this request
}

TEST_F(HttpClient, PoolBoundHoldsUnderConcurrency) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) { o.max_connections = 4; }));
  constexpr int count = 200;
  std::mutex mutex;
  int ok = 0, done = 0;
  std::promise<void> all_done;
  for (int i = 0; i < count; ++i) {
    client.async_request(make_request("/slow"), [&](boost::system::error_code ec, http_response res) {
      std::lock_guard lock(mutex);
      ok += !ec && res.status == 200;
      if (++done == count) all_done.set_value();
    });
  }
  all_done.get_future().get();
  EXPECT_EQ(ok, count);
  EXPECT_LE(server.accepted(), 4u);
  EXPECT_LE(server.peak_open(), 4u);
  EXPECT_GE(server.accepted(), 2u) << "requests should have run in parallel";
}

TEST_F(HttpClient, IdleConnectionClosedByServerIsRetriedTransparently) {
  http_client client(io.executor(), local(server.port()));
  ASSERT_FALSE(send(client, make_request("/echo")).ec);
  server.close_idle_connections();
  std::this_thread::sleep_for(20ms);  // let the FIN arrive, as it would during real idleness
  const auto [ec, res] = send(client, make_request("/echo", "again"));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.body, "again");
  EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpClient, ConnectionCloseFromServerIsRespected) {
  http_client client(io.executor(), local(server.port()));
  for (int i = 0; i < 3; ++i) {
    const auto [ec, res] = send(client, make_request("/close"));
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.status, 200u);
  }
  EXPECT_EQ(server.accepted(), 3u);
}

TEST_F(HttpClient, IdleTimeoutRetiresOldConnections) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) { o.idle_timeout = 50ms; }));
  ASSERT_FALSE(send(client, make_request("/echo")).ec);
  std::this_thread::sleep_for(100ms);
  ASSERT_FALSE(send(client, make_request("/echo")).ec);
  EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpClient, ConnectRefusedFailsFast) {
  std::uint16_t dead_port = 0;
  {
    asio::io_context scratch;
    asio::ip::tcp::acceptor probe(scratch, {asio::ip::make_address("127.0.0.1"), 0});
    dead_port = probe.local_endpoint().port();
  }
  http_client client(io.executor(), local(dead_port));
  const auto start = clock_type::now();
  const auto [ec, res] = send(client, make_request("/echo"));
  EXPECT_EQ(ec, asio::error::connection_refused) << ec.message();
  EXPECT_LT(clock_type::now() - start, 1s);
}

// Sends req, to which the server never answers: it must end as timed out, after about 200 ms.
void expect_timeout_after_200ms(http_client& client, http_request req) {
  const auto start = clock_type::now();
  const auto [ec, res] = send(client, std::move(req));
  const auto elapsed = clock_type::now() - start;
  EXPECT_EQ(ec, boost::beast::error::timeout) << ec.message();
  EXPECT_GE(elapsed, 180ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpClient, HangingServerTimesOutWithinRequestTimeout) {
  http_client client(io.executor(), local(server.port()),
                     options([](client_options& o) { o.request_timeout = 200ms; }));
  expect_timeout_after_200ms(client, make_request("/hang"));
}

// The pool's one timer stays armed between requests here, due at an earlier request's deadline;
// a later request's own deadline still ends it on time.
TEST_F(HttpClient, HangingServerTimesOutOnTimeAfterRequestsInARow) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) {
                       o.request_timeout = 200ms;
                       o.timer_outlives_requests = true;
                     }));
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(send(client, make_request("/slow")).ec);
  expect_timeout_after_200ms(client, make_request("/hang"));
}

// The timer, still due at the first request's far deadline, is brought forward for the second.
TEST_F(HttpClient, AShortDeadlineAfterALongOneEndsOnTime) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) {
                       o.request_timeout = 30s;
                       o.timer_outlives_requests = true;
                     }));
  ASSERT_FALSE(send(client, make_request("/echo")).ec);
  http_request hang = make_request("/hang");
  hang.deadline = clock_type::now() + 200ms;
  expect_timeout_after_200ms(client, std::move(hang));
}

struct mark_done {
  bool* done;
  void operator()(boost::system::error_code ec, const http_response&) const { *done = !ec; }
};

// By default nothing of the client's is left pending once its requests are done: a user's
// io_context::run() returns then, not when a 30 s request timeout would have run out.
TEST_F(HttpClient, RunReturnsOnceTheLastRequestIsDone) {
  asio::io_context users;
  http_client client(users.get_executor(), local(server.port()),
                     options([](client_options& o) { o.request_timeout = 30s; }));
  bool done = false;
  client.async_request(make_request("/echo"), mark_done{&done});
  const auto start = clock_type::now();
  users.run();
  EXPECT_TRUE(done);
  EXPECT_LT(clock_type::now() - start, 10s);
}

TEST_F(HttpClient, GarbageResponseIsAnError) {
  http_client client(io.executor(), local(server.port()));
  const auto [ec, res] = send(client, make_request("/garbage"));
  EXPECT_TRUE(ec);
  // The pool recovers: the broken connection is not reused.
  EXPECT_FALSE(send(client, make_request("/echo")).ec);
}

TEST_F(HttpClient, TruncatedBodyIsAnError) {
  http_client client(io.executor(), local(server.port()));
  const auto [ec, res] = send(client, make_request("/truncated"));
  EXPECT_EQ(ec, boost::beast::http::error::partial_message) << ec.message();
}

TEST_F(HttpClient, ResponseAtTheLimitIsRead) {
  http_client client(io.executor(), local(server.port()),
                     options([](client_options& o) { o.max_response_bytes = 1000; }));
  const auto [ec, res] = send(client, make_request("/big?n=1000"));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.body.size(), 1000u);
}

TEST_F(HttpClient, OversizedResponseIsAnError) {
  http_client client(io.executor(), local(server.port()),
                     options([](client_options& o) { o.max_response_bytes = 1000; }));
  const auto [ec, res] = send(client, make_request("/big?n=1001"));
  EXPECT_EQ(ec, boost::beast::http::error::body_limit) << ec.message();
}

TEST_F(HttpClient, CloseFailsQueuedInFlightAndLaterRequests) {
  http_client client(io.executor(), local(server.port()), options([](client_options& o) {
                       o.max_connections = 1;
                       o.request_timeout = 30s;
                     }));
  std::vector<std::future<result>> pending;
  for (int i = 0; i < 5; ++i) pending.push_back(start(client, make_request("/hang")));
  while (server.accepted() == 0) std::this_thread::sleep_for(1ms);
  const auto start = clock_type::now();
  client.close();
  client.close();
  for (auto& f : pending) EXPECT_EQ(f.get().ec, asio::error::operation_aborted);
  EXPECT_LT(clock_type::now() - start, 1s);
  EXPECT_EQ(send(client, make_request("/echo")).ec, asio::error::operation_aborted);
  EXPECT_EQ(server.accepted(), 1u);
}

TEST_F(HttpClient, DestructorCompletesOutstandingRequests) {
  auto client = std::make_unique<http_client>(io.executor(), local(server.port()));
  auto pending = start(*client, make_request("/hang"));
  while (server.accepted() == 0) std::this_thread::sleep_for(1ms);
  client.reset();
  EXPECT_EQ(pending.get().ec, asio::error::operation_aborted);
}

}  // namespace
}  // namespace fast_cache::net::test
