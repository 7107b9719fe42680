// A client io thread and a blocking request helper shared by the http_client tests.
#pragma once

#include "net/http_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

namespace fast_cache::net::test {

struct result {
  boost::system::error_code ec;
  http_response res;
};

class client_io {
 public:
  // Two threads, so the client's own serialisation is what keeps it correct.
  client_io() : work_(io_.get_executor()) {
    for (auto& t : threads_) t = std::thread([this] { io_.run(); });
  }
  ~client_io() {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread threads_[2];
};

inline http_request make_request(std::string target, std::string body = {}) {
  http_request req;
  req.target = std::move(target);
  req.body = std::move(body);
  return req;
}

inline result to_result(boost::system::error_code ec, http_response res) { return {ec, std::move(res)}; }

/// Starts one request; the future holds its outcome.
inline std::future<result> start(http_client& client, http_request req) {
  return client.async_request(std::move(req), boost::asio::use_future(&to_result));
}

/// Sends one request and waits for it (from a thread that is not the client's io thread).
inline result send(http_client& client, http_request req) { return start(client, std::move(req)).get(); }

/// Options with one or two fields changed (designated initializers trip -Wmissing-field-initializers in g++ 12).
template <class Change>
client_options options(Change change) {
  client_options opts;
  change(opts);
  return opts;
}

}  // namespace fast_cache::net::test
