-- wrk script: posts one DynamoDB GetItem or PutItem, the same body the clients under test send,
-- straight at the server, to measure its ceiling.
--   wrk -s request.lua URL -- GetItem|PutItem TABLE CACHE_KEY
-- DynamoDB Local checks no signature, but it reads the access key from the Authorization header to
-- pick its database (one shared database under -sharedDb), so a well-formed header is enough.

local operation, table_name, cache_key = "GetItem", "fast_cache_bench", "bench:hot"

function init(args)
  operation = args[1] or operation
  table_name = args[2] or table_name
  cache_key = args[3] or cache_key
  local key = '{"cache_key":{"S":"' .. cache_key .. '"}}'
  if operation == "GetItem" then
    wrk.body = '{"TableName":"' .. table_name .. '","Key":' .. key .. '}'
  elseif operation == "PutItem" then
    -- 100 value bytes, base64 (B attributes travel as base64 strings).
    local value = string.rep("dnZ2", 33) .. "dg=="
    wrk.body = '{"TableName":"' .. table_name .. '","Item":{"cache_key":{"S":"' .. cache_key ..
               '"},"value":{"B":"' .. value .. '"}}}'
  else
    error("operation must be GetItem or PutItem, not " .. operation)
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. operation
  wrk.headers["X-Amz-Date"] = "20260101T000000Z"
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=fake/20260101/us-east-1/dynamodb/aws4_request, " ..
                                 "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" ..
                                 string.rep("0", 64)
end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "../common/wrk_report.lua")
