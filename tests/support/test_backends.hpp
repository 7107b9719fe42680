// Backends for testing the layers above Backend: one that fails every call (a dead server), and
// one that forwards to a real InMemoryBackend while recording the expiry each write asked for.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/completion.hpp>
#include <fast_cache/memory_backend.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace fast_cache::testing {

class failing_backend final : public Backend {
 public:
  std::optional<std::string> get(std::string_view) override { fail(); }
  void set(std::string_view, std::string_view, expiry) override { fail(); }
  bool has(std::string_view) override { fail(); }
  void erase(std::string_view) override { fail(); }
  void clear() override { fail(); }
  const std::string& namespace_name() const noexcept override { return ns_; }

 protected:
  void do_async_get(std::string, get_handler h) override { post_completion(std::move(h), error(), std::nullopt); }
  void do_async_set(std::string, std::string, expiry, done_handler h) override {
    post_completion(std::move(h), error());
  }
  void do_async_has(std::string, has_handler h) override { post_completion(std::move(h), error(), false); }
  void do_async_erase(std::string, done_handler h) override { post_completion(std::move(h), error()); }
  void do_async_clear(done_handler h) override { post_completion(std::move(h), error()); }

 private:
  static Error make_error() { return Error(errc::unavailable, "connection refused by the test backend"); }
  static std::exception_ptr error() { return std::make_exception_ptr(make_error()); }
  [[noreturn]] static void fail() { throw make_error(); }
  std::string ns_ = "cache";
};

class recording_backend final : public Backend {
 public:
  std::optional<std::string> get(std::string_view key) override { return inner_.get(key); }
  void set(std::string_view key, std::string_view value, expiry expire) override {
    record(expire);
    inner_.set(key, value, expire);
  }
  bool has(std::string_view key) override { return inner_.has(key); }
  void erase(std::string_view key) override { inner_.erase(key); }
  void clear() override { inner_.clear(); }
  const std::string& namespace_name() const noexcept override { return inner_.namespace_name(); }

  std::vector<expiry> expiries() const {
    std::lock_guard lock(mutex_);
    return expiries_;
  }

 protected:
  void do_async_get(std::string key, get_handler h) override { inner_.async_get(std::move(key), std::move(h)); }
  void do_async_set(std::string key, std::string value, expiry expire, done_handler h) override {
    record(expire);
    inner_.async_set(std::move(key), std::move(value), expire, std::move(h));
  }
  void do_async_has(std::string key, has_handler h) override { inner_.async_has(std::move(key), std::move(h)); }
  void do_async_erase(std::string key, done_handler h) override { inner_.async_erase(std::move(key), std::move(h)); }
  void do_async_clear(done_handler h) override { inner_.async_clear(std::move(h)); }

 private:
  void record(expiry expire) {
    std::lock_guard lock(mutex_);
    expiries_.push_back(expire);
  }
  InMemoryBackend inner_;
  mutable std::mutex mutex_;
  std::vector<expiry> expiries_;
};

}  // namespace fast_cache::testing
