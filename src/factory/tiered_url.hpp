// The parts of a `tiered://` URL: the URLs of its two levels (percent-encoded inside it) and the
// tier's own options. Pure: builds nothing, so a fuzzer can check it without connecting anywhere.
#pragma once

#include <fast_cache/expiry.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::detail {

struct tiered_url {
  std::string l1 = "memory://";  ///< a memory:// URL
  std::string l2;                ///< the URL of any backend but a tiered one
  std::optional<duration> max_staleness;
  bool invalidations = true;  ///< subscribe to L2's invalidation messages when it has them (Redis)
};

/// `tiered://?l1=<memory:// URL>&l2=<URL>&max_staleness_ms=N&invalidations=true|false` (l1
/// optional). Throws Error(errc::invalid_argument) naming the problem: l2 missing, l1 not
/// memory://, a tiered l2, unknown or malformed parameters. The inner URLs are checked when
/// their backends are built.
[[nodiscard]] tiered_url parse_tiered_url(std::string_view url);

}  // namespace fast_cache::detail
