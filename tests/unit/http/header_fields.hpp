// Header fields as a test writes them: in message order, a name may repeat; and the lookup the
// cache core reads them through.
#pragma once

#include <fast_cache/http/request_view.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache::http::test {

using fields = std::vector<std::pair<std::string, std::string>>;

struct fields_lookup {
  const fields* all;
  void operator()(std::string_view name, const field_sink& sink) const {
    for (const auto& [k, v] : *all) {
      if (iequals(k, name)) sink(v);
    }
  }
};

}  // namespace fast_cache::http::test
