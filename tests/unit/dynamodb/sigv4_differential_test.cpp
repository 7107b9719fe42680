// Our signer against the AWS SDK for JavaScript's (@smithy/signature-v4) on random DynamoDB requests.
#include "dynamodb/sigv4.hpp"
#include "support/source_tree.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <random>

namespace fast_cache::dynamodb {
namespace {

namespace json = boost::json;

std::string random_text(std::mt19937_64& rng, std::size_t max_len, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> len(1, max_len), pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t n = len(rng); n > 0; --n) s.push_back(alphabet[pick(rng)]);
  return s;
}

struct sample {
  signable_request request;
  credentials creds;
  std::string region;
  std::int64_t epoch_ms;
};

sample random_sample(std::mt19937_64& rng) {
  static constexpr std::string_view regions[] = {"us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "local"};
  static constexpr std::string_view ops[] = {"GetItem",      "PutItem",        "DeleteItem",
                                             "BatchGetItem", "BatchWriteItem", "Scan",
                                             "CreateTable",  "DescribeTable",  "UpdateTimeToLive"};
  static constexpr std::string_view hosts[] = {"dynamodb.us-east-1.amazonaws.com", "localhost:8000", "127.0.0.1:41234",
                                               "dynamodb.eu-west-3.amazonaws.com"};
  constexpr std::string_view key_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  constexpr std::string_view secret_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  constexpr std::string_view body_chars = "abcXYZ019 {}[]\":,#:$%&'()*+-./<=>?@\\^_`|~\t";
  auto any = [&](const auto& list) {
    return std::string(list[std::uniform_int_distribution<std::size_t>(0, std::size(list) - 1)(rng)]);
  };
  sample s;
  s.region = any(regions);
  s.creds.access_key_id = "AKIA" + random_text(rng, 16, key_chars);
  s.creds.secret_access_key = random_text(rng, 40, secret_chars);
  if (rng() % 2) s.creds.session_token = random_text(rng, 300, secret_chars);
  s.epoch_ms = std::uniform_int_distribution<std::int64_t>(1420070400, 1893456000)(rng) * 1000;
  std::string body = random_text(rng, 2000, body_chars);
  if (rng() % 3 == 0) body += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // multibyte UTF-8
  s.request.method = "POST";
  s.request.target = "/";
  s.request.headers = {{"Host", any(hosts)},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", "DynamoDB_20120810." + any(ops)},
                       {"Accept-Encoding", "identity"},
                       {"Content-Length", std::to_string(body.size())}};
  if (rng() % 2) s.request.headers.emplace_back("User-Agent", "fast_cache/0.1");  // unsigned by both
  if (rng() % 2) s.request.headers.emplace_back("X-Custom", "  spaced   value ");
  s.request.body = std::move(body);
  return s;
}

json::object to_json(const sample& s) {
  json::object headers;
  for (const auto& [n, v] : s.request.headers) headers[n] = v;
  json::object creds{{"accessKeyId", s.creds.access_key_id}, {"secretAccessKey", s.creds.secret_access_key}};
  if (!s.creds.session_token.empty()) creds["sessionToken"] = s.creds.session_token;
  std::string host = s.request.headers[0].second;
  return {{"method", s.request.method},      {"hostname", host.substr(0, host.find(':'))},
          {"path", s.request.target},        {"headers", std::move(headers)},
          {"body", s.request.body},          {"region", s.region},
          {"credentials", std::move(creds)}, {"date", s.epoch_ms}};
}

TEST(sigv4_differential, authorization_matches_aws_sdk_for_javascript) {
  if (const auto missing = fast_cache::test::node_package_missing("@smithy/signature-v4")) GTEST_SKIP() << *missing;

  std::mt19937_64 rng(20260101);
  std::vector<sample> samples;
  json::array requests;
  for (int i = 0; i < 200; ++i) {
    samples.push_back(random_sample(rng));
    requests.push_back(to_json(samples.back()));
  }
  const json::value answers = fast_cache::test::run_node_script(
      fast_cache::test::source_dir() / "tests" / "unit" / "dynamodb" / "sign_with_js.mjs", requests);
  ASSERT_EQ(answers.as_array().size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    sample& s = samples[i];
    signer ours(s.creds, s.region, "dynamodb");
    ours.sign(s.request, std::chrono::system_clock::time_point(std::chrono::milliseconds(s.epoch_ms)));
    EXPECT_EQ(s.request.headers.back().second, std::string(answers.as_array()[i].as_string())) << "request " << i;
  }
}

}  // namespace
}  // namespace fast_cache::dynamodb
