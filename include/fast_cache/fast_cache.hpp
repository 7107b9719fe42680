// Umbrella header: the core API (Backend, codecs, Cache, cached()).
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/cache.hpp>
#include <fast_cache/codec.hpp>
#include <fast_cache/completion.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/expiry.hpp>
#include <fast_cache/key.hpp>
