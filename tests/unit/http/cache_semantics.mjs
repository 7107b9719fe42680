// Answers, for request/response pairs, what http-cache-semantics decides as a shared cache: whether
// it stores the response, and whether it answers the same request again from it without
// revalidating. Usage: node cache_semantics.mjs <tools dir> < exchanges.json > decisions.json
// Each exchange: {method, url, request_headers, status, response_headers}, header names lower case.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(path.resolve(process.argv[2]), "package.json"));
const CachePolicy = require("http-cache-semantics");

let input = "";
for await (const chunk of process.stdin) input += chunk;

const out = JSON.parse(input).map((e) => {
  const req = { method: e.method, url: e.url, headers: e.request_headers };
  const policy = new CachePolicy(req, { status: e.status, headers: e.response_headers }, { shared: true });
  const storable = policy.storable();
  return { storable, servable: storable && policy.satisfiesWithoutRevalidation(req) };
});
process.stdout.write(JSON.stringify(out));
