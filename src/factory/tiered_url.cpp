#include "factory/tiered_url.hpp"

#include "core/url_parameters.hpp"

namespace fast_cache::detail {

tiered_url parse_tiered_url(std::string_view url) {
  url_parameters params(url);
  if (!params.host().empty()) params.invalid("tiered:// takes no host; give the levels as l1= and l2=");
  tiered_url out;
  if (auto v = params.take("l1")) out.l1 = std::move(*v);
  if (auto v = params.take("l2")) out.l2 = std::move(*v);
  if (auto v = params.take_milliseconds("max_staleness_ms")) out.max_staleness = *v;
  if (auto v = params.take_bool("invalidations")) out.invalidations = *v;
  params.expect_all_taken();
  if (out.l2.empty()) params.invalid("l2 (the percent-encoded URL of the shared backend) is required");
  if (!out.l1.starts_with("memory:")) params.invalid("l1 must be a memory:// URL");
  if (out.l2.starts_with("tiered:")) params.invalid("l2 must not be another tiered:// URL");
  return out;
}

}  // namespace fast_cache::detail
