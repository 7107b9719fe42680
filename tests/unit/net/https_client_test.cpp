// http_client over TLS: certificate and host name verification against a self-signed server.
#include "net/http_client.hpp"

#include "unit/net/client_fixture.hpp"
#include "unit/net/test_cert.hpp"
#include "unit/net/test_server.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fast_cache::net::test {
namespace {

namespace asio = boost::asio;

class HttpsClient : public ::testing::Test {
 protected:
  HttpsClient() : cert_(make_self_signed_cert("localhost")), tls_(asio::ssl::context::tls_server) {
    tls_.use_certificate_chain(asio::buffer(cert_.cert_pem));
    tls_.use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
    ca_file_ = std::filesystem::temp_directory_path() /
               ("fast_cache_test_ca_" + std::to_string(::getpid()) + "_" + std::to_string(server_->port()) + ".pem");
    std::ofstream(ca_file_) << cert_.cert_pem;
  }
  ~HttpsClient() override { std::filesystem::remove(ca_file_); }

  endpoint at(const std::string& host) {
    return parse_endpoint("https://" + host + ":" + std::to_string(server_->port()));
  }

  test_cert cert_;
  asio::ssl::context tls_;
  std::unique_ptr<test_server> server_ = std::make_unique<test_server>(&tls_);
  std::filesystem::path ca_file_;
  client_io io_;
};

TEST_F(HttpsClient, UnknownCertificateIsRejectedByDefault) {
  http_client client(io_.executor(), at("localhost"));
  const auto [ec, res] = send(client, make_request("/echo"));
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec.category(), asio::error::get_ssl_category()) << ec.message();
}

TEST_F(HttpsClient, TrustedCertificateWithMatchingHostIsAccepted) {
  http_client client(io_.executor(), at("localhost"),
                     options([&](client_options& o) { o.ca_file = ca_file_.string(); }));
  for (int i = 0; i < 3; ++i) {
    const auto [ec, res] = send(client, make_request("/echo", "over tls"));
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.body, "over tls");
  }
  EXPECT_EQ(server_->accepted(), 1u);
}

TEST_F(HttpsClient, HostNameMismatchIsRejected) {
  // The certificate names "localhost" only; 127.0.0.1 reaches the same server under another name.
  http_client client(io_.executor(), at("127.0.0.1"),
                     options([&](client_options& o) { o.ca_file = ca_file_.string(); }));
  const auto [ec, res] = send(client, make_request("/echo"));
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec.category(), asio::error::get_ssl_category()) << ec.message();
}

TEST_F(HttpsClient, VerificationCanBeTurnedOff) {
  http_client client(io_.executor(), at("127.0.0.1"), options([&](client_options& o) { o.verify_tls = false; }));
  EXPECT_FALSE(send(client, make_request("/echo")).ec);
}

TEST_F(HttpsClient, MissingCaFileIsAnInvalidArgument) {
  try {
    http_client client(io_.executor(), at("localhost"),
                       options([&](client_options& o) { o.ca_file = "/nonexistent/ca.pem"; }));
    FAIL() << "accepted a missing CA file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
  }
}

}  // namespace
}  // namespace fast_cache::net::test
