// fast-cache-demo: the seed's examples as a Boost.Beast server.
#include "cli.hpp"
#include "routes.hpp"

#include <fast_cache/backend_factory.hpp>
#include <fast_cache/beast.hpp>

#include <exception>
#include <iostream>

using namespace std::chrono_literals;

namespace {

// Backend failures are absorbed by the cache (fail-open); say so on stderr.
void log_cache_error(const fast_cache::cache_error& e) {
  std::cerr << "cache " << e.operation << " failed for key '" << e.key << "': " << e.diag.message << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto options = demo::parse_cli(argc, argv, exit_code);
  if (!options) return exit_code;
  try {
    fast_cache::beast::app app;
    fast_cache::cache.init_app(app, fast_cache::make_backend(options->backend),
                               {.default_expire = 120s, .on_error = log_cache_error});
    demo::add_routes(app);
    const auto endpoint = app.listen(options->host, options->port);
    std::cout << "listening on http://" << options->host << ":" << endpoint.port() << std::endl;
    app.run(options->threads);
    std::cout << "stopped" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "fast-cache-demo: " << e.what() << "\n";
    return 1;
  }
}
