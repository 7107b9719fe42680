// app: a small Boost.Beast HTTP/1.1 server with FastAPI-like route registration, the target of
// `cache.init_app(app, backend, options)`.
#pragma once

#include <fast_cache/beast/cache_route.hpp>
#include <fast_cache/beast/handler.hpp>
#include <fast_cache/beast/router.hpp>
#include <fast_cache/cache.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace fast_cache::beast {

struct app_options {
  /// Largest request header block; larger requests get 431.
  std::uint32_t header_limit = 16 * 1024;
  /// Largest request body; larger requests get 413.
  std::uint64_t body_limit = 1024 * 1024;
  /// How long a request's header block may take to arrive, counted from when the connection starts
  /// waiting for it (on accept, and after each response on a keep-alive connection): this is also
  /// how long a keep-alive connection may stay idle. A client that trickles its header (slowloris)
  /// is disconnected when it runs out. 10 s: a real client sends its header in one go.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  /// How long a request's body may take to arrive once its header has.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  /// How long writing one response may take.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  /// Most connections open at once. One more is answered `503 Service Unavailable` with
  /// `Connection: close` and `Retry-After: 1` (given 1 s to be written; at most 64 at a time,
  /// beyond that closed at once) and closed; it never counts toward the limit. An idle connection
  /// costs a descriptor and a few KB: 10'000 is more than one process serves usefully and keeps a
  /// flood of clients from taking every descriptor. Keep it below the process's descriptor limit
  /// (`ulimit -n`) with room for backend connections: when accept() itself runs out of
  /// descriptors, new connections wait in the listen backlog while the server retries, backing
  /// off from 10 ms to 1 s.
  std::size_t max_connections = 10'000;
};

/// An HTTP/1.1 server: keep-alive, pipelined requests answered in order, size limits and
/// timeouts, a connection limit, one io_context run by N threads. Register routes, listen(), run():
///
///     fast_cache::beast::app app;
///     fast_cache::cache.init_app(app, backend, {.default_expire = 120s});
///     app.get("/expensive", cache_route({.expire = 60s}, expensive));
///     app.listen("127.0.0.1", 8080);
///     app.run(4);  // until SIGINT, SIGTERM or stop(); then the backend is closed
///
/// Handlers that throw parameter_error produce 422; other exceptions 500. Unknown paths give 404,
/// known paths with another method 405. A request whose body length is ambiguous (RFC 9112 §6.3:
/// Transfer-Encoding whose final coding is not `chunked`, or `chunked` other than last or twice,
/// Transfer-Encoding with Content-Length, Transfer-Encoding in HTTP/1.0) gets 400 and the
/// connection is closed: its body is never read as further requests (request smuggling). A
/// coding before `chunked` (e.g. `gzip, chunked`) gets 501, as the server does not decode it.
class app {
 public:
  explicit app(app_options options = {});
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  /// Registers a handler (see make_handler) for method and path pattern (see router).
  template <class F>
  app& route(http::verb method, std::string_view pattern, F fn) {
    router_.add(method, pattern, make_handler(std::move(fn)));
    return *this;
  }
  template <class F>
  app& get(std::string_view pattern, F fn) {
    return route(http::verb::get, pattern, std::move(fn));
  }
  template <class F>
  app& post(std::string_view pattern, F fn) {
    return route(http::verb::post, pattern, std::move(fn));
  }
  template <class F>
  app& put(std::string_view pattern, F fn) {
    return route(http::verb::put, pattern, std::move(fn));
  }
  template <class F>
  app& delete_(std::string_view pattern, F fn) {
    return route(http::verb::delete_, pattern, std::move(fn));
  }

  /// The Cache handed to handlers (request::cache()); the global fast_cache::cache until
  /// init_app attaches another.
  void attach(Cache& cache) noexcept { cache_ = &cache; }
  [[nodiscard]] Cache& cache() const noexcept { return *cache_; }

  /// Runs `hook` after the server stopped and every request finished (the seed's lifespan
  /// shutdown). Hooks run in reverse order of registration.
  void on_shutdown(std::function<void()> hook);

  /// Binds and listens; port 0 picks a free port. Returns the bound endpoint.
  /// Throws boost::system::system_error when the address is unusable.
  asio::ip::tcp::endpoint listen(std::string_view host, std::uint16_t port);

  /// Serves on `threads` threads (the calling one included) until stop(), SIGINT or SIGTERM;
  /// in-flight requests finish, idle connections close, then the shutdown hooks run. With one
  /// thread, connections go without a strand (one thread already runs their handlers one at a
  /// time, and a strand costs about a tenth of a request): run context() on no other thread.
  void run(std::size_t threads = 1);

  /// Asks run() to finish, as a signal would. Thread-safe; idempotent.
  void stop();

  /// Answers one request: routing, 404/405, 422 and 500. What a connection does per request,
  /// exposed so tests can drive routes without sockets.
  asio::awaitable<response> handle(request& req) const;

  [[nodiscard]] asio::io_context& context() noexcept { return context_; }

 private:
  struct connection;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<connection> conn);
  asio::awaitable<void> refuse(std::shared_ptr<connection> conn);
  static void watch(std::shared_ptr<connection> conn);
  void close_idle_connections();

  app_options options_;
  router router_;
  Cache* cache_;
  std::vector<std::function<void()>> shutdown_hooks_;
  asio::io_context context_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  // Set by run() before anything is accepted: whether connections need strands.
  bool one_thread_ = false;
  // Open connections and the signal set, behind a mutex stop() takes from any thread; the accept
  // loop's back-off timer.
  struct shared_state;
  std::unique_ptr<shared_state> shared_;
};

/// The hook Cache::init_app finds by argument-dependent lookup: handlers get `cache`, and the
/// backend is closed when the app shuts down.
void fast_cache_init_app(app& application, Cache& cache);

}  // namespace fast_cache::beast
