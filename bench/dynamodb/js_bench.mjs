// GetItem or PutItem through the AWS SDK for JavaScript v3 for a while, sequentially or with N
// requests in flight (N async loops on one client); prints one JSON line with ops/s and the
// process CPU time per operation.
//
//   node js_bench.mjs ENDPOINT get|put IN_FLIGHT WARM_UP_SECONDS SECONDS
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// The SDK is installed with the other tools, not next to this script.
const require = createRequire(new URL("../../tools/package.json", import.meta.url));
const { DynamoDBClient, GetItemCommand, PutItemCommand } = require("@aws-sdk/client-dynamodb");

const workload = JSON.parse(readFileSync(new URL("workload.json", import.meta.url)));
const [endpoint, op, inFlightArg, warmUpArg, secondsArg] = process.argv.slice(2);
const inFlight = Number(inFlightArg);
const warmUp = Number(warmUpArg);
const seconds = Number(secondsArg);

// Fixed dummy credentials: DynamoDB Local checks no signature; -sharedDb ignores the key.
const ddb = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
  maxAttempts: 1,
});
const key = { cache_key: { S: `${workload.namespace}:${workload.key}` } };
const command =
  op === "get"
    ? () => new GetItemCommand({ TableName: workload.table, Key: key })
    : () =>
        new PutItemCommand({
          TableName: workload.table,
          Item: { ...key, value: { B: Buffer.alloc(workload.value_bytes, "v") } },
        });

let measuring = false;
let stop = false;
let ops = 0;

async function worker() {
  while (!stop) {
    await ddb.send(command());
    if (measuring) ops++;
  }
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

const workers = Array.from({ length: inFlight }, worker);
await sleep(warmUp); // connections and the JIT
measuring = true;
const wall0 = performance.now();
const cpu0 = cpuSeconds();
await sleep(seconds);
measuring = false;
const wall = (performance.now() - wall0) / 1000;
const cpu = cpuSeconds() - cpu0;
const measured = ops;
stop = true;
await Promise.all(workers);
ddb.destroy();
console.log(
  JSON.stringify({
    client: "js-sdk-v3",
    op,
    in_flight: inFlight,
    ops: measured,
    seconds: wall,
    ops_per_s: measured / wall,
    cpu_us_per_op: (cpu * 1e6) / measured,
  }),
);
