// What is particular to Redis beyond the conformance suite: the key layout other Redis clients
// see, namespaces with glob characters, credentials and databases refused clearly, a server that
// does not speak RESP, and a Redis restarted under load.
#include "support/fault_proxy.hpp"

#include <fast_cache/redis_backend.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using test::fault_mode;
using test::fault_proxy;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

#define REQUIRE_ENV(name) \
  if (env(name).empty()) GTEST_SKIP() << name << " is not set: the server is not running (scripts/services)"

std::string unique_namespace(std::string_view base) {
  static std::atomic<int> counter{0};
  return std::string(base) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

RedisOptions options(const std::string& url, std::string ns) {
  RedisOptions o = redis_options_from_url(url);
  o.namespace_ = std::move(ns);
  o.ca_file = env("FAST_CACHE_REDIS_TLS_CA");
  return o;
}

template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(errc::internal, "no error");
}

TEST(Redis, KeysAreNamespacedAndValuesRawAsOtherClientsSeeThem) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  const std::string ns = unique_namespace("layout");
  RedisBackend backend(options(env("FAST_CACHE_REDIS_URL"), ns));
  backend.set("user:1", std::string("\x80\x00raw", 5), 60s);
  EXPECT_EQ(backend.get("user:1"), std::string("\x80\x00raw", 5));
  RedisBackend prefix_view(options(env("FAST_CACHE_REDIS_URL"), ns + ":user"));
  EXPECT_EQ(prefix_view.get("1"), std::string("\x80\x00raw", 5)) << "<namespace>:<key>, as the Python toolkit";
  backend.clear();
}

TEST(Redis, ClearTouchesOnlyItsNamespaceWhateverGlobCharactersItHolds) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  const std::string base = unique_namespace("glob");
  const std::string url = env("FAST_CACHE_REDIS_URL");
  // Each of these namespaces, read as a glob, would match the plain ones.
  const std::vector<std::string> tricky = {base + "*", base + "?", "[" + base + "]", base + "\\"};
  const std::vector<std::string> plain = {base + "x", base, base.substr(1), base + "\\x"};
  std::vector<std::unique_ptr<RedisBackend>> others;
  for (const std::string& ns : plain) {
    others.push_back(std::make_unique<RedisBackend>(options(url, ns)));
    others.back()->set("k", ns);
  }
  for (const std::string& ns : tricky) {
    RedisBackend b(options(url, ns));
    b.set("k", "mine");
    b.clear();
    EXPECT_FALSE(b.has("k")) << ns;
  }
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(others[i]->get("k"), plain[i]) << "clearing a glob-like namespace removed " << plain[i];
    others[i]->clear();
  }
}

TEST(Redis, ClearRemovesManyKeysInBatches) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  RedisBackend b(options(env("FAST_CACHE_REDIS_URL"), unique_namespace("many")));
  std::vector<item> items;
  for (int i = 0; i < 5000; ++i) items.emplace_back("k" + std::to_string(i), "v");
  b.set_many(items, 60s);
  EXPECT_TRUE(b.has("k4999"));
  b.clear();
  EXPECT_FALSE(b.has("k0"));
  EXPECT_FALSE(b.has("k4999"));
}

TEST(Redis, WrongPasswordIsRefusedWithoutQuotingIt) {
  REQUIRE_ENV("FAST_CACHE_REDIS_TLS_URL");
  RedisOptions o = options(env("FAST_CACHE_REDIS_TLS_URL"), "auth");
  o.password = "not-the-password-3141";
  RedisBackend b(o);
  const Error e = error_of([&] { (void)b.get("k"); });
  EXPECT_EQ(e.code(), errc::rejected) << e.what();
  EXPECT_NE(std::string(e.what()).find("WRONGPASS"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("3141"), std::string::npos) << e.what();
  // Without credentials, the server that requires them says so.
  o.username.clear();
  o.password.clear();
  RedisBackend anonymous(o);
  EXPECT_EQ(error_of([&] { (void)anonymous.get("k"); }).code(), errc::rejected);
}

TEST(Redis, TlsVerifiesTheServer) {
  REQUIRE_ENV("FAST_CACHE_REDIS_TLS_URL");
  RedisOptions o = options(env("FAST_CACHE_REDIS_TLS_URL"), "tls");
  o.ca_file.clear();  // the system's CAs do not know the test CA
  RedisBackend b(o);
  const Error e = error_of([&] { (void)b.get("k"); });
  EXPECT_EQ(e.code(), errc::unavailable) << e.what();
  EXPECT_NE(std::string(e.what()).find("TLS handshake failed"), std::string::npos) << e.what();
}

TEST(Redis, WrongDatabaseIsRefused) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  RedisOptions o = options(env("FAST_CACHE_REDIS_URL"), "db");
  o.db = 100000;
  RedisBackend b(o);
  const Error e = error_of([&] { b.set("k", "v"); });
  EXPECT_EQ(e.code(), errc::rejected) << e.what();
  EXPECT_NE(std::string(e.what()).find("DB index is out of range"), std::string::npos) << e.what();
  // Another database is another keyspace.
  RedisOptions db1 = options(env("FAST_CACHE_REDIS_URL"), unique_namespace("db"));
  db1.db = 1;
  RedisOptions db0 = db1;
  db0.db = 0;
  RedisBackend one(db1), zero(db0);
  one.set("k", "in 1", 60s);
  EXPECT_EQ(one.get("k"), "in 1");
  EXPECT_FALSE(zero.has("k"));
  one.clear();
}

TEST(Redis, ServerThatDoesNotSpeakRespIsAProtocolError) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  fault_proxy proxy("http://" + env("FAST_CACHE_REDIS_URL").substr(8));
  proxy.set_mode(fault_mode::garbage());
  RedisOptions o = options(env("FAST_CACHE_REDIS_URL"), "garbage");
  o.port = proxy.port();
  o.breaker.enabled = false;
  RedisBackend b(o);
  const Error e = error_of([&] { (void)b.get("k"); });
  EXPECT_TRUE(e.code() == errc::protocol || e.code() == errc::unavailable) << e.what();
  proxy.set_mode(fault_mode::pass());
  b.set("k", "v");  // a new connection, a healthy server
  EXPECT_EQ(b.get("k"), "v");
  b.clear();
}

TEST(Redis, ValuesOverTheLimitAreRefusedBeforeSending) {
  REQUIRE_ENV("FAST_CACHE_REDIS_URL");
  RedisOptions o = options(env("FAST_CACHE_REDIS_URL"), unique_namespace("big"));
  o.max_value_bytes = 1000;
  RedisBackend b(o);
  EXPECT_EQ(error_of([&] { b.set("k", std::string(1001, 'x')); }).code(), errc::value_too_large);
  b.set("k", std::string(1000, 'x'));
  EXPECT_EQ(b.get("k")->size(), 1000U);
  b.clear();
}

// A Redis server of the test's own, which it may kill and start again on the same port while
// other tests use the shared one.
class own_redis {
 public:
  own_redis() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port_ = probe.local_endpoint().port();
    dir_ = std::filesystem::temp_directory_path() / ("fast_cache_redis_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~own_redis() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  /// Starts the server (again), with `extra` settings on its command line.
  bool start(const std::string& extra = "") {
    const std::string command = "redis-server " + extra + " --port " + std::to_string(port_) +
                                " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir '" + dir_.string() +
                                "' --pidfile '" + (dir_ / "pid").string() + "' --logfile '" + (dir_ / "log").string() +
                                "'";
    if (std::system(command.c_str()) != 0) return false;
    for (int i = 0; i < 100; ++i) {
      if (std::system(("redis-cli -p " + std::to_string(port_) + " ping >/dev/null 2>&1").c_str()) == 0) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void stop() {
    (void)std::system(("redis-cli -p " + std::to_string(port_) + " shutdown nosave >/dev/null 2>&1").c_str());
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
};

// A value within the client's limit but over the server's (proto-max-bulk-len): Redis answers
// with an error and closes the connection, which may instead break the write still sending the
// value. Either way a clear failure within the budget, nothing stored, and the next call works.
TEST(Redis, ValuesOverTheServersBulkLimitFailClearlyAndLoseNothing) {
  if (std::system("command -v redis-server >/dev/null") != 0) GTEST_SKIP() << "redis-server is not installed";
  own_redis server;
  ASSERT_TRUE(server.start("--proto-max-bulk-len 1mb"));
  RedisOptions o;
  o.port = server.port();
  o.namespace_ = "bulk";
  o.max_value_bytes = 4 << 20;  // more than this server accepts
  o.write_budget = 3000ms;
  RedisBackend b(o);
  b.set("keep", "me");
  const auto start = std::chrono::steady_clock::now();
  const Error refused = error_of([&] { b.set("big", std::string(2 << 20, 'x')); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3000ms + 1000ms);
  if (refused.code() == errc::rejected) {
    EXPECT_NE(std::string(refused.what()).find("invalid bulk length"), std::string::npos) << refused.what();
  } else {
    EXPECT_EQ(refused.code(), errc::unavailable) << refused.what();
  }
  EXPECT_EQ(b.get("big"), std::nullopt);
  EXPECT_EQ(b.get("keep"), "me");
  b.set("small", "fits");
  EXPECT_EQ(b.get("small"), "fits");
}

// Redis killed and restarted while callers keep calling: calls fail fast and within their
// budget, and the backend recovers by itself.
TEST(Redis, RestartDuringLoadFailsOpenAndRecovers) {
  if (std::system("command -v redis-server >/dev/null") != 0) GTEST_SKIP() << "redis-server is not installed";
  own_redis server;
  ASSERT_TRUE(server.start());
  RedisOptions o;
  o.port = server.port();
  o.namespace_ = "restart";
  o.breaker.cooldown = 200ms;
  RedisBackend b(o);
  b.set("k", "v");
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, slow{0};
  std::thread load([&] {
    while (!stop) {
      const auto start = std::chrono::steady_clock::now();
      try {
        (void)b.get("k");
        ++ok;
      } catch (const Error&) {
        ++failed;
      }
      if (std::chrono::steady_clock::now() - start > 200ms + 400ms) ++slow;
      std::this_thread::sleep_for(2ms);
    }
  });
  std::this_thread::sleep_for(200ms);
  server.stop();
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(server.start());
  // Recovery: the breaker's probe finds the server again.
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    std::this_thread::sleep_for(50ms);
    try {
      b.set("k2", "v2");
      recovered = true;
    } catch (const Error&) {
    }
  }
  stop = true;
  load.join();
  EXPECT_TRUE(recovered);
  EXPECT_GT(failed.load(), 0) << "the restart was seen";
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(slow.load(), 0) << "every call ended within its budget";
  EXPECT_EQ(b.get("k2"), "v2");
}

}  // namespace
}  // namespace fast_cache
