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
SNS, Run Command notifications, failure injection) is installed.

Run as a program, the server also ends once the process that started it is
gone (`_exit_with_parent`)."""

import os
import sys

# The process that started this server (a test harness's watcher shell, a
# script's shell), read before the slow imports: see _exit_with_parent.
_PARENT = os.getppid()

import functools  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator  # noqa: E402

emulator.install()

from moto.server import main  # noqa: E402


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Ends this server once the process that started it is gone. Its
    starters stop it on their way out (a watcher shell's `kill`, a script's
    EXIT trap), but a starter killed outright left the server running for
    good, reparented, with its port and threads."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


if __name__ == "__main__":
    _exit_with_parent(_PARENT)
    main(sys.argv[1:])
