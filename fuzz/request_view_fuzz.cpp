// Request targets, headers and bodies come from any HTTP client. Checks that splitting and decoding
// keep to their input, and that a route's cache key is injective: two requests get the same key
// exactly when a handler sees the same request (HEAD as GET; the query decoded, skip_cache dropped,
// parameters in name order, same-name ones in request order; the varying headers' fields combined;
// the body for methods other than GET and HEAD). The path is used raw, as the Beast adapter does,
// or percent-decoded, as cpp-httplib gives it.
// Input: two requests, each a method, a target, a body and up to four header fields (a name
// selector byte and a value), strings in FuzzedDataProvider's form (each ended by a backslash and
// one more character), then the flags read from the end.
#include <fast_cache/http/request_view.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace fast_cache::http;

constexpr std::array<std::string_view, 5> header_names = {"Accept", "authorization", "Cache-Control", "Cookie",
                                                          "accept"};

struct request {
  std::string method, target, body, path;
  std::vector<std::pair<std::string_view, std::string>> fields;
  std::vector<query_param> query;

  void each(std::string_view name, const field_sink& sink) const {
    for (const auto& [field, value] : fields) {
      if (iequals(field, name)) sink(value);
    }
  }
};

request consume(FuzzedDataProvider& in) {
  request r{in.ConsumeRandomLengthString(), in.ConsumeRandomLengthString(), in.ConsumeRandomLengthString()};
  for (int i = 0, n = in.ConsumeIntegralInRange(0, 4); i < n; ++i) {
    const std::string_view name = header_names[in.ConsumeIntegralInRange<std::size_t>(0, header_names.size() - 1)];
    r.fields.emplace_back(name, in.ConsumeRandomLengthString());
  }
  return r;
}

void check_decoding(std::string_view text) {
  for (const bool plus_is_space : {false, true}) {
    const std::string decoded = percent_decode(text, plus_is_space);
    if (decoded.size() > text.size()) std::abort();
    const bool escapes = text.find('%') != text.npos || (plus_is_space && text.find('+') != text.npos);
    if (!escapes && decoded != text) std::abort();
  }
}

using identity = std::tuple<std::string_view, std::string_view, std::vector<std::pair<std::string, std::string>>,
                            std::optional<std::string>, std::optional<std::string>, std::string_view>;

identity identity_of(const request& r, const header_lookup& headers) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const query_param& p : r.query) {
    if (p.name != "skip_cache") params.emplace_back(p.name, p.value);
  }
  std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const bool bodiless = r.method == "GET" || r.method == "HEAD";
  const std::string_view method = bodiless ? std::string_view("GET") : std::string_view(r.method);
  return {method,
          r.path,
          std::move(params),
          headers.combined("accept"),
          headers.combined("authorization"),
          bodiless ? std::string_view() : r.body};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::array<request, 2> requests = {consume(in), consume(in)};
  const bool decoded_paths = in.ConsumeBool();
  const route_cache cache({.namespace_ = "ns", .vary = {"Accept", "Authorization"}, .methods = {"POST", "PUT"}});
  std::array<std::optional<std::string>, 2> keys;
  std::array<std::optional<identity>, 2> identities;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    request& r = requests[i];
    const auto [path, query] = split_target(r.target);
    const std::string_view target = r.target;
    if (path.data() != target.data() || path.find_first_of("?#") != path.npos || query.find('#') != query.npos ||
        path.size() + query.size() > target.size())
      std::abort();
    check_decoding(path);
    check_decoding(query);
    r.path = decoded_paths ? percent_decode(path, false) : std::string(path);
    r.query = parse_query(query);
    const auto fields = [&r](std::string_view name, const field_sink& sink) { r.each(name, sink); };
    const header_lookup headers(fields);
    const request_view view{r.method, r.path, r.query, headers, r.body};
    const cache_plan plan = cache.plan(view);
    if (plan.uses_backend() != !plan.key.empty()) std::abort();
    if (plan.uses_backend()) {
      if (!plan.key.starts_with(route_key_prefix)) std::abort();
      keys[i] = plan.key;
      identities[i] = identity_of(r, headers);
    }
  }
  if (keys[0] && keys[1] && (*keys[0] == *keys[1]) != (*identities[0] == *identities[1])) std::abort();
  return 0;
}
