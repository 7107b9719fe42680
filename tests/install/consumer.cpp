// Links every installed layer and uses each once.
#include <fast_cache/backend_factory.hpp>
#include <fast_cache/beast.hpp>
#include <fast_cache/fast_cache.hpp>
#include <fast_cache/httplib.hpp>

#include <cstdio>

int main() {
  fast_cache::Cache cache;
  cache.init(fast_cache::make_backend("memory://?max_size=10"));
  auto twice = cache.cached("twice", [](int x) { return 2 * x; });
  fast_cache::beast::app app;
  httplib::Server server;
  const bool ok = twice(21) == 42 && twice(21) == 42 && cache.stats().hits == 1;
  std::puts(ok ? "consumer ok" : "consumer FAILED");
  return ok ? 0 : 1;
}
