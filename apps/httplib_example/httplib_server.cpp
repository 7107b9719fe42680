// A cpp-httplib server with fast_cache.
//
//     httplib_example [port]            (default 8080; Ctrl-C stops it)
//     curl -i localhost:8080/report     X-Cache: MISS, then HIT for a minute
//     curl -i 'localhost:8080/report?skip_cache=true'
//     curl localhost:8080/visits        a counter kept in the backend
//     curl localhost:8080/users/42      a handler that receives the backend
#include <fast_cache/httplib.hpp>
#include <fast_cache/memory_backend.hpp>

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <pthread.h>
#include <signal.h>

using namespace std::chrono_literals;

namespace {

// Something worth caching: a slow report.
void report(const httplib::Request&, httplib::Response& res) {
  std::this_thread::sleep_for(500ms);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  res.set_content(
      R"({"generated_at":)" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) + "}",
      "application/json");
}

// Direct backend access: the global cache's backend is a key-value store.
void visits(const httplib::Request&, httplib::Response& res) {
  const std::shared_ptr<fast_cache::Backend> backend = fast_cache::cache.get_cache();
  const int count = std::stoi(backend->get("visits").value_or("0")) + 1;
  backend->set("visits", std::to_string(count), 1h);
  res.set_content(std::to_string(count) + "\n", "text/plain");
}

// A handler that takes the backend as a parameter (the seed's `Depends(cache.get_cache)`), so a
// test can hand it any backend.
void user(const httplib::Request& req, httplib::Response& res, fast_cache::Backend& backend) {
  const std::string key = "user:" + req.matches[1].str();
  std::optional<std::string> name = backend.get(key);
  if (!name) {
    name = "user " + req.matches[1].str();
    backend.set(key, *name, 10min);
  }
  res.set_content(*name + "\n", "text/plain");
}

// Resolves the backend on every request, as Depends does, so a re-initialised cache is used.
template <class F>
httplib::Server::Handler with_backend(F handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    handler(req, res, *fast_cache::cache.get_cache());
  };
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::stoi(argv[1]) : 8080;

  // Blocked before any thread starts, so every thread inherits the mask and only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  httplib::Server server;
  fast_cache::cache.init_app(server, std::make_shared<fast_cache::InMemoryBackend>(), {.default_expire = 5min});

  server.Get("/report", fast_cache::cpp_httplib::cache_route({.expire = 60s}, report));
  server.Get("/visits", visits);
  server.Get(R"(/users/(\d+))", with_backend(user));

  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "cannot listen on port %d\n", port);
    return 1;
  }
  std::thread stopper([&server, &stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    // stop() does nothing until the listen loop runs: a signal at startup must not be lost.
    while (!server.is_running()) std::this_thread::sleep_for(10ms);
    server.stop();
  });
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  if (!server.listen_after_bind()) {
    std::fprintf(stderr, "the listen loop failed\n");
    stopper.detach();  // still waiting for a signal; exiting ends it
    return 1;
  }
  stopper.join();
  // init_app closed the backend when the listen loop ended.
  return 0;
}
