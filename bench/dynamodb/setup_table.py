#!/usr/bin/env python3
"""Creates the benchmark table (if absent) and the item every GetItem benchmark reads.

    setup_table.py ENDPOINT
"""
import sys

import common


def create(endpoint):
    ddb = common.client(endpoint)
    if common.TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=common.TABLE,
            KeySchema=[{"AttributeName": "cache_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "cache_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.get_waiter("table_exists").wait(TableName=common.TABLE, WaiterConfig={"Delay": 0.2})
    ddb.put_item(TableName=common.TABLE, Item={"cache_key": {"S": common.CACHE_KEY}, "value": {"B": common.VALUE}})


if __name__ == "__main__":
    create(sys.argv[1])
