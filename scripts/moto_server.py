"""moto's server with its DynamoDB item operations serialized.

moto applies UpdateItem as an unlocked read-modify-write, and its server runs
requests on several threads, so two concurrent `ADD`s can lose one. Real
DynamoDB applies each item write atomically. One lock around every item
operation gives the tests DynamoDB's guarantee instead of moto's race.
"""

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

ITEM_OPERATIONS = (
    "get_item", "put_item", "update_item", "delete_item", "query", "scan",
    "batch_get_item", "batch_write_item", "transact_get_items", "transact_write_items",
    "execute_statement", "batch_execute_statement", "execute_transaction",
)

_lock = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)
    return wrapper


for name in ITEM_OPERATIONS:
    setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))

if __name__ == "__main__":
    main(sys.argv[1:])
