// DynamoDB error responses: decoding, retry classification and mapping onto fast_cache::errc.
#pragma once

#include <fast_cache/error.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fast_cache::dynamodb {

/// An error answer from the service.
struct service_error {
  unsigned status = 0;
  std::string type;     ///< sanitised, e.g. "ResourceNotFoundException"; empty if the server gave none
  std::string message;  ///< the server's message, possibly empty
};

/// `aws.protocoltests.restjson#FooError:http://...` -> `FooError`: what precedes the first ':',
/// then what follows the first '#' (awsJson protocol, "Operation error serialization").
std::string sanitize_error_type(std::string_view raw);

/// The type comes from the X-Amzn-Errortype header, else body `__type`, else body `code`; the
/// message from `message` or `Message`. A body that is not JSON leaves them empty.
service_error parse_service_error(unsigned status, std::optional<std::string_view> type_header, std::string_view body);

/// How a failure may be retried.
enum class error_class {
  transient,   ///< 5xx, network failure, timeout, CRC32 mismatch: retry with the short base
  throttling,  ///< the service asks to slow down: retry with the long base
  fatal,       ///< retrying cannot help
};

error_class classify(const service_error& error) noexcept;
errc to_errc(const service_error& error) noexcept;

/// The answer to a write whose ConditionExpression did not hold (HTTP 400). classify() makes it
/// fatal, so it is never retried; to a conditional write it is the answer "no", not a failure.
inline constexpr std::string_view condition_failed_type = "ConditionalCheckFailedException";

/// Whether a call failed only because its condition did not hold: what client::call throws for
/// a ConditionalCheckFailedException answer.
bool is_condition_failed(const Error& error) noexcept;

/// text with every occurrence of each non-empty secret replaced by "***". Servers echo request
/// parts (an InvalidSignatureException quotes the canonical request, token included).
std::string redact(std::string text, std::span<const std::string_view> secrets);

}  // namespace fast_cache::dynamodb
