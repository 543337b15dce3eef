"""Starts moto's server (same arguments as `python -m moto.server`) with one
fix for moto 5.1.22's Step Functions: StartExecution deep-copies the state
machine, and through its backend every earlier execution, whose worker holds
locks that cannot be copied ("cannot pickle '_thread.RLock'"), so every
StartExecution after the first execution that used a service integration
failed with HTTP 500. An execution is never meant to be cloned: copying
returns the execution itself."""

import sys

from moto.stepfunctions.parser.backend.execution import Execution

Execution.__deepcopy__ = lambda self, memo: self  # type: ignore[method-assign]

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
