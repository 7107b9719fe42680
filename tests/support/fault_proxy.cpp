// fault_proxy: an accept loop and two pumps per connection (client→upstream, upstream→client),
// all coroutines on the proxy's one io thread. Each pump looks at the current mode for every chunk
// it reads, which is how a mode change reaches connections already open. The mode and every
// connection are touched only on that thread, so they need no lock.
#include "support/fault_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <functional>
#include <future>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fast_cache::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using kind = fault_mode::kind;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// How long a closing connection waits for the client's EOF before it is dropped anyway.
constexpr std::chrono::seconds linger_limit{1};

constexpr char garbage_data[] = "\x00\xff\xfeGARBAGE\x01\x02 this is not HTTP \x7f\x80\r\n\r\n";

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// The Content-Length of a request head (up to and excluding the blank line); 0 when absent or
// malformed (no exception may leave a detached coroutine: it would end the io thread).
std::size_t content_length(std::string_view head) {
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const auto line = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view() : head.substr(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(line.substr(0, colon), "content-length")) continue;
    auto value = line.substr(colon + 1);
    value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
    std::size_t length = 0;
    std::from_chars(value.data(), value.data() + value.size(), length);
    return length;
  }
  return 0;
}

// The size of the first complete request in `buffered` (head and body), or 0 if it is not all here.
std::size_t complete_request_size(std::string_view buffered) {
  const auto head_end = buffered.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  const auto size = head_end + 4 + content_length(buffered.substr(0, head_end));
  return buffered.size() >= size ? size : 0;
}

}  // namespace

struct fault_proxy::impl {
  struct connection;

  std::set<connection*> connections;  // declared before io: connections freed with io unregister
  asio::io_context io;
  // Keeps io.run() going while there is nothing to wait for (refusing, no connections).
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  tcp::endpoint upstream;
  std::uint16_t port = 0;
  fault_mode mode;                    // io thread only
  std::uint64_t mode_generation = 0;  // io thread only; bumped by every set_mode
  std::mt19937 random;                // io thread only
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> resets{0};
  std::thread thread;

  void listen();
  void apply(fault_mode next);
  void close_all();
  bool reset_new_connection();
  void run_on_io(std::function<void()> f);

  static asio::awaitable<void> accept_loop(impl* self);
  static asio::awaitable<void> client_pump(std::shared_ptr<connection> c);
  static asio::awaitable<void> upstream_pump(std::shared_ptr<connection> c);
  static asio::awaitable<bool> from_client(std::shared_ptr<connection> c, std::string_view data);
  static asio::awaitable<bool> from_upstream(std::shared_ptr<connection> c, std::string_view data);
  static asio::awaitable<bool> answer_canned(std::shared_ptr<connection> c, std::string_view data);
  static asio::awaitable<bool> to_upstream(std::shared_ptr<connection> c, std::string_view data);
  static asio::awaitable<bool> to_client(std::shared_ptr<connection> c, std::string_view data);
};

struct fault_proxy::impl::connection : std::enable_shared_from_this<connection> {
  impl* proxy;
  tcp::socket client;
  tcp::socket upstream;  // opened when the first chunk is forwarded
  asio::steady_timer delay_timer;
  asio::steady_timer linger_timer;
  bool stalled = false;    // hung for good: both directions drop everything
  bool finishing = false;  // sent FIN to the client, draining until its EOF
  bool canned = false;     // answered from the canned response; the upstream may go away
  std::string requests;    // canned: request bytes not answered yet
  std::size_t sent = 0;    // close_after: upstream bytes sent to the client under this mode
  std::uint64_t sent_generation = 0;

  connection(impl* p, tcp::socket s)
      : proxy(p), client(std::move(s)), upstream(p->io), delay_timer(p->io), linger_timer(p->io) {
    proxy->connections.insert(this);
  }
  ~connection() { proxy->connections.erase(this); }

  // close_after: how many of `size` upstream bytes may still reach the client; counts them.
  std::size_t allowance(std::size_t limit, std::size_t size) {
    if (sent_generation != proxy->mode_generation) {  // the mode was set again: count afresh
      sent_generation = proxy->mode_generation;
      sent = 0;
    }
    const auto allowed = std::min(size, limit - std::min(limit, sent));
    sent += allowed;
    return allowed;
  }

  void close() {
    error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
    delay_timer.cancel();
    linger_timer.cancel();
  }

  // SO_LINGER 0 makes the close send RST, so the client sees ECONNRESET.
  void reset() {
    if (!client.is_open()) return;
    ++proxy->resets;  // first: a client that sees the reset must see it counted
    error_code ignored;
    client.set_option(tcp::socket::linger(true, 0), ignored);
    close();
  }

  // Sends FIN and lets the client pump drain until the client closes too: closing with unread
  // bytes would send RST instead, which can discard what the client has not read yet.
  void finish() {
    if (finishing || !client.is_open()) return;
    finishing = true;
    error_code ignored;
    upstream.close(ignored);
    client.shutdown(tcp::socket::shutdown_send, ignored);
    linger_timer.expires_after(linger_limit);
    linger_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
  }
};

void fault_proxy::impl::listen() {
  // SO_REUSEADDR: connections accepted on the port may linger in TIME_WAIT when refuse ends.
  const tcp::endpoint local(asio::ip::make_address_v4("127.0.0.1"), port);
  try {
    acceptor.open(local.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(local);
    acceptor.listen();
  } catch (...) {
    error_code ignored;
    acceptor.close(ignored);  // so a later attempt can open it again
    throw;
  }
  if (port == 0) port = acceptor.local_endpoint().port();  // written only before the io thread starts
  asio::co_spawn(io, accept_loop(this), asio::detached);
}

void fault_proxy::impl::apply(fault_mode next) {
  // Listens first: if the port cannot be bound again, set_mode throws and the proxy still refuses.
  if (mode.what == kind::refuse && next.what != kind::refuse) listen();
  mode = std::move(next);
  ++mode_generation;
  if (mode.what == kind::reset_fraction) random.seed(mode.seed);
  if (mode.what == kind::refuse) {
    error_code ignored;
    acceptor.close(ignored);  // the pending accept fails and its loop ends
    close_all();
  }
}

void fault_proxy::impl::close_all() {
  // Copied: a connection unregisters itself when freed, which a close can lead to.
  for (auto* c : std::vector<connection*>(connections.begin(), connections.end())) c->close();
}

bool fault_proxy::impl::reset_new_connection() {
  if (mode.what == kind::reset) return true;
  if (mode.what != kind::reset_fraction) return false;
  return std::bernoulli_distribution(mode.probability)(random);
}

void fault_proxy::impl::run_on_io(std::function<void()> f) {
  if (io.get_executor().running_in_this_thread()) return f();
  std::packaged_task<void()> task(std::move(f));
  auto done = task.get_future();
  asio::post(io, [&task] { task(); });
  done.get();  // rethrows, e.g. when the port could not be bound again
}

asio::awaitable<void> fault_proxy::impl::accept_loop(impl* self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(nothrow);
    if (ec) co_return;  // closed: refuse mode or destruction
    ++self->accepted;
    auto c = std::make_shared<connection>(self, std::move(socket));
    if (self->reset_new_connection()) {
      c->reset();
      continue;
    }
    asio::co_spawn(self->io, client_pump(std::move(c)), asio::detached);
  }
}

// Reads the client until it closes; the connection ends with this pump.
asio::awaitable<void> fault_proxy::impl::client_pump(std::shared_ptr<connection> c) {
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    auto [ec, n] = co_await c->client.async_read_some(asio::buffer(buffer), nothrow);
    if (ec || !co_await from_client(c, std::string_view(buffer.data(), n))) break;
  }
  c->close();
}

// Reads the upstream until it closes and passes its close on to the client.
asio::awaitable<void> fault_proxy::impl::upstream_pump(std::shared_ptr<connection> c) {
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    auto [ec, n] = co_await c->upstream.async_read_some(asio::buffer(buffer), nothrow);
    if (ec || !co_await from_upstream(c, std::string_view(buffer.data(), n))) break;
  }
  error_code ignored;
  c->upstream.close(ignored);  // lets the client pump connect again after canned answers
  // A hung server never closes, and a canned connection no longer needs the upstream.
  if (!c->stalled && !c->canned) c->finish();
}

// Returns false when the connection is over. No switch: g++ 12 miscompiles co_await and
// co_return inside switch cases (the coroutine hits a trap instruction).
asio::awaitable<bool> fault_proxy::impl::from_client(std::shared_ptr<connection> c, std::string_view data) {
  if (c->stalled || c->finishing) co_return true;  // read and dropped
  const kind what = c->proxy->mode.what;
  if (what == kind::stall) {
    c->stalled = true;
    co_return true;
  }
  if (what == kind::reset) {
    c->reset();
    co_return false;
  }
  if (what == kind::garbage) {
    if (co_await to_client(c, fault_proxy::garbage_bytes())) c->finish();
    co_return true;
  }
  if (what == kind::canned_http) co_return co_await answer_canned(c, data);
  co_return co_await to_upstream(c, data);
}

asio::awaitable<bool> fault_proxy::impl::from_upstream(std::shared_ptr<connection> c, std::string_view data) {
  if (c->stalled || c->finishing) co_return true;
  const fault_mode& mode = c->proxy->mode;
  if (mode.what == kind::stall) {
    c->stalled = true;
    co_return true;
  }
  if (mode.what == kind::reset) {
    c->reset();
    co_return false;
  }
  if (mode.what == kind::garbage) {
    if (co_await to_client(c, fault_proxy::garbage_bytes())) c->finish();
    co_return false;
  }
  if (mode.what == kind::delay) {
    c->delay_timer.expires_after(mode.hold);
    auto [ec] = co_await c->delay_timer.async_wait(nothrow);
    if (ec) co_return false;  // the connection was closed meanwhile
  }
  if (mode.what == kind::close_after) {
    const auto allowed = c->allowance(mode.limit, data.size());
    const bool done = c->sent >= mode.limit;
    if (!co_await to_client(c, data.substr(0, allowed))) co_return false;
    if (done) c->finish();
    co_return !done;
  }
  // pass, delay, reset_fraction, and canned_http: this answers a request sent before the switch.
  co_return co_await to_client(c, data);
}

// Buffers the client's bytes and answers each complete request with the canned response.
asio::awaitable<bool> fault_proxy::impl::answer_canned(std::shared_ptr<connection> c, std::string_view data) {
  c->canned = true;
  c->requests.append(data);
  while (const auto size = complete_request_size(c->requests)) {
    c->requests.erase(0, size);
    // A copy: set_mode may replace the mode while the write is in flight.
    const std::string response = c->proxy->mode.response;
    if (!co_await to_client(c, response)) co_return false;
  }
  co_return true;
}

// Connects to the upstream on first use (or again after canned answers), then writes.
asio::awaitable<bool> fault_proxy::impl::to_upstream(std::shared_ptr<connection> c, std::string_view data) {
  // Bytes of a request the canned mode did not see whole yet belong before these.
  std::string pending = std::exchange(c->requests, {});
  pending.append(data);
  c->canned = false;
  if (!c->upstream.is_open()) {
    auto [ec] = co_await c->upstream.async_connect(c->proxy->upstream, nothrow);
    if (ec) {  // the server is down: the client sees its connection closed
      c->finish();
      co_return true;
    }
    asio::co_spawn(c->proxy->io, upstream_pump(c), asio::detached);
  }
  auto [ec, n] = co_await asio::async_write(c->upstream, asio::buffer(pending), nothrow);
  co_return !ec;
}

asio::awaitable<bool> fault_proxy::impl::to_client(std::shared_ptr<connection> c, std::string_view data) {
  auto [ec, n] = co_await asio::async_write(c->client, asio::buffer(data), nothrow);
  co_return !ec;
}

fault_proxy::fault_proxy(std::string upstream_host, std::uint16_t upstream_port) : impl_(std::make_unique<impl>()) {
  tcp::resolver resolver(impl_->io);
  impl_->upstream = *resolver.resolve(upstream_host, std::to_string(upstream_port)).begin();
  impl_->listen();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

namespace {

std::pair<std::string, std::uint16_t> host_and_port(std::string_view url) {
  const auto authority = url.substr(url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3);
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("fault_proxy: no port in " + std::string(url));
  return {std::string(authority.substr(0, colon)),
          static_cast<std::uint16_t>(std::stoi(std::string(authority.substr(colon + 1))))};
}

}  // namespace

fault_proxy::fault_proxy(std::string_view upstream_url)
    : fault_proxy(host_and_port(upstream_url).first, host_and_port(upstream_url).second) {}

fault_proxy::~fault_proxy() {
  impl_->run_on_io([this] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->close_all();
  });
  // Coroutines still suspended are freed with the io_context, releasing their connections.
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t fault_proxy::port() const noexcept { return impl_->port; }

std::string fault_proxy::endpoint_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

void fault_proxy::set_mode(fault_mode mode) {
  impl_->run_on_io([this, &mode] { impl_->apply(std::move(mode)); });
}

void fault_proxy::close_all_connections() {
  impl_->run_on_io([this] { impl_->close_all(); });
}

std::size_t fault_proxy::connections_accepted() const noexcept { return impl_->accepted; }

std::size_t fault_proxy::connections_reset() const noexcept { return impl_->resets; }

std::string fault_proxy::dynamodb_throttling_response() {
  const std::string body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",)"
                           R"("message":"Rate of requests exceeds the allowed throughput."})";
  return "HTTP/1.1 400 Bad Request\r\n"
         "Content-Type: application/x-amz-json-1.0\r\n"
         "x-amzn-ErrorType: ThrottlingException\r\n"
         "x-amzn-RequestId: FAULTPROXY0000000000000000000000000000000000000000\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string_view fault_proxy::garbage_bytes() noexcept {
  return std::string_view(garbage_data, sizeof garbage_data - 1);
}

}  // namespace fast_cache::test
