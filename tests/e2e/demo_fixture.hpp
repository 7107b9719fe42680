// The fixture of the demo's end-to-end tests: a demo server per test, on each backend URL listed
// in FAST_CACHE_E2E_BACKENDS (space-separated; default memory://), in a namespace of its own.
#pragma once

#include "demo_server.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace e2e {

namespace json = boost::json;

inline std::vector<std::string> backend_urls() {
  const char* env = std::getenv("FAST_CACHE_E2E_BACKENDS");
  std::istringstream in(env != nullptr && *env != '\0' ? env : "memory://");
  std::vector<std::string> urls;
  for (std::string url; in >> url;) urls.push_back(url);
  return urls;
}

// Each test gets its own namespace, so tests sharing a table (DynamoDB) cannot see each other's
// entries, nor clear them.
inline std::string with_namespace(const std::string& url, const std::string& ns) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "namespace=" + ns;
}

// A value no earlier run used, so a shared persistent backend cannot answer from a past run.
inline int fresh_int() {
  static std::atomic<int> counter{static_cast<int>(std::random_device{}() % 1'000'000) * 1000};
  return ++counter;
}

// A namespace of the running test's own, no earlier run's either.
inline std::string test_namespace() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string ns =
      std::string("e2e-") + info->name() + "-" + std::to_string(::getpid()) + "-" + std::to_string(fresh_int());
  std::string safe;
  for (const char c : ns) safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '-');
  return safe;
}

class DemoE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<demo_server>(with_namespace(GetParam(), test_namespace()));
    client_ = std::make_unique<http_client>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    EXPECT_EQ(server_->stop(), 0) << "the server must exit cleanly on SIGTERM";
    EXPECT_NE(server_->output().find("stopped"), std::string::npos);
  }

  http_client& client() { return *client_; }
  std::uint16_t port() const { return server_->port(); }

  std::unique_ptr<demo_server> server_;
  std::unique_ptr<http_client> client_;
};

// Names parameterised tests after the backend's scheme.
// The URL's scheme, made a valid test name ("redis+cluster" -> "redis_cluster"), and its index.
inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.find(':'));
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name + "_" + std::to_string(info.index);
}

}  // namespace e2e
