#include "dynamodb/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

namespace fast_cache::dynamodb {
namespace {

bool one_of(std::string_view type, std::span<const std::string_view> names) {
  return std::find(names.begin(), names.end(), type) != names.end();
}

// botocore retries/standard.py (throttling codes) and _retry.json, plus DynamoDB's own list.
constexpr std::array<std::string_view, 15> throttling_types = {"Throttling",
                                                               "ThrottlingException",
                                                               "ThrottledException",
                                                               "RequestThrottledException",
                                                               "TooManyRequestsException",
                                                               "ProvisionedThroughputExceededException",
                                                               "TransactionInProgressException",
                                                               "RequestLimitExceeded",
                                                               "BandwidthLimitExceeded",
                                                               "LimitExceededException",
                                                               "RequestThrottled",
                                                               "SlowDown",
                                                               "PriorRequestNotComplete",
                                                               "EC2ThrottledException",
                                                               "ItemCollectionSizeLimitExceededException"};

constexpr std::array<std::string_view, 6> transient_types = {"RequestTimeout",      "RequestTimeoutException",
                                                             "InternalServerError", "InternalFailure",
                                                             "ServiceUnavailable",  "ReplicatedWriteConflictException"};

constexpr std::array<std::string_view, 10> auth_types = {
    "UnrecognizedClientException",  "InvalidSignatureException",
    "IncompleteSignatureException", "MissingAuthenticationTokenException",
    "MissingAuthenticationToken",   "ExpiredTokenException",
    "AccessDeniedException",        "InvalidClientTokenId",
    "SignatureDoesNotMatch",        "ExpiredToken"};

}  // namespace

std::string sanitize_error_type(std::string_view raw) {
  raw = raw.substr(0, raw.find(':'));
  if (const std::size_t hash = raw.find('#'); hash != std::string_view::npos) raw.remove_prefix(hash + 1);
  return std::string(raw);
}

service_error parse_service_error(unsigned status, std::optional<std::string_view> type_header, std::string_view body) {
  service_error out;
  out.status = status;
  if (type_header && !type_header->empty()) out.type = sanitize_error_type(*type_header);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    auto str = [&](std::string_view name) -> std::optional<std::string_view> {
      const boost::json::value* f = o.if_contains(name);
      if (f && f->is_string()) return std::string_view(f->as_string());
      return std::nullopt;
    };
    if (out.type.empty()) {
      if (auto t = str("__type"))
        out.type = sanitize_error_type(*t);
      else if (auto c = str("code"))
        out.type = sanitize_error_type(*c);
    }
    if (auto m = str("message"))
      out.message = std::string(*m);
    else if (auto m2 = str("Message"))
      out.message = std::string(*m2);
  }
  return out;
}

error_class classify(const service_error& e) noexcept {
  if (one_of(e.type, throttling_types) || e.status == 429) return error_class::throttling;
  if (one_of(e.type, transient_types)) return error_class::transient;
  if (!e.type.empty() && e.status < 500) return error_class::fatal;
  if (e.status >= 500 || e.status == 0) return error_class::transient;
  return error_class::fatal;
}

errc to_errc(const service_error& e) noexcept {
  if (one_of(e.type, auth_types) || e.status == 401 || e.status == 403) return errc::rejected;
  if (classify(e) == error_class::throttling) return errc::throttled;
  if (e.type == "RequestTimeout" || e.type == "RequestTimeoutException" || e.status == 504) return errc::timeout;
  if (e.type.empty() && e.status >= 200 && e.status < 300) return errc::protocol;
  // A failing server (5xx) is as good as an unreachable one to a cache; any other answer is the
  // server refusing this request (validation, a missing table, a failed condition).
  if (e.type == "ServiceUnavailable" || e.status >= 500 || e.status == 0) return errc::unavailable;
  return errc::rejected;
}

bool is_condition_failed(const Error& error) noexcept {
  return error.code() == errc::rejected && error.diag().server_code == condition_failed_type;
}

std::string redact(std::string text, std::span<const std::string_view> secrets) {
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
      text.replace(pos, secret.size(), "***");
  }
  return text;
}

}  // namespace fast_cache::dynamodb
