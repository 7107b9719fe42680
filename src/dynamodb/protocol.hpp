// Request bodies and response parsers for the DynamoDB operations the cache uses (JSON 1.0
// protocol). Pure functions: no I/O. Parsers throw Error(errc::protocol) on malformed answers.
#pragma once

#include "dynamodb/layout.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache::dynamodb {

inline constexpr std::size_t batch_get_limit = 100;   // keys per BatchGetItem
inline constexpr std::size_t batch_write_limit = 25;  // requests per BatchWriteItem

/// One put (value set) or delete (value empty) of a BatchWriteItem, or a PutItem.
struct write_op {
  std::string cache_key;
  std::optional<std::string> value;  ///< nullopt: delete
  std::optional<std::int64_t> ttl;
  friend bool operator==(const write_op&, const write_op&) = default;
};

/// `without_value` projects only the key and ttl: enough to answer has() without moving the value.
std::string get_item_request(std::string_view table, std::string_view cache_key, bool consistent_read,
                             bool without_value = false);
std::string put_item_request(std::string_view table, const write_op& put);
std::string delete_item_request(std::string_view table, std::string_view cache_key);
/// The PutItem of put_item_request, made only when no item live at `now` is under the key:
/// `attribute_not_exists(cache_key) OR ttl < :now`, :now = first_live_ttl(now), the negation of
/// stored_item::live_at, so it stores exactly when a read at `now` would miss. A failed
/// condition is answered with ConditionalCheckFailedException (is_condition_failed).
std::string put_if_absent_request(std::string_view table, const write_op& put,
                                  std::chrono::system_clock::time_point now);
/// The DeleteItem of delete_item_request, made only when the item's value is `value`, compared
/// in the encoding put_item_request writes it in (B).
std::string delete_if_equal_request(std::string_view table, std::string_view cache_key, std::string_view value);
/// nullopt when the response has no Item.
std::optional<stored_item> parse_get_item(std::string_view body);

/// `keys` must be unique and at most batch_get_limit long.
std::string batch_get_request(std::string_view table, std::span<const std::string> keys, bool consistent_read);
struct batch_get_result {
  std::vector<std::pair<std::string, stored_item>> items;  ///< cache_key and item, in no particular order
  std::vector<std::string> unprocessed;                    ///< cache keys to send again
};
batch_get_result parse_batch_get(std::string_view body, std::string_view table);

/// `ops` must touch distinct keys and be at most batch_write_limit long.
std::string batch_write_request(std::string_view table, std::span<const write_op> ops);
/// The UnprocessedItems to send again.
std::vector<write_op> parse_batch_write(std::string_view body, std::string_view table);

/// One page of the cache keys that start with prefix.
std::string scan_request(std::string_view table, std::string_view prefix, const std::optional<std::string>& start_key);
struct scan_page {
  std::vector<std::string> keys;
  std::optional<std::string> last_key;  ///< nullopt on the last page
};
scan_page parse_scan(std::string_view body);

std::string table_request(std::string_view table);  // DescribeTable, DescribeTimeToLive
std::string create_table_request(std::string_view table);
std::string update_ttl_request(std::string_view table);

struct table_description {
  std::string status;
  /// {attribute name, key type, attribute type} for each key attribute
  std::vector<std::vector<std::string>> key_schema;
};
table_description parse_describe_table(std::string_view body);
/// An explanation when the table's key schema is not the cache layout's; nullopt when it is.
std::optional<std::string> key_schema_mismatch(const table_description& table);

struct ttl_description {
  std::string status;
  std::string attribute;
};
ttl_description parse_describe_ttl(std::string_view body);

/// Splits keys into chunks of at most `limit` distinct keys, dropping duplicates.
std::vector<std::vector<std::string>> unique_chunks(std::span<const std::string> keys, std::size_t limit);

}  // namespace fast_cache::dynamodb
