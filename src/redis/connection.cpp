#include "redis/connection.hpp"

#include "core/nothrow_awaitable.hpp"
#include "redis/commands.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <array>

namespace fast_cache::redis {

namespace {

using fast_cache::detail::nothrow_awaitable;

// ssl::stream needs a context even when TLS is off; one, never configured, serves every plain
// connection.
asio::ssl::context& plain_context() {
  static asio::ssl::context context(asio::ssl::context::tls_client);
  return context;
}

// The commands every new connection starts with, and how many replies they give.
std::size_t handshake(const connection_settings& s, std::string& out) {
  std::size_t count = 0;
  if (!s.password.empty()) {
    if (s.username.empty()) {
      append_command(out, {"AUTH", s.password});
    } else {
      append_command(out, {"AUTH", s.username, s.password});
    }
    ++count;
  }
  if (s.db != 0) {
    const std::string db = std::to_string(s.db);
    append_command(out, {"SELECT", db});
    ++count;
  }
  if (!s.client_name.empty()) {
    append_command(out, {"CLIENT", "SETNAME", s.client_name});
    ++count;
  }
  return count;
}

}  // namespace

struct connection::request {
  request(asio::io_context::executor_type ex, clock::time_point deadline, std::size_t count, bool handshake)
      : wake(ex, deadline), expected(count), is_handshake(handshake) {}
  asio::steady_timer wake;  // expires at the deadline; cancelled when the request is done
  std::size_t expected;
  bool is_handshake;
  std::vector<reply> replies;
  bool done = false;
  errc error{};
  std::string message;
};

connection::connection(asio::io_context::executor_type ex, std::shared_ptr<const connection_settings> settings)
    : ex_(ex), settings_(std::move(settings)) {}

connection::~connection() = default;

asio::awaitable<std::vector<reply>> connection::exchange(std::string commands, std::size_t count,
                                                         clock::time_point deadline) {
  const std::shared_ptr<connection> self = shared_from_this();
  if (closed_) throw Error(errc::closed, "Redis backend is closed");
  auto req = std::make_shared<request>(ex_, deadline, count, false);
  outgoing_ += commands;
  pending_.push_back(req);
  if (phase_ == phase::idle) {
    start_connecting();
  } else if (phase_ == phase::ready) {
    kick_writer();
  }
  const auto waited = co_await req->wake.async_wait(nothrow_awaitable);
  const boost::system::error_code ec = std::get<0>(waited);
  if (req->done) {
    if (req->error != errc{}) throw Error(req->error, req->message);
    co_return std::move(req->replies);
  }
  // Unanswered, and its reply would answer the next request: the connection goes.
  if (ec == asio::error::operation_aborted) {
    fail(errc::unavailable, "Redis at " + settings_->address() + ": connection closed after a cancelled request");
    throw boost::system::system_error(asio::error::operation_aborted);
  }
  const std::string message = "Redis at " + settings_->address() + " did not answer within the budget";
  fail(errc::timeout, message);
  throw Error(errc::timeout, message);
}

void connection::close() {
  closed_ = true;
  fail(errc::closed, "Redis backend is closed");
}

void connection::start_connecting() {
  phase_ = phase::connecting;
  asio::co_spawn(ex_, connect_and_run(shared_from_this(), ++generation_), asio::detached);
}

asio::awaitable<void> connection::connect_and_run(std::shared_ptr<connection> self, std::uint64_t generation) {
  const connection_settings& s = *settings_;
  auto stream = std::make_shared<stream_type>(ex_, s.tls ? *s.tls : plain_context());
  stream_ = stream;
  // Bounds DNS, connect and the TLS handshake together; the requests' own deadlines still apply.
  asio::steady_timer guard(ex_, s.connect_timeout);
  guard.async_wait([self, generation](boost::system::error_code ec) {
    if (!ec && self->generation_ == generation && self->phase_ == phase::connecting)
      self->fail(errc::unavailable, "Redis at " + self->settings_->address() + ": connect timed out");
  });
  asio::ip::tcp::resolver resolver(ex_);
  const auto resolved = co_await resolver.async_resolve(s.host, std::to_string(s.port), nothrow_awaitable);
  if (generation != generation_) co_return;
  if (std::get<0>(resolved)) {
    guard.cancel();
    fail(errc::unavailable, "Redis at " + s.address() + ": cannot resolve host: " + std::get<0>(resolved).message());
    co_return;
  }
  const auto connected = co_await asio::async_connect(stream->next_layer(), std::get<1>(resolved), nothrow_awaitable);
  if (generation != generation_) co_return;
  if (std::get<0>(connected)) {
    guard.cancel();
    fail(errc::unavailable, "Redis at " + s.address() + ": cannot connect: " + std::get<0>(connected).message());
    co_return;
  }
  boost::system::error_code ignored;
  stream->next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (s.tls) {
    if (s.verify_tls) {
      stream->set_verify_mode(asio::ssl::verify_peer);
      stream->set_verify_callback(asio::ssl::host_name_verification(s.host));
    } else {
      stream->set_verify_mode(asio::ssl::verify_none);
    }
    SSL_set_tlsext_host_name(stream->native_handle(), s.host.c_str());
    const auto shaken = co_await stream->async_handshake(asio::ssl::stream_base::client, nothrow_awaitable);
    if (generation != generation_) co_return;
    if (std::get<0>(shaken)) {
      guard.cancel();
      fail(errc::unavailable, "Redis at " + s.address() + ": TLS handshake failed: " + std::get<0>(shaken).message());
      co_return;
    }
  }
  guard.cancel();
  reader_ = std::make_unique<reply_reader>();
  std::string first;
  if (const std::size_t count = handshake(s, first); count > 0) {
    pending_.push_front(std::make_shared<request>(ex_, clock::time_point::max(), count, true));
    outgoing_.insert(0, first);
  }
  phase_ = phase::ready;
  asio::co_spawn(ex_, read_loop(self, generation), asio::detached);
  kick_writer();
}

void connection::kick_writer() {
  if (writing_ || phase_ != phase::ready || outgoing_.empty()) return;
  writing_ = true;
  asio::co_spawn(ex_, write_loop(shared_from_this(), generation_), asio::detached);
}

// The first parameter keeps the connection alive while the loop runs.
asio::awaitable<void> connection::write_loop(std::shared_ptr<connection> /*self*/, std::uint64_t generation) {
  const std::shared_ptr<stream_type> stream = stream_;
  std::string chunk;
  while (generation == generation_ && !outgoing_.empty()) {
    chunk.clear();
    chunk.swap(outgoing_);  // what arrives meanwhile goes out with the next write
    const auto written = settings_->tls
                             ? co_await asio::async_write(*stream, asio::buffer(chunk), nothrow_awaitable)
                             : co_await asio::async_write(stream->next_layer(), asio::buffer(chunk), nothrow_awaitable);
    if (generation != generation_) co_return;
    if (std::get<0>(written)) {
      fail(errc::unavailable, "Redis at " + settings_->address() + ": write failed: " + std::get<0>(written).message());
      co_return;
    }
  }
  if (generation == generation_) writing_ = false;
}

asio::awaitable<void> connection::read_loop(std::shared_ptr<connection> /*self*/, std::uint64_t generation) {
  const std::shared_ptr<stream_type> stream = stream_;
  std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const auto got = settings_->tls
                         ? co_await stream->async_read_some(asio::buffer(buffer), nothrow_awaitable)
                         : co_await stream->next_layer().async_read_some(asio::buffer(buffer), nothrow_awaitable);
    if (generation != generation_) co_return;
    if (std::get<0>(got)) {
      fail(errc::unavailable, "Redis at " + settings_->address() + ": connection lost: " + std::get<0>(got).message());
      co_return;
    }
    try {
      reader_->feed(std::string_view(buffer.data(), std::get<1>(got)));
      while (generation == generation_) {
        std::optional<reply> r = reader_->next();
        if (!r) break;
        deliver(std::move(*r));
      }
    } catch (const Error& e) {
      if (generation == generation_) fail(errc::protocol, "Redis at " + settings_->address() + ": " + e.what());
      co_return;
    }
    if (generation != generation_) co_return;
  }
}

void connection::watch(std::function<bool(const reply&)> is_push, std::function<void(reply)> on_push,
                       std::function<void()> on_broken) {
  is_push_ = std::move(is_push);
  on_push_ = std::move(on_push);
  on_broken_ = std::move(on_broken);
}

void connection::deliver(reply r) {
  if (is_push_ && is_push_(r)) {
    on_push_(std::move(r));
    return;
  }
  if (pending_.empty()) {
    fail(errc::protocol, "Redis at " + settings_->address() + " sent a reply nobody asked for");
    return;
  }
  request& front = *pending_.front();
  front.replies.push_back(std::move(r));
  if (front.replies.size() < front.expected) return;
  const std::shared_ptr<request> done = std::move(pending_.front());
  pending_.pop_front();
  if (done->is_handshake) {
    for (const reply& answer : done->replies) {
      // The server's words name the refusal (WRONGPASS, NOAUTH, "DB index is out of range"), never a secret.
      if (answer.is_error())
        fail(errc::rejected, "Redis at " + settings_->address() + " refused the connection: " + answer.text);
    }
    return;
  }
  done->done = true;
  done->wake.cancel();
}

void connection::fail(errc code, const std::string& message) {
  ++generation_;
  phase_ = phase::idle;
  writing_ = false;
  outgoing_.clear();
  if (stream_) {
    boost::system::error_code ignored;
    stream_->next_layer().close(ignored);
    stream_.reset();  // in-flight operations keep it alive until they end
  }
  if (on_broken_) on_broken_();
  std::deque<std::shared_ptr<request>> failed;
  failed.swap(pending_);
  for (const auto& req : failed) {
    req->done = true;
    req->error = code;
    req->message = message;
    req->wake.cancel();
  }
}

}  // namespace fast_cache::redis
