// The AWS SigV4 test suite (botocore's copy), read from the shared test data at run time.
#include "dynamodb/sigv4.hpp"
#include "support/source_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace fast_cache::dynamodb {
namespace {

namespace fs = std::filesystem;

constexpr const char* suite_access_key = "AKIDEXAMPLE";
constexpr const char* suite_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* vanilla_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> out;
  const fs::path root = fast_cache::test::sigv4_suite_dir();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root, ec))
    if (e.path().extension() == ".req") out.push_back(e.path().parent_path());
  std::sort(out.begin(), out.end());
  return out;
}

// A `.req` is not valid HTTP in places (a raw space in the target, folded headers), so it is
// parsed by hand: the target runs to the last space of the request line; an indented line
// continues the previous header's value.
signable_request parse_req(const std::string& text) {
  signable_request r;
  std::size_t pos = text.find('\n');
  const std::string line = text.substr(0, pos);
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  r.method = line.substr(0, first);
  r.target = line.substr(first + 1, last - first - 1);
  while (pos != std::string::npos && pos < text.size()) {
    const std::size_t start = pos + 1;
    const std::size_t end = text.find('\n', start);
    const std::string h = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    pos = end;
    if (h.empty()) {
      if (end != std::string::npos) r.body = text.substr(end + 1);
      break;
    }
    if ((h.front() == ' ' || h.front() == '\t') && !r.headers.empty()) {
      r.headers.back().second += ' ' + h.substr(h.find_first_not_of(" \t"));
      continue;
    }
    const std::size_t colon = h.find(':');
    r.headers.emplace_back(h.substr(0, colon), h.substr(colon + 1));
  }
  return r;
}

class sigv4_suite : public ::testing::TestWithParam<fs::path> {};

TEST_P(sigv4_suite, matches_canonical_request_string_to_sign_and_authorization) {
  const fs::path dir = GetParam();
  const std::string name = dir.filename().string();
  const auto file = [&](const char* ext) { return read_file(dir / (name + ext)); };
  signable_request r = parse_req(file(".req"));

  credentials creds{suite_access_key, suite_secret, ""};
  if (name == "get-vanilla-with-session-token") creds.session_token = vanilla_token;
  if (name == "post-sts-header-before")  // the token is in the .req already; the signer must keep signing it
    for (const auto& [n, v] : r.headers)
      if (n == "X-Amz-Security-Token") creds.session_token = v;

  signer s(creds, "us-east-1", "service");
  s.sign(r, std::chrono::system_clock::time_point(std::chrono::seconds(1440938160)));
  std::string authz;
  std::erase_if(r.headers, [&](const auto& h) {
    if (h.first != "Authorization") return false;
    authz = h.second;
    return true;
  });
  const std::string creq = canonical_request(r, sha256_hex(r.body));
  EXPECT_EQ(creq, file(".creq"));
  EXPECT_EQ(string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", creq), file(".sts"));
  EXPECT_EQ(authz, file(".authz"));
}

INSTANTIATE_TEST_SUITE_P(aws, sigv4_suite, ::testing::ValuesIn(case_dirs()), [](const auto& info) {
  std::string n = info.param.filename().string();
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(sigv4_suite);

TEST(sigv4_suite_presence, has_all_34_cases) {
  const fs::path root = fast_cache::test::sigv4_suite_dir();
  if (!fs::is_directory(root))
    GTEST_SKIP() << "SigV4 suite not found at " << root << "; set FAST_CACHE_SIGV4_SUITE to its folder";
  EXPECT_EQ(case_dirs().size(), 34u);
}

}  // namespace
}  // namespace fast_cache::dynamodb
