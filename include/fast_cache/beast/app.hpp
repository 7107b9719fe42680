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
  /// How long a connection may take to send a whole request, and stay idle between requests.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  /// How long writing one response may take.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
};

/// An HTTP/1.1 server: keep-alive, pipelined requests answered in order, size limits and
/// timeouts, one io_context run by N threads. Register routes, listen(), run():
///
///     fast_cache::beast::app app;
///     fast_cache::cache.init_app(app, backend, {.default_expire = 120s});
///     app.get("/expensive", cache_route({.expire = 60s}, expensive));
///     app.listen("127.0.0.1", 8080);
///     app.run(4);  // until SIGINT, SIGTERM or stop(); then the backend is closed
///
/// Handlers that throw parameter_error produce 422; other exceptions 500. Unknown paths give 404,
/// known paths with another method 405.
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
  /// in-flight requests finish, idle connections close, then the shutdown hooks run.
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
  void close_idle_connections();

  app_options options_;
  router router_;
  Cache* cache_;
  std::vector<std::function<void()>> shutdown_hooks_;
  asio::io_context context_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  // Open connections and the signal set, behind a mutex stop() takes from any thread.
  struct shared_state;
  std::unique_ptr<shared_state> shared_;
};

/// The hook Cache::init_app finds by argument-dependent lookup: handlers get `cache`, and the
/// backend is closed when the app shuts down.
void fast_cache_init_app(app& application, Cache& cache);

}  // namespace fast_cache::beast
