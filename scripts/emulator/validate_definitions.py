"""Checks the state machine definitions against what a real account accepts.

For every `arn:aws:states:::aws-sdk:<service>:<action>` task (Map iterators
included): the service and the action exist in botocore's service models (the
AWS models the emulator's Python dependencies ship), and every parameter name
is a member of the operation's input shape, in Step Functions' PascalCase,
nested structures and lists of structures included. And every definition
parses with moto's ASL parser (the interpreter the emulator runs).

Usage: validate_definitions.py FILE.asl.json...   (exit 1 and one line per
problem when something is wrong). `--self-test` proves a typo is caught.
"""

import json
import os
import sys

import botocore.session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from emulator.sfn_sdk import SFN_TO_BOTO  # noqa: E402

SDK = "arn:aws:states:::aws-sdk:"
_SESSION = botocore.session.get_session()


def _states(definition: dict):
    """Every state, Map iterators (Iterator / ItemProcessor) and Parallel branches included."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _states(state[key])
        for branch in state.get("Branches", []):
            yield from _states(branch)


def _check_members(params, shape, where: str, problems: list) -> None:
    """Each key of `params` names a member of the structure `shape`."""
    if shape is None or shape.type_name != "structure" or not isinstance(params, dict):
        return
    members = {m[0].upper() + m[1:]: s for m, s in shape.members.items()}
    for key, value in params.items():
        name = key[:-2] if key.endswith(".$") else key
        if name not in members:
            problems.append(f"{where}: {name} is not a parameter of {shape.name} (has {', '.join(sorted(members))})")
            continue
        if key.endswith(".$"):
            continue  # a path: its value is known only at run time
        member = members[name]
        if member.type_name == "structure":
            _check_members(value, member, f"{where}.{name}", problems)
        elif member.type_name == "list" and isinstance(value, list):
            for item in value:
                _check_members(item, member.member, f"{where}.{name}[]", problems)


def check(path: str) -> list:
    problems = []
    with open(path) as f:
        text = f.read()
    definition = json.loads(text)
    try:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        AmazonStateLanguageParser.parse(text)
    except Exception as err:  # the parser's own message says where
        problems.append(f"{path}: does not parse: {err}")
    for name, state in _states(definition):
        resource = state.get("Resource", "")
        if not resource.startswith(SDK):
            continue
        where = f"{os.path.basename(path)}: {name}"
        service, _, action = resource[len(SDK):].partition(":")
        try:
            model = _SESSION.get_service_model(SFN_TO_BOTO.get(service, service))
        except Exception:
            problems.append(f"{where}: no service {service}")
            continue
        operation = action[:1].upper() + action[1:]
        if operation not in model.operation_names:
            problems.append(f"{where}: {service} has no action {action}")
            continue
        _check_members(state.get("Parameters", {}), model.operation_model(operation).input_shape, where, problems)
    return problems


def self_test() -> None:
    """A misspelt parameter and a wrong action must be reported."""
    import tempfile

    bad = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": SDK + "imagebuilder:getImage",
              "Parameters": {"ImageBuildVersionARN": "x"}, "Next": "B"},
        "B": {"Type": "Task", "Resource": SDK + "ec2:describeImagez", "End": True}}}
    with tempfile.NamedTemporaryFile("w", suffix=".asl.json", delete=False) as f:
        json.dump(bad, f)
    problems = check(f.name)
    os.unlink(f.name)
    assert any("ImageBuildVersionARN" in p for p in problems), problems
    assert any("describeImagez" in p for p in problems), problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        print("self-test: typos are caught")
        sys.exit(0)
    found = [p for path in sys.argv[1:] for p in check(path)]
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print(f"{len(sys.argv) - 1} definitions: every aws-sdk task matches botocore's models")
