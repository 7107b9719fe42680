// Random tokens: the holder of a stampede lock, the version of a tag.
#pragma once

#include <string>

namespace fast_cache::detail {

/// A fresh random token (128 bits, hex): tokens of different processes and threads never meet.
[[nodiscard]] std::string random_token();

}  // namespace fast_cache::detail
