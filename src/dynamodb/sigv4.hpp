// AWS Signature Version 4 for requests with a signed payload (what DynamoDB's JSON protocol uses).
#pragma once

#include "dynamodb/crypto.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache::dynamodb {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty when the credentials are long-term
};

/// The parts of an HTTP request that SigV4 covers. `target` is the origin-form request target
/// (path plus optional `?query`), as written on the request line.
struct signable_request {
  std::string method;
  std::string target;
  header_list headers;
  std::string body;
};

/// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point t);

/// The canonical URI: dot segments removed, repeated slashes collapsed, each byte outside the
/// unreserved set percent-encoded (AWS services other than S3 normalise the path).
std::string canonical_uri(std::string_view path);
/// Query parameters percent-decoded, re-encoded, and sorted by name then value.
std::string canonical_query(std::string_view query);
/// Lowercased names, trimmed values with inner runs of spaces collapsed, repeated headers joined
/// with commas in order; headers proxies rewrite (botocore's blacklist) are left out.
/// Returns {canonical header block, signed header list}.
std::pair<std::string, std::string> canonical_headers(const header_list& headers);
std::string canonical_request(const signable_request& request, std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);

/// Signs requests for one credential set, region and service. The derived signing key is cached
/// per date, so steady traffic costs two HMACs per request instead of six. Thread-safe.
class signer {
 public:
  signer(credentials creds, std::string region, std::string service);

  /// Adds X-Amz-Date (replacing any), X-Amz-Security-Token when there is a session token (and
  /// removes any when there is none), and Authorization to request.headers.
  void sign(signable_request& request, std::chrono::system_clock::time_point now) const;

  /// The Authorization header value for a request that already carries its X-Amz-Date.
  [[nodiscard]] std::string authorization(const signable_request& request, std::string_view amz_date) const;

  [[nodiscard]] const std::string& access_key_id() const noexcept { return creds_.access_key_id; }

 private:
  sha256_digest signing_key(std::string_view date) const;

  credentials creds_;
  std::string region_;
  std::string service_;
  std::string scope_suffix_;  // "/<region>/<service>/aws4_request", after the date in the scope
  mutable std::mutex mutex_;
  mutable std::string cached_date_;
  mutable sha256_digest cached_key_{};
};

}  // namespace fast_cache::dynamodb
