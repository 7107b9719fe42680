// The head of an HTTP/1.1 request (request line and headers) written straight into one string:
// Beast's message and serializer cost an allocation per header and a long walk over buffer
// sequences per write, on every request.
#pragma once

#include "net/http_client.hpp"

#include <string>
#include <string_view>

namespace fast_cache::net {

/// What goes on the wire before the body, and what it says about the connection.
struct request_head {
  std::string bytes;
  /// The request lets the connection stay open: it asks for no `Connection: close`.
  bool keep_alive = true;
};

/// The head of `req`: its headers as given, except Content-Length and Transfer-Encoding (the body
/// is framed here), Host = `host` when absent, then Content-Length as Beast's prepare_payload sets
/// it (when the body is not empty or the method is POST, PUT or OPTIONS). The caller has checked
/// the request with well_formed. Throws std::invalid_argument for a TRACE with a body, as Beast does.
request_head make_request_head(const http_request& req, std::string_view host);

}  // namespace fast_cache::net
