// A TCP proxy in front of a test server that injects network faults on demand: slow, hung,
// reset, truncated, garbled or refused connections, or canned HTTP answers (e.g. throttling).
// The mode can change at any time and also hits connections already open, so a client's pooled
// keep-alive connections see the fault too.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace fast_cache::test {

/// What the proxy does to traffic; build one with the named constructors.
struct fault_mode {
  enum class kind { pass, delay, stall, reset, reset_fraction, close_after, garbage, canned_http, refuse };

  kind what = kind::pass;
  std::chrono::milliseconds hold{0};  // delay: how long each upstream chunk waits
  double probability = 0;             // reset_fraction
  std::uint32_t seed = 0;             // reset_fraction
  std::size_t limit = 0;              // close_after: upstream bytes let through
  std::string response;               // canned_http: the raw bytes answering each request

  /// Forwards both directions.
  static fault_mode pass() { return {}; }
  /// Forwards, holding each chunk of upstream→client data for `ms` (a slow server).
  static fault_mode delay(std::chrono::milliseconds ms) { return {.what = kind::delay, .hold = ms}; }
  /// Reads from clients, forwards nothing and never closes (a hung server). A connection that
  /// stalls stays stalled until it is closed.
  static fault_mode stall() { return {.what = kind::stall}; }
  /// Resets new connections at once and open ones when they next carry data (ECONNRESET).
  static fault_mode reset() { return {.what = kind::reset}; }
  /// Resets each new connection with probability `p`, drawn from std::mt19937(seed); else passes.
  static fault_mode reset_fraction(double p, std::uint32_t seed) {
    return {.what = kind::reset_fraction, .probability = p, .seed = seed};
  }
  /// Forwards, but closes a connection once `n` upstream bytes reached the client (counted from
  /// when the mode was set, or from the connection's start if later): a truncated response.
  static fault_mode close_after(std::size_t n) { return {.what = kind::close_after, .limit = n}; }
  /// Answers whatever the client sends with fault_proxy::garbage_bytes(), then closes.
  static fault_mode garbage() { return {.what = kind::garbage}; }
  /// Answers each HTTP/1.1 request with `response`, keeping the connection open; upstream is not
  /// contacted.
  static fault_mode canned_http(std::string response) {
    return {.what = kind::canned_http, .response = std::move(response)};
  }
  /// Closes the listener (ECONNREFUSED) and every open connection; any other mode listens again
  /// on the same port.
  static fault_mode refuse() { return {.what = kind::refuse}; }
};

/// Listens on 127.0.0.1 (a free port) and runs on its own thread. Members may be called from any
/// thread (the destructor not from the proxy's own); set_mode and close_all_connections have taken
/// effect when they return. set_mode throws if ending refuse cannot bind the port again.
class fault_proxy {
 public:
  fault_proxy(std::string upstream_host, std::uint16_t upstream_port);
  /// In front of the server at `upstream_url`, "http://host:port" (a test server's endpoint).
  explicit fault_proxy(std::string_view upstream_url);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  std::uint16_t port() const noexcept;
  /// "http://127.0.0.1:PORT"
  std::string endpoint_url() const;

  void set_mode(fault_mode mode);
  /// Drops every open connection, as a server restart does.
  void close_all_connections();

  /// TCP connections accepted so far, including the ones reset at once.
  std::size_t connections_accepted() const noexcept;
  /// Connections the proxy reset (reset and reset_fraction modes).
  std::size_t connections_reset() const noexcept;

  /// A complete HTTP/1.1 400 DynamoDB ThrottlingException response, for canned_http.
  static std::string dynamodb_throttling_response();
  /// What garbage mode answers with: bytes no HTTP parser accepts.
  static std::string_view garbage_bytes() noexcept;

  struct impl;  // defined in the .cpp

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace fast_cache::test
