#include "dynamodb/protocol.hpp"

#include "dynamodb/crypto.hpp"

#include <fast_cache/error.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <unordered_set>

namespace fast_cache::dynamodb {
namespace json = boost::json;
namespace {

[[noreturn]] void malformed(std::string_view what) {
  throw Error(errc::protocol, "malformed DynamoDB response: " + std::string(what));
}

json::object parse_object(std::string_view body, json::storage_ptr storage = {}) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, std::move(storage));
  if (ec) malformed("not JSON (" + ec.message() + ")");
  if (!v.is_object()) malformed("not a JSON object");
  return std::move(v.as_object());
}

// ---- GetItem and PutItem, on every get and set: written directly, not built as json::object
// and serialized (a dozen allocations per request). The output is what json::serialize writes.

// Appends s as a JSON string, escaped as Boost.JSON's serializer does.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u >= 0x20) {
      out.push_back(c);
    } else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      out.push_back('\\');
      out.push_back(c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
    } else {
      const char escape[] = {'\\', 'u', '0', '0', digits[u >> 4], digits[u & 0xf]};
      out.append(escape, sizeof escape);
    }
  }
  out.push_back('"');
}

// The room a JSON string of s takes when nothing in it needs escaping.
std::size_t json_string_size(std::string_view s) { return s.size() + 2; }

// {"TableName":<table>,
void open_request(std::string& out, std::string_view table) {
  out += R"({"TableName":)";
  append_json_string(out, table);
  out.push_back(',');
}

// "cache_key":{"S":<cache_key>}
void append_key_attribute(std::string& out, std::string_view cache_key) {
  append_json_string(out, key_attribute);
  out += R"(:{"S":)";
  append_json_string(out, cache_key);
  out.push_back('}');
}

const json::object* find_object(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v ? v->if_object() : nullptr;
}

json::object string_attr(std::string_view s) { return {{"S", s}}; }

json::object key_of(std::string_view cache_key) { return {{key_attribute, string_attr(cache_key)}}; }

json::object binary_attr(std::string_view bytes) { return {{"B", base64_encode(bytes)}}; }

json::object number_attr(std::int64_t n) { return {{"N", std::to_string(n)}}; }

json::object item_of(const write_op& put) {
  json::object item{{key_attribute, string_attr(put.cache_key)}, {value_attribute, binary_attr(*put.value)}};
  if (put.ttl) item[ttl_attribute] = number_attr(*put.ttl);
  return item;
}

json::object put_item(std::string_view table, const write_op& put) {
  return {{"TableName", table}, {"Item", item_of(put)}};
}

json::object delete_item(std::string_view table, std::string_view cache_key) {
  return {{"TableName", table}, {"Key", key_of(cache_key)}};
}

// Adds a ConditionExpression and its substitutions to a PutItem or DeleteItem.
std::string with_condition(json::object request, std::string_view expression, json::object names, json::object values) {
  request["ConditionExpression"] = expression;
  request["ExpressionAttributeNames"] = std::move(names);
  request["ExpressionAttributeValues"] = std::move(values);
  return json::serialize(request);
}

std::string_view attr_string(const json::object& item, std::string_view name, std::string_view type) {
  const json::object* attr = find_object(item, name);
  if (!attr) malformed("attribute " + std::string(name) + " missing");
  const json::value* v = attr->if_contains(type);
  if (!v || !v->is_string()) malformed("attribute " + std::string(name) + " is not of type " + std::string(type));
  return v->as_string();
}

std::string key_from(const json::object& item) { return std::string(attr_string(item, key_attribute, "S")); }

stored_item stored_from(const json::object& item) {
  stored_item out;
  if (item.contains(value_attribute)) {
    auto bytes = base64_decode(attr_string(item, value_attribute, "B"));
    if (!bytes) malformed("value is not base64");
    out.value = std::move(*bytes);
  }
  if (item.contains(ttl_attribute)) {
    const std::string_view n = attr_string(item, ttl_attribute, "N");
    // TTL numbers written by other tools may carry a fraction; whole seconds are what counts.
    std::int64_t secs = 0;
    const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), secs);
    if (ec != std::errc() || (ptr != n.data() + n.size() && *ptr != '.')) malformed("ttl is not a number");
    out.ttl = secs;
  }
  return out;
}

write_op write_op_from(const json::object& request) {
  if (const json::object* put = find_object(request, "PutRequest")) {
    const json::object* item = find_object(*put, "Item");
    if (!item) malformed("PutRequest without Item");
    stored_item s = stored_from(*item);
    return {key_from(*item), std::move(s.value), s.ttl};
  }
  if (const json::object* del = find_object(request, "DeleteRequest")) {
    const json::object* key = find_object(*del, "Key");
    if (!key) malformed("DeleteRequest without Key");
    return {key_from(*key), std::nullopt, std::nullopt};
  }
  malformed("unknown write request");
}

}  // namespace

std::string get_item_request(std::string_view table, std::string_view cache_key, bool consistent_read,
                             bool without_value) {
  std::string out;
  out.reserve(128 + json_string_size(table) + json_string_size(cache_key));
  open_request(out, table);
  out += R"("Key":{)";
  append_key_attribute(out, cache_key);
  out.push_back('}');
  if (consistent_read) out += R"(,"ConsistentRead":true)";
  if (without_value) {
    out += R"(,"ProjectionExpression":"#k, #t","ExpressionAttributeNames":{"#k":)";
    append_json_string(out, key_attribute);
    out += R"(,"#t":)";
    append_json_string(out, ttl_attribute);
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

std::string put_item_request(std::string_view table, const write_op& put) {
  const std::size_t value_size = base64_size(put.value->size());
  std::string out;
  out.reserve(128 + json_string_size(table) + json_string_size(put.cache_key) + value_size);
  open_request(out, table);
  out += R"("Item":{)";
  append_key_attribute(out, put.cache_key);
  out.push_back(',');
  append_json_string(out, value_attribute);
  out += R"(:{"B":")";  // base64 needs no escaping
  append_base64(out, *put.value);
  out += R"("})";
  if (put.ttl) {
    out.push_back(',');
    append_json_string(out, ttl_attribute);
    out += R"(:{"N":")";
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, *put.ttl).ptr);
    out += R"("})";
  }
  out += "}}";
  return out;
}

std::string delete_item_request(std::string_view table, std::string_view cache_key) {
  return json::serialize(delete_item(table, cache_key));
}

std::string put_if_absent_request(std::string_view table, const write_op& put,
                                  std::chrono::system_clock::time_point now) {
  return with_condition(put_item(table, put), "attribute_not_exists(#k) OR #t < :now",
                        json::object{{"#k", key_attribute}, {"#t", ttl_attribute}},
                        json::object{{":now", number_attr(first_live_ttl(now))}});
}

std::string delete_if_equal_request(std::string_view table, std::string_view cache_key, std::string_view value) {
  return with_condition(delete_item(table, cache_key), "#v = :v", json::object{{"#v", value_attribute}},
                        json::object{{":v", binary_attr(value)}});
}

std::optional<stored_item> parse_get_item(std::string_view body) {
  // A GetItem answer of a small value parses without touching the heap; the storage is released
  // at once, since what is kept (the value) is copied out of it.
  alignas(std::max_align_t) unsigned char first_block[4096];
  json::monotonic_resource storage(first_block, sizeof first_block);
  const json::object o = parse_object(body, &storage);
  const json::object* item = find_object(o, "Item");
  if (!item) return std::nullopt;
  return stored_from(*item);
}

std::string batch_get_request(std::string_view table, std::span<const std::string> keys, bool consistent_read) {
  json::array list;
  list.reserve(keys.size());
  for (const auto& k : keys) list.emplace_back(key_of(k));
  json::object spec{{"Keys", std::move(list)}};
  if (consistent_read) spec["ConsistentRead"] = true;
  return json::serialize(json::object{{"RequestItems", json::object{{table, std::move(spec)}}}});
}

batch_get_result parse_batch_get(std::string_view body, std::string_view table) {
  const json::object o = parse_object(body);
  batch_get_result out;
  if (const json::object* responses = find_object(o, "Responses")) {
    if (const json::value* items = responses->if_contains(table)) {
      if (!items->is_array()) malformed("Responses entry is not a list");
      for (const json::value& item : items->as_array()) {
        if (!item.is_object()) malformed("item is not an object");
        out.items.emplace_back(key_from(item.as_object()), stored_from(item.as_object()));
      }
    }
  }
  if (const json::object* unprocessed = find_object(o, "UnprocessedKeys")) {
    if (const json::object* spec = find_object(*unprocessed, table)) {
      const json::value* keys = spec->if_contains("Keys");
      if (!keys || !keys->is_array()) malformed("UnprocessedKeys without Keys");
      for (const json::value& key : keys->as_array()) {
        if (!key.is_object()) malformed("key is not an object");
        out.unprocessed.push_back(key_from(key.as_object()));
      }
    }
  }
  return out;
}

std::string batch_write_request(std::string_view table, std::span<const write_op> ops) {
  json::array list;
  list.reserve(ops.size());
  for (const write_op& op : ops) {
    if (op.value)
      list.emplace_back(json::object{{"PutRequest", json::object{{"Item", item_of(op)}}}});
    else
      list.emplace_back(json::object{{"DeleteRequest", json::object{{"Key", key_of(op.cache_key)}}}});
  }
  return json::serialize(json::object{{"RequestItems", json::object{{table, std::move(list)}}}});
}

std::vector<write_op> parse_batch_write(std::string_view body, std::string_view table) {
  const json::object o = parse_object(body);
  std::vector<write_op> out;
  if (const json::object* unprocessed = find_object(o, "UnprocessedItems")) {
    if (const json::value* list = unprocessed->if_contains(table)) {
      if (!list->is_array()) malformed("UnprocessedItems entry is not a list");
      for (const json::value& request : list->as_array()) {
        if (!request.is_object()) malformed("write request is not an object");
        out.push_back(write_op_from(request.as_object()));
      }
    }
  }
  return out;
}

std::string scan_request(std::string_view table, std::string_view prefix, const std::optional<std::string>& start_key) {
  json::object req{{"TableName", table},
                   {"ProjectionExpression", "#k"},
                   {"FilterExpression", "begins_with(#k, :prefix)"},
                   {"ExpressionAttributeNames", json::object{{"#k", key_attribute}}},
                   {"ExpressionAttributeValues", json::object{{":prefix", string_attr(prefix)}}}};
  if (start_key) req["ExclusiveStartKey"] = key_of(*start_key);
  return json::serialize(req);
}

scan_page parse_scan(std::string_view body) {
  const json::object o = parse_object(body);
  scan_page out;
  if (const json::value* items = o.if_contains("Items")) {
    if (!items->is_array()) malformed("Items is not a list");
    for (const json::value& item : items->as_array()) {
      if (!item.is_object()) malformed("item is not an object");
      out.keys.push_back(key_from(item.as_object()));
    }
  }
  if (const json::object* last = find_object(o, "LastEvaluatedKey")) out.last_key = key_from(*last);
  return out;
}

std::string table_request(std::string_view table) { return json::serialize(json::object{{"TableName", table}}); }

std::string create_table_request(std::string_view table) {
  return json::serialize(json::object{
      {"TableName", table},
      {"AttributeDefinitions", json::array{json::object{{"AttributeName", key_attribute}, {"AttributeType", "S"}}}},
      {"KeySchema", json::array{json::object{{"AttributeName", key_attribute}, {"KeyType", "HASH"}}}},
      {"BillingMode", "PAY_PER_REQUEST"}});
}

std::string update_ttl_request(std::string_view table) {
  return json::serialize(
      json::object{{"TableName", table},
                   {"TimeToLiveSpecification", json::object{{"Enabled", true}, {"AttributeName", ttl_attribute}}}});
}

table_description parse_describe_table(std::string_view body) {
  const json::object o = parse_object(body);
  const json::object* table = find_object(o, "Table");
  if (!table) malformed("DescribeTable without Table");
  table_description out;
  if (const json::value* status = table->if_contains("TableStatus"); status && status->is_string())
    out.status = std::string(status->as_string());
  auto str = [](const json::object& obj, std::string_view name) {
    const json::value* v = obj.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const json::value* schema = table->if_contains("KeySchema");
  const json::value* defs = table->if_contains("AttributeDefinitions");
  if (schema && schema->is_array()) {
    for (const json::value& k : schema->as_array()) {
      if (!k.is_object()) continue;
      std::string name = str(k.as_object(), "AttributeName");
      std::string type;
      if (defs && defs->is_array())
        for (const json::value& d : defs->as_array())
          if (d.is_object() && str(d.as_object(), "AttributeName") == name) type = str(d.as_object(), "AttributeType");
      out.key_schema.push_back({std::move(name), str(k.as_object(), "KeyType"), std::move(type)});
    }
  }
  return out;
}

std::optional<std::string> key_schema_mismatch(const table_description& table) {
  const bool ok = table.key_schema.size() == 1 && table.key_schema[0][0] == key_attribute &&
                  table.key_schema[0][1] == "HASH" && (table.key_schema[0][2].empty() || table.key_schema[0][2] == "S");
  if (ok) return std::nullopt;
  std::string found;
  for (const auto& k : table.key_schema) {
    if (!found.empty()) found += ", ";
    found += k[0] + " " + k[1] + (k[2].empty() ? "" : " (" + k[2] + ")");
  }
  return "the table's key schema is [" + found + "], but the cache needs exactly [" + std::string(key_attribute) +
         " HASH (S)]";
}

ttl_description parse_describe_ttl(std::string_view body) {
  const json::object o = parse_object(body);
  ttl_description out;
  if (const json::object* d = find_object(o, "TimeToLiveDescription")) {
    if (const json::value* s = d->if_contains("TimeToLiveStatus"); s && s->is_string())
      out.status = std::string(s->as_string());
    if (const json::value* a = d->if_contains("AttributeName"); a && a->is_string())
      out.attribute = std::string(a->as_string());
  }
  return out;
}

std::vector<std::vector<std::string>> unique_chunks(std::span<const std::string> keys, std::size_t limit) {
  std::vector<std::vector<std::string>> out;
  std::unordered_set<std::string_view> seen;
  for (const std::string& k : keys) {
    if (!seen.insert(k).second) continue;
    if (out.empty() || out.back().size() == limit) out.emplace_back().reserve(std::min(limit, keys.size()));
    out.back().push_back(k);
  }
  return out;
}

}  // namespace fast_cache::dynamodb
