// Backends for testing the layers above Backend: one that fails every call (a dead server), and
// one that forwards to a real InMemoryBackend while recording the expiry each write asked for and,
// on request, holding async writes back (a slow store).
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
  // Claims conditional writes, so the stampede lock meets the dead server too.
  bool supports_conditional_writes() const noexcept override { return true; }
  bool set_if_absent(std::string_view, std::string_view, expiry) override { fail(); }
  bool erase_if_equal(std::string_view, std::string_view) override { fail(); }
  const std::string& namespace_name() const noexcept override { return ns_; }

 protected:
  void do_async_get(std::string, diagnostics* d, get_handler h) override {
    post_completion(std::move(h), error(d), std::nullopt);
  }
  void do_async_set(std::string, std::string, expiry, diagnostics* d, done_handler h) override {
    post_completion(std::move(h), error(d));
  }
  void do_async_has(std::string, diagnostics* d, has_handler h) override {
    post_completion(std::move(h), error(d), false);
  }
  void do_async_erase(std::string, diagnostics* d, done_handler h) override { post_completion(std::move(h), error(d)); }
  void do_async_clear(diagnostics* d, done_handler h) override { post_completion(std::move(h), error(d)); }
  void do_async_set_if_absent(std::string, std::string, expiry, diagnostics* d, has_handler h) override {
    post_completion(std::move(h), error(d), false);
  }
  void do_async_erase_if_equal(std::string, std::string, diagnostics* d, has_handler h) override {
    post_completion(std::move(h), error(d), false);
  }

 private:
  static Error make_error() { return Error(errc::unavailable, "connection refused by the test backend"); }
  static boost::system::error_code error(diagnostics* d) {
    return error_code_from(std::make_exception_ptr(make_error()), d);
  }
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

  /// From now on, async writes wait (unapplied, uncompleted) until release_writes().
  void hold_writes() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  /// Applies and completes the writes held back, and stops holding.
  void release_writes() {
    std::vector<held_write> held;
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
      held.swap(held_);
    }
    for (auto& w : held) inner_.async_set(std::move(w.key), std::move(w.value), w.expire, std::move(w.handler));
  }

 protected:
  // The inner backend fills no diagnostics here: it fails only for invalid keys, which no test of
  // the layers above sends it.
  void do_async_get(std::string key, diagnostics*, get_handler h) override {
    inner_.async_get(std::move(key), std::move(h));
  }
  void do_async_set(std::string key, std::string value, expiry expire, diagnostics*, done_handler h) override {
    record(expire);
    {
      std::lock_guard lock(mutex_);
      if (holding_) {
        held_.push_back({std::move(key), std::move(value), expire, std::move(h)});
        return;
      }
    }
    inner_.async_set(std::move(key), std::move(value), expire, std::move(h));
  }
  void do_async_has(std::string key, diagnostics*, has_handler h) override {
    inner_.async_has(std::move(key), std::move(h));
  }
  void do_async_erase(std::string key, diagnostics*, done_handler h) override {
    inner_.async_erase(std::move(key), std::move(h));
  }
  void do_async_clear(diagnostics*, done_handler h) override { inner_.async_clear(std::move(h)); }

 private:
  void record(expiry expire) {
    std::lock_guard lock(mutex_);
    expiries_.push_back(expire);
  }
  struct held_write {
    std::string key, value;
    expiry expire;
    done_handler handler;
  };
  InMemoryBackend inner_;
  mutable std::mutex mutex_;
  std::vector<expiry> expiries_;
  bool holding_ = false;
  std::vector<held_write> held_;
};

}  // namespace fast_cache::testing
