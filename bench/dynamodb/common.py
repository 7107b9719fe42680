"""What the DynamoDB benchmarks share: the workload (workload.json) and a boto3 client."""
import json
import pathlib

import boto3
from botocore.config import Config

WORKLOAD = json.loads((pathlib.Path(__file__).parent / "workload.json").read_text())
TABLE = WORKLOAD["table"]
# fast_cache's layout: partition key `cache_key` = "<namespace>:<key>", blob attribute `value`.
CACHE_KEY = f"{WORKLOAD['namespace']}:{WORKLOAD['key']}"
VALUE = b"v" * WORKLOAD["value_bytes"]


def client(endpoint, max_connections=16):
    # Fixed dummy credentials: DynamoDB Local checks no signature; -sharedDb ignores the key.
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="fake",
        aws_secret_access_key="fake",
        config=Config(max_pool_connections=max_connections, retries={"max_attempts": 1}),
    )
