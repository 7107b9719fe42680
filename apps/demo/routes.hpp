// The demo's routes: the seed's three ways of use, an uncached baseline, and a slow report under
// the stampede lock.
#pragma once

#include <fast_cache/beast/app.hpp>

namespace demo {

/// Registers every route on app; handlers use the global fast_cache::cache.
void add_routes(fast_cache::beast::app& app);

}  // namespace demo
