#include <fast_cache/backend_factory.hpp>
#include <fast_cache/memory_backend.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

void expect_invalid(const std::string& url, const std::string& fragment) {
  try {
    (void)fast_cache::make_backend(url);
    FAIL() << url << " was accepted";
  } catch (const fast_cache::Error& e) {
    EXPECT_EQ(e.code(), fast_cache::errc::invalid_argument) << url;
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BackendFactory, MemoryWithDefaults) {
  auto backend = fast_cache::make_backend("memory://");
  auto* memory = dynamic_cast<fast_cache::InMemoryBackend*>(backend.get());
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->namespace_name(), "cache");
  backend->set("k", "v");
  EXPECT_EQ(backend->get("k"), "v");
}

TEST(BackendFactory, MemoryWithOptions) {
  auto backend = fast_cache::make_backend("memory://?max_size=2&namespace=web&shards=1&default_expire=60");
  EXPECT_EQ(backend->namespace_name(), "web");
  backend->set("a", "1");
  backend->set("b", "2");
  backend->set("c", "3");  // evicts "a", the least recently used of two
  EXPECT_FALSE(backend->has("a"));
  EXPECT_TRUE(backend->has("c"));
}

TEST(BackendFactory, BadUrlsAreClearErrors) {
  expect_invalid("", "expected scheme://");
  expect_invalid("not a url", "expected scheme://");
  expect_invalid("cassandra://localhost", "invalid backend URL cassandra://localhost: unknown scheme");
  expect_invalid("redis://", "the host is missing");
  expect_invalid("memory://somewhere", "memory:// takes no host");
  expect_invalid("memory://?max_size=-1", "max_size must be a non-negative whole number");
  expect_invalid("memory://?max_size=ten", "max_size must be a non-negative whole number");
  expect_invalid("memory://?max_sise=10", "unknown parameter(s): max_sise");
  expect_invalid("memory://?max_size=1&max_size=2", "given twice");
  expect_invalid("memory://?max_size", "has no value");
  expect_invalid("memory:///path", "unexpected path");
}

TEST(BackendFactory, InvalidMemoryOptionsComeFromTheBackend) {
  expect_invalid("memory://?shards=0", "shards");
  expect_invalid("memory://?namespace=", "namespace");
}

}  // namespace
