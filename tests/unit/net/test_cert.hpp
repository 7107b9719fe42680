// A self-signed certificate made at test time, so no key material lives in the repository.
#pragma once

#include <string>

namespace fast_cache::net::test {

struct test_cert {
  std::string cert_pem;
  std::string key_pem;
};

/// A P-256 self-signed certificate valid for one day, for the DNS name `host` only.
test_cert make_self_signed_cert(const std::string& host);

}  // namespace fast_cache::net::test
