// Wall-clock instants written as seconds (and milliseconds) since the epoch, for the tests of
// freshness decisions.
#pragma once

#include <fast_cache/http/entry.hpp>

#include <chrono>
#include <cstdint>

namespace fast_cache::http::test {

inline clock::time_point at(std::int64_t seconds, std::int64_t ms = 0) {
  return clock::time_point(std::chrono::seconds(seconds) + std::chrono::milliseconds(ms));
}

}  // namespace fast_cache::http::test
