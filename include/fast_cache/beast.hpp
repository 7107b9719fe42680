// Umbrella header of the Boost.Beast adapter: app, router, request, cache_route, and
// response_cache for servers of one's own.
#pragma once

#include <fast_cache/beast/app.hpp>
#include <fast_cache/beast/cache_route.hpp>
#include <fast_cache/beast/handler.hpp>
#include <fast_cache/beast/request.hpp>
#include <fast_cache/beast/response.hpp>
#include <fast_cache/beast/response_cache.hpp>
#include <fast_cache/beast/router.hpp>
