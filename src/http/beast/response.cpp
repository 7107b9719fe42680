#include <fast_cache/beast/response.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace fast_cache::beast {

response json_response(const boost::json::value& value, http::status status) {
  response res(status, 11);
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(value);
  return res;
}

response error_response(http::status status, std::string_view detail) {
  return json_response(boost::json::object{{"detail", detail}}, status);
}

}  // namespace fast_cache::beast
