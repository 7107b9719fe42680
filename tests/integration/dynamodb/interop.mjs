// The other side of the interop test: the AWS SDK for JavaScript v3 reading and writing cache
// items in the documented layout. Prints one JSON object.
// Usage: node interop.mjs <tools dir> <endpoint> <table> <namespace> read <key>
//        node interop.mjs <tools dir> <endpoint> <table> <namespace> write <key> <base64 value> <ttl seconds|none>
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import path from "node:path";

const [toolsDir, endpoint, table, ns, mode, key, value, ttl] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const { DynamoDBClient, GetItemCommand, PutItemCommand } = require("@aws-sdk/client-dynamodb");

const client = new DynamoDBClient({
  endpoint, region: "us-east-1", credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
});

// The layout's key rule: namespaced keys over 1024 bytes are stored as <ns>:hash:<sha256 hex>.
function cacheKey(k) {
  const plain = `${ns}:${k}`;
  if (Buffer.byteLength(plain, "utf8") <= 1024) return plain;
  return `${ns}:hash:${createHash("sha256").update(k, "utf8").digest("hex")}`;
}

if (mode === "read") {
  const { Item } = await client.send(new GetItemCommand({
    TableName: table, Key: { cache_key: { S: cacheKey(key) } }, ConsistentRead: true,
  }));
  process.stdout.write(JSON.stringify(Item ? {
    cache_key: Item.cache_key.S,
    value: Buffer.from(Item.value.B).toString("base64"),
    ttl: Item.ttl ? Number(Item.ttl.N) : null,
  } : {}));
} else {
  const item = { cache_key: { S: cacheKey(key) }, value: { B: Buffer.from(value, "base64") } };
  if (ttl !== "none") item.ttl = { N: ttl };
  await client.send(new PutItemCommand({ TableName: table, Item: item }));
  process.stdout.write(JSON.stringify({ cache_key: item.cache_key.S }));
}
