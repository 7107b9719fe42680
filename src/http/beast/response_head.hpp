// The bytes before a response's body: its status line, fields and the blank line.
#pragma once

#include <fast_cache/beast/request.hpp>

#include <string>

namespace fast_cache::beast::detail {

/// What Beast's serializer writes before a string_body response's body, for a response whose
/// payload is prepared (Content-Length set, no Transfer-Encoding). The app writes this and the
/// body as two buffers in one call: Beast's general serializer, built for any body and chunked
/// encoding, costs more instructions per response than the whole of a cached hit's lookup.
[[nodiscard]] std::string response_head(const response& res);

}  // namespace fast_cache::beast::detail
