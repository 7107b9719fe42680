"""DynamoDB Local's own ceiling: wrk posting the clients' GetItem or PutItem body straight at it."""
import pathlib
import sys

import common

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "common"))
import wrk  # noqa: E402

OPERATIONS = {"get": "GetItem", "put": "PutItem"}


def ceiling(endpoint, op, connections, seconds):
    return wrk.run(endpoint + "/", connections, seconds, HERE / "request.lua",
                   (OPERATIONS[op], common.TABLE, common.CACHE_KEY))
