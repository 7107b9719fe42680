// Signs requests with the AWS SDK for JavaScript's SigV4 signer, for comparison with ours.
// Usage: node sign_with_js.mjs <tools dir> < requests.json > authorizations.json
// Each request: {method, hostname, path, headers, body, region, credentials, date (epoch ms)}.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(path.resolve(process.argv[2]), "package.json"));
const { SignatureV4 } = require("@smithy/signature-v4");
const { Sha256 } = require("@aws-crypto/sha256-js");

let input = "";
for await (const chunk of process.stdin) input += chunk;

const out = [];
for (const r of JSON.parse(input)) {
  // applyChecksum false: DynamoDB's signing sends no x-amz-content-sha256 header (as botocore).
  const signer = new SignatureV4({
    service: "dynamodb", region: r.region, credentials: r.credentials, sha256: Sha256, applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: r.method, protocol: "https:", hostname: r.hostname, path: r.path, query: {}, headers: r.headers,
      body: r.body },
    { signingDate: new Date(r.date) });
  out.push(signed.headers["authorization"]);
}
process.stdout.write(JSON.stringify(out));
