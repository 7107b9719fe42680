#include "dynamodb/errors.hpp"

#include <gtest/gtest.h>

namespace fast_cache::dynamodb {
namespace {

TEST(errors, type_is_sanitised) {
  EXPECT_EQ(sanitize_error_type("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/x"), "FooError");
  EXPECT_EQ(sanitize_error_type("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
            "ResourceNotFoundException");
  EXPECT_EQ(sanitize_error_type("FooError:http://x#y"), "FooError");
  EXPECT_EQ(sanitize_error_type("ThrottlingException"), "ThrottlingException");
}

TEST(errors, type_from_header_then_type_field_then_code) {
  const std::string body =
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})";
  auto e = parse_service_error(400, std::nullopt, body);
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Requested resource not found");
  EXPECT_EQ(parse_service_error(400, "com.amazon.coral.validate#ValidationException", body).type,
            "ValidationException");
  e = parse_service_error(400, std::nullopt, R"({"code":"ThrottlingException","Message":"slow down"})");
  EXPECT_EQ(e.type, "ThrottlingException");
  EXPECT_EQ(e.message, "slow down");
  e = parse_service_error(502, std::nullopt, "<html>Bad Gateway</html>");
  EXPECT_EQ(e.type, "");
  EXPECT_EQ(e.status, 502u);
}

struct case_t {
  unsigned status;
  const char* type;
  error_class kind;
  errc code;
};

TEST(errors, classification_and_mapping) {
  const case_t cases[] = {
      {400, "ProvisionedThroughputExceededException", error_class::throttling, errc::throttled},
      {400, "ThrottlingException", error_class::throttling, errc::throttled},
      {400, "RequestLimitExceeded", error_class::throttling, errc::throttled},
      {400, "LimitExceededException", error_class::throttling, errc::throttled},
      {400, "TransactionInProgressException", error_class::throttling, errc::throttled},
      {429, "", error_class::throttling, errc::throttled},
      {500, "InternalServerError", error_class::transient, errc::unavailable},
      {503, "ServiceUnavailable", error_class::transient, errc::unavailable},
      {502, "", error_class::transient, errc::unavailable},
      {504, "", error_class::transient, errc::timeout},
      {400, "RequestTimeout", error_class::transient, errc::timeout},
      {400, "ValidationException", error_class::fatal, errc::rejected},
      {400, "ResourceNotFoundException", error_class::fatal, errc::rejected},
      {400, "ConditionalCheckFailedException", error_class::fatal, errc::rejected},
      {400, "TransactionConflictException", error_class::fatal, errc::rejected},
      {400, "UnrecognizedClientException", error_class::fatal, errc::rejected},
      {400, "InvalidSignatureException", error_class::fatal, errc::rejected},
      {400, "AccessDeniedException", error_class::fatal, errc::rejected},
      {400, "ExpiredTokenException", error_class::fatal, errc::rejected},
      {403, "", error_class::fatal, errc::rejected},
      {400, "", error_class::fatal, errc::rejected},
  };
  for (const auto& c : cases) {
    const service_error e{c.status, c.type, ""};
    EXPECT_EQ(classify(e), c.kind) << c.status << " " << c.type;
    EXPECT_EQ(to_errc(e), c.code) << c.status << " " << c.type;
  }
}

// The Error client::call throws for an error answer.
Error error_of(const service_error& e) {
  return Error(to_errc(e), diagnostics{"DynamoDB PutItem failed", e.type, e.message, e.status});
}

TEST(errors, a_failed_condition_is_recognised_and_never_retried) {
  const auto failed = parse_service_error(
      400, std::nullopt,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})");
  EXPECT_EQ(failed.type, condition_failed_type);
  EXPECT_EQ(classify(failed), error_class::fatal);
  EXPECT_TRUE(is_condition_failed(error_of(failed)));
  // Also when the type arrives in the header.
  EXPECT_TRUE(is_condition_failed(
      error_of(parse_service_error(400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "{}"))));

  for (const char* other : {"ValidationException", "TransactionConflictException", "ResourceNotFoundException",
                            "ThrottlingException", "InternalServerError"})
    EXPECT_FALSE(is_condition_failed(error_of(service_error{400, other, ""}))) << other;
  EXPECT_FALSE(is_condition_failed(Error(errc::timeout, "DynamoDB PutItem timed out")));
  // Only the server's diagnosis counts, never a message that happens to name it.
  EXPECT_FALSE(is_condition_failed(Error(errc::rejected, "ConditionalCheckFailedException")));
}

TEST(errors, redaction_removes_every_occurrence) {
  const std::string_view secrets[] = {"SECRET", "", "TOKEN"};
  EXPECT_EQ(redact("a SECRET b SECRETSECRET TOKEN", secrets), "a *** b ****** ***");
  EXPECT_EQ(redact("nothing here", secrets), "nothing here");
}

}  // namespace
}  // namespace fast_cache::dynamodb
