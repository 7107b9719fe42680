// Replies built by hand, for the tests of what reads them.
#pragma once

#include "redis/reply.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fast_cache::redis::test {

inline reply bulk(std::string text) { return reply{.type = reply::kind::string, .text = std::move(text)}; }
inline reply integer(long long n) { return reply{.type = reply::kind::integer, .integer = n}; }
inline reply array(std::vector<reply> items) { return reply{.type = reply::kind::array, .elements = std::move(items)}; }

}  // namespace fast_cache::redis::test
