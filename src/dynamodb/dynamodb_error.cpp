#include <fast_cache/dynamodb_backend.hpp>

namespace fast_cache {

DynamoDBError::DynamoDBError(errc code, std::string error_type, unsigned http_status, std::string server_message,
                             const std::string& what)
    : Error(code, what),
      error_type_(std::move(error_type)),
      http_status_(http_status),
      server_message_(std::move(server_message)) {}

}  // namespace fast_cache
