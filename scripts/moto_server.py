"""Starts moto's server (same arguments as `python -m moto.server`) with one
fix for moto 5.1.22's Step Functions: StartExecution deep-copies the state
machine, and through its backend every earlier execution, whose worker holds
locks that cannot be copied ("cannot pickle '_thread.RLock'"), so every
StartExecution after the first execution that used a service integration
failed with HTTP 500. An execution is never meant to be cloned: copying
returns the execution itself.

And DynamoDB's writes are atomic per item (a conditional write or an ADD is
one step), while moto's threaded server reads, checks and writes in separate
steps: under load two concurrent `ADD last_major :one` calls returned the same
number. Writes are serialised here, as the real service's per-item atomicity
promises.

Then the emulator extension in `scripts/emulator/` (what moto lacks for the
workflows: Image Builder, ExportImage, CreateStoreImageTask, EventBridge to
SNS, Run Command notifications, failure injection) is installed."""

import functools
import sys
import threading

from moto.stepfunctions.parser.backend.execution import Execution

Execution.__deepcopy__ = lambda self, memo: self  # type: ignore[method-assign]

from moto.dynamodb.models import DynamoDBBackend  # noqa: E402

_WRITES = threading.RLock()


def _atomic(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _WRITES:
            return method(*args, **kwargs)

    return wrapper


# The lock covers the whole request, not only the backend call: moto's
# response handler reads back the values it returns after the write.
from moto.dynamodb.responses import DynamoHandler  # noqa: E402

for _name in ("update_item", "put_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))
    setattr(DynamoHandler, _name, _atomic(getattr(DynamoHandler, _name)))

import os  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator  # noqa: E402

emulator.install()

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
