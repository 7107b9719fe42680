#include "dynamodb/config.hpp"

#include <gtest/gtest.h>

namespace fast_cache::dynamodb {
namespace {

DynamoDBOptions table_only() { return {.table_name = "cache_table"}; }

errc error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return static_cast<errc>(e.code().value());
  }
  ADD_FAILURE() << "no error";
  return errc::internal;
}

TEST(config, ini_sections_keys_and_nested_blocks) {
  const auto doc = parse_ini(
      "# comment\n[default]\nregion = eu-west-1\n\n[profile dev]\r\naws_access_key_id=AK\n"
      "services = local\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:9000\n"
      "s3 =\n  endpoint_url = http://s3\n");
  EXPECT_EQ(doc.at("default").at("region"), "eu-west-1");
  EXPECT_EQ(doc.at("profile dev").at("aws_access_key_id"), "AK");
  EXPECT_EQ(doc.at("services local").at("dynamodb.endpoint_url"), "http://localhost:9000");
  EXPECT_EQ(doc.at("services local").at("s3.endpoint_url"), "http://s3");
}

TEST(config, explicit_options_win_over_everything) {
  DynamoDBOptions o = table_only();
  o.aws_access_key_id = "OPT";
  o.aws_secret_access_key = "OPTSECRET";
  o.region_name = "ap-south-1";
  o.endpoint_url = "http://127.0.0.1:8000";
  const env_map env = {{"AWS_ACCESS_KEY_ID", "ENV"},
                       {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                       {"AWS_REGION", "eu-west-1"},
                       {"AWS_ENDPOINT_URL", "http://other:1"}};
  const auto c = resolve_config(o, env, {});
  EXPECT_EQ(c.creds.access_key_id, "OPT");
  EXPECT_EQ(c.creds.secret_access_key, "OPTSECRET");
  EXPECT_EQ(c.region, "ap-south-1");
  EXPECT_EQ(c.endpoint_url, "http://127.0.0.1:8000");
  EXPECT_EQ(c.endpoint.host, "127.0.0.1");
  EXPECT_EQ(c.endpoint.port, 8000);
  EXPECT_FALSE(c.endpoint.tls);
}

TEST(config, environment_then_profile_then_defaults) {
  const shared_files files{
      "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n"
      "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n"
      "aws_session_token = DEVTOKEN\n",
      "[default]\nregion = eu-central-1\n[profile dev]\nregion = us-west-2\n"
      "services = dev-services\n[services dev-services]\ndynamodb =\n"
      "  endpoint_url = http://localhost:8111\n"};
  auto c = resolve_config(table_only(),
                          {{"AWS_ACCESS_KEY_ID", "ENV"},
                           {"AWS_SECRET_ACCESS_KEY", "ENVS"},
                           {"AWS_SESSION_TOKEN", "ENVT"},
                           {"AWS_DEFAULT_REGION", "sa-east-1"}},
                          files);
  EXPECT_EQ(c.creds.access_key_id, "ENV");
  EXPECT_EQ(c.creds.session_token, "ENVT");
  EXPECT_EQ(c.region, "sa-east-1");
  EXPECT_EQ(c.endpoint_url, "https://dynamodb.sa-east-1.amazonaws.com");
  EXPECT_EQ(c.endpoint.port, 443);

  c = resolve_config(table_only(), {{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "sa-east-1"}}, files);
  EXPECT_EQ(c.creds.access_key_id, "FILEKEY");
  EXPECT_EQ(c.region, "us-east-2");

  c = resolve_config(table_only(), {}, files);
  EXPECT_EQ(c.region, "eu-central-1");

  c = resolve_config(table_only(), {{"AWS_PROFILE", "dev"}}, files);
  EXPECT_EQ(c.creds.access_key_id, "DEVKEY");
  EXPECT_EQ(c.creds.session_token, "DEVTOKEN");
  EXPECT_EQ(c.region, "us-west-2");
  EXPECT_EQ(c.endpoint_url, "http://localhost:8111");

  c = resolve_config(table_only(), {{"AWS_PROFILE", "dev"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}, files);
  EXPECT_EQ(c.endpoint_url, "https://dynamodb.us-west-2.amazonaws.com");

  c = resolve_config(table_only(),
                     {{"AWS_PROFILE", "dev"},
                      {"AWS_ENDPOINT_URL", "http://localhost:1"},
                      {"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:2"}},
                     files);
  EXPECT_EQ(c.endpoint_url, "http://localhost:2");

  EXPECT_EQ(error_of([&] { resolve_config(table_only(), {{"AWS_PROFILE", "nope"}}, files); }), errc::invalid_argument);
}

TEST(config, region_defaults_to_us_east_1_and_china_uses_its_domain) {
  const env_map creds = {{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "S"}};
  EXPECT_EQ(resolve_config(table_only(), creds, {}).region, "us-east-1");
  EXPECT_EQ(resolve_config(table_only(), creds, {}).endpoint_url, "https://dynamodb.us-east-1.amazonaws.com");
  DynamoDBOptions o = table_only();
  o.region_name = "cn-north-1";
  EXPECT_EQ(resolve_config(o, creds, {}).endpoint_url, "https://dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(config, local_endpoint_without_credentials_gets_placeholders) {
  DynamoDBOptions o = table_only();
  o.endpoint_url = "http://localhost:8000";
  const auto c = resolve_config(o, {}, {});
  EXPECT_TRUE(c.local_credentials);
  EXPECT_FALSE(c.creds.access_key_id.empty());
  EXPECT_EQ(error_of([&] { resolve_config(table_only(), {}, {}); }), errc::invalid_argument);
}

TEST(config, validation) {
  for (const char* name : {"", "ab", "has space", "bad/char"}) {
    DynamoDBOptions o{.table_name = name, .endpoint_url = "http://localhost:1"};
    EXPECT_EQ(error_of([&] { resolve_config(o, {}, {}); }), errc::invalid_argument) << name;
  }
  EXPECT_NO_THROW(validate_table_name(std::string(255, 'a')));
  EXPECT_THROW(validate_table_name(std::string(256, 'a')), Error);
  EXPECT_NO_THROW(validate_region("us-gov-west-1"));
  for (const std::string& r : std::vector<std::string>{"", "-us", "us_east", "us-east-1/", std::string(64, 'a')})
    EXPECT_THROW(validate_region(r), Error) << r;
  for (const char* u : {"localhost:8000", "ftp://h", "http://", "http://h:0", "http://h:70000", "http://h/path",
                        "http://u:p@h", "http://h:x", "http://[::1"})
    EXPECT_THROW(parse_endpoint_url(u), Error) << u;
  const auto v6 = parse_endpoint_url("http://[::1]:9000/");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 9000);
  EXPECT_TRUE(is_loopback_host(v6.host));
  EXPECT_FALSE(is_loopback_host("example.com"));
  DynamoDBOptions colon{.table_name = "cache_table", .namespace_ = "a:b", .endpoint_url = "http://localhost:1"};
  EXPECT_EQ(error_of([&] { resolve_config(colon, {}, {}); }), errc::invalid_argument);
  DynamoDBOptions half = table_only();
  half.aws_access_key_id = "only-id";
  EXPECT_EQ(error_of([&] { resolve_config(half, {}, {}); }), errc::invalid_argument);
}

TEST(config, errors_never_echo_secrets) {
  const shared_files files{"[default]\naws_secret_access_key = FILE_SECRET_VALUE\n", std::nullopt};
  const env_map env = {{"AWS_SECRET_ACCESS_KEY", "ENV_SECRET_VALUE"}, {"AWS_SESSION_TOKEN", "ENV_TOKEN_VALUE"}};
  for (const auto& [e, f] : {std::pair{env, shared_files{}}, std::pair{env_map{}, files}}) {
    try {
      resolve_config(table_only(), e, f);
      ADD_FAILURE();
    } catch (const Error& err) {
      const std::string what = err.what();
      EXPECT_EQ(what.find("SECRET_VALUE"), std::string::npos) << what;
      EXPECT_EQ(what.find("TOKEN_VALUE"), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace fast_cache::dynamodb
