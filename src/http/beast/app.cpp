#include <fast_cache/beast/app.hpp>

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace fast_cache::beast {

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

response unprocessable(const parameter_error& e) {
  boost::json::object item{{"loc", boost::json::array{e.location(), e.name()}}, {"msg", e.what()}, {"type", e.type()}};
  return json_response(boost::json::object{{"detail", boost::json::array{std::move(item)}}},
                       http::status::unprocessable_entity);
}

// The status to answer a failed read with, or unknown to just close (the peer left or timed out).
http::status read_error_status(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return http::status::unknown;
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) return http::status::bad_request;
  return http::status::unknown;
}

bool may_have_body(http::status status) {
  return http::to_status_class(status) != http::status_class::informational && status != http::status::no_content &&
         status != http::status::not_modified;
}

}  // namespace

struct app::connection {
  explicit connection(asio::ip::tcp::socket socket) : stream(std::move(socket)) {}
  boost::beast::tcp_stream stream;
  // Touched only on the connection's strand: whether a request is being answered.
  bool busy = false;
};

struct app::shared_state {
  std::mutex mutex;
  std::unordered_set<std::shared_ptr<connection>> connections;
  std::unique_ptr<asio::signal_set> signals;
};

app::app(app_options options)
    : options_(options),
      cache_(&fast_cache::cache),
      // On a strand: the accept loop and stop()'s close run on the io_context's threads, and an
      // acceptor, like every Asio object, must not be used from two of them at once.
      acceptor_(asio::make_strand(context_)),
      shared_(std::make_unique<shared_state>()) {}

app::~app() = default;

void app::on_shutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

asio::ip::tcp::endpoint app::listen(std::string_view host, std::uint16_t port) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(std::string(host)), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void app::run(std::size_t threads) {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->signals = std::make_unique<asio::signal_set>(context_, SIGINT, SIGTERM);
    shared_->signals->async_wait([this](boost::system::error_code ec, int) {
      if (!ec) stop();
    });
  }
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back([this] { context_.run(); });
  context_.run();
  for (auto& t : pool) t.join();
  // Every connection has finished: only now may the backend go away.
  for (auto it = shutdown_hooks_.rbegin(); it != shutdown_hooks_.rend(); ++it) (*it)();
}

void app::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    std::lock_guard lock(shared_->mutex);
    if (shared_->signals) shared_->signals->cancel();
  });
  close_idle_connections();
}

void app::close_idle_connections() {
  std::lock_guard lock(shared_->mutex);
  for (const auto& conn : shared_->connections) {
    // On the connection's strand, so the check of `busy` and the close cannot interleave with it.
    asio::post(conn->stream.get_executor(), [conn] {
      if (!conn->busy) conn->stream.socket().close();
    });
  }
}

namespace {

// Closing a socket with unread input makes the kernel send a reset, which can destroy the error
// response still on its way to the client (a lingering close, as HTTP servers do): read and
// discard what the client is still sending, for a short while, before closing.
asio::awaitable<void> drain(boost::beast::tcp_stream& stream) {
  constexpr std::size_t budget = 4 * 1024 * 1024;
  std::array<char, 16 * 1024> discard;
  stream.expires_after(std::chrono::milliseconds(500));
  for (std::size_t total = 0; total < budget;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(discard), use_nothrow);
    if (ec) break;
    total += n;
  }
}

}  // namespace

asio::awaitable<void> app::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(context_), use_nothrow);
    if (ec) {
      if (!acceptor_.is_open()) break;
      continue;  // e.g. too many open files: the next accept may succeed
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto conn = std::make_shared<connection>(std::move(socket));
    {
      std::lock_guard lock(shared_->mutex);
      shared_->connections.insert(conn);
    }
    auto executor = conn->stream.get_executor();
    asio::co_spawn(executor, serve(std::move(conn)), asio::detached);
  }
}

asio::awaitable<void> app::serve(std::shared_ptr<connection> conn) {
  // One buffer per connection, reused across requests; pipelined bytes stay in it for the next read.
  boost::beast::flat_buffer buffer;
  bool unread_input = false;  // an error was answered before the request was read whole
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(options_.body_limit);
    conn->stream.expires_after(options_.read_timeout);
    auto [ec, bytes] = co_await http::async_read(conn->stream, buffer, parser, use_nothrow);
    if (ec) {
      // Answer what a client can fix; drop connections that closed or timed out.
      const http::status status = read_error_status(ec);
      if (status != http::status::unknown) {
        response res = error_response(status, http::obsolete_reason(status));
        res.keep_alive(false);
        res.prepare_payload();
        conn->stream.expires_after(options_.write_timeout);
        co_await http::async_write(conn->stream, res, use_nothrow);
        unread_input = true;
      }
      break;
    }
    conn->busy = true;
    request req(parser.release(), *cache_);
    response res = co_await handle(req);
    const bool head = req.method() == http::verb::head;
    res.version(req.msg().version());
    res.keep_alive(req.msg().keep_alive() && !stopping_);
    if (!may_have_body(res.result())) res.body().clear();
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length stays that of the GET response
    conn->stream.expires_after(options_.write_timeout);
    auto [write_ec, written] = co_await http::async_write(conn->stream, res, use_nothrow);
    conn->busy = false;
    if (write_ec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  conn->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (unread_input) co_await drain(conn->stream);
  conn->stream.close();
  std::lock_guard lock(shared_->mutex);
  shared_->connections.erase(conn);
}

asio::awaitable<response> app::handle(request& req) const {
  router::result found = router_.find(req.method(), req.path());
  if (found.target == nullptr) {
    if (!found.path_found) co_return error_response(http::status::not_found, "Not Found");
    response res = error_response(http::status::method_not_allowed, "Method Not Allowed");
    res.set(http::field::allow, found.allow);
    co_return res;
  }
  if (!found.params.empty()) req.set_path_params(found.params);
  try {
    co_return co_await (*found.target)(req);
  } catch (const parameter_error& e) {
    co_return unprocessable(e);
  } catch (...) {
    co_return error_response(http::status::internal_server_error, "Internal Server Error");
  }
}

void fast_cache_init_app(app& application, Cache& cache) {
  application.attach(cache);
  application.on_shutdown([&cache] { cache.close(); });
}

}  // namespace fast_cache::beast
