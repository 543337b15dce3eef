"""Checks the state machine definitions against what a real account accepts.

For every `arn:aws:states:::aws-sdk:<service>:<action>` task (Map iterators
included): the service and the action exist in botocore's service models (the
AWS models the emulator's Python dependencies ship), and every parameter name
is a member of the operation's input shape, in Step Functions' PascalCase,
nested structures and lists of structures included. And every definition
parses with moto's ASL parser (the interpreter the emulator runs).

And every error name in a `Retry` or `Catch` `ErrorEquals` is one Step
Functions can raise for that state (a name it never raises never matches:
the retry or catch silently does nothing on AWS):
- `States.*`: the names of the error-handling page
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html),
  each on the state types that raise it. `States.Runtime` is refused: runtime
  errors "can't be caught" (`States.ALL` does not match them either).
  `States.ALL` must be alone in its `ErrorEquals` and in the last retrier or
  catcher (https://states-language.net/spec.html#error-names).
- aws-sdk tasks: `<Prefix>.<Shape>Exception` for a shape among the
  operation's modeled errors, or the service's base exception
  `<Prefix>.<Prefix>Exception` (every error the operation does not model;
  for EC2, which models none, every error is `Ec2.Ec2Exception`). The names
  come from `sfn_sdk.sdk_error_name`, the emulator's own rule; its docstring
  gives the sources.
- optimized integrations (`arn:aws:states:::dynamodb:*`, `:::sns:publish`):
  `DynamoDB.<Shape>Exception` / `SNS.<Shape>Exception` for the service's
  modeled errors (the AWS SDK for Java 1.x maps them client-wide), and `DynamoDB.AmazonDynamoDBException` /
  `SNS.AmazonSNSException` for the rest (see `OPTIMIZED`).

And no intrinsic function (`States.Format(...)`, `States.ArrayLength(...)`, ...)
takes a JSONPath filter (`[?(...)]`) as an argument: in an intrinsic's
arguments `'` opens a string literal and `'`, `{`, `}` and `\\` are reserved
(https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html,
"Reserved characters in intrinsic functions"), so `'CRITICAL'` inside a path
argument is not read as a path. Filters belong in a plain `.$` field of
`Parameters`/`ResultSelector`, where the whole JsonPath syntax is accepted
(https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html);
a following state applies the intrinsic to the result.

Usage: validate_definitions.py FILE.asl.json...   (exit 1 and one line per
problem when something is wrong). `--self-test` proves a typo, a wrong action
and wrong error names are caught.
"""

import json
import os
import sys

import botocore.session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from emulator.sfn_sdk import SFN_TO_BOTO, sdk_prefix  # noqa: E402

SDK = "arn:aws:states:::aws-sdk:"
_SESSION = botocore.session.get_session()

# --- error names Step Functions raises ---------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
# name -> the state types that can raise it ("*" every state with Retry/Catch).
STATES_ERRORS = {
    "States.ALL": "*",                      # wildcard; alone and last
    "States.TaskFailed": "*",               # wildcard for any failure but Timeout
    "States.Timeout": "Task Parallel Map",  # TimeoutSeconds / HeartbeatSeconds
    "States.HeartbeatTimeout": "Task",
    "States.Permissions": "Task",
    "States.ResultPathMatchFailure": "*",
    "States.ParameterPathFailure": "*",
    "States.IntrinsicFailure": "*",
    "States.QueryEvaluationError": "*",     # JSONata
    "States.DataLimitExceeded": "*",        # terminal; not matched by States.ALL
    "States.BranchFailed": "Parallel",
    "States.NoChoiceMatched": "Choice",     # Choice states have no Catch: never caught
    "States.ExceedToleratedFailureThreshold": "Map",
    "States.ItemReaderFailed": "Map",
    "States.ResultWriterFailed": "Map",
}
# Runtime errors "can't be caught" (the same page): naming them is a mistake.
UNCATCHABLE = {"States.Runtime"}

# Optimized integrations: the AWS SDK for Java 1.x names, any error the
# service models (v1 clients register every modeled exception, not per
# operation; `States.TaskFailed` is the safe catch-all) (prefix as Step
# Functions documents it: "For optimized integrations, the exception prefix
# will be DynamoDB (uppercase DB)", https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html),
# an unmodeled error is the client's base exception.
#   resource prefix                     botocore   error prefix  base exception
OPTIMIZED = {
    "arn:aws:states:::dynamodb:": ("dynamodb", "DynamoDB", "DynamoDB.AmazonDynamoDBException"),
    "arn:aws:states:::sns:": ("sns", "SNS", "SNS.AmazonSNSException"),
}


def _exception(name: str) -> str:
    return name if name.endswith("Exception") else name + "Exception"


def raisable(resource: str) -> "set | None":
    """The service error names a Task with this resource can raise (States.*
    apart), or None when the validator has no table for it."""
    if resource.startswith(SDK):
        service, _, action = resource[len(SDK):].partition(":")
        boto = SFN_TO_BOTO.get(service, service)
        model = _SESSION.get_service_model(boto)
        operation = model.operation_model(action[:1].upper() + action[1:].split(".")[0])
        prefix = sdk_prefix(boto)
        return {f"{prefix}.{_exception(e.name)}" for e in operation.error_shapes} | {f"{prefix}.{prefix}Exception"}
    for start, (boto, prefix, base) in OPTIMIZED.items():
        if resource.startswith(start):
            action = resource[len(start):].split(".")[0]
            model = _SESSION.get_service_model(boto)
            model.operation_model(action[:1].upper() + action[1:])  # the action exists
            # Java 1.x registers every modeled exception client-wide, not per
            # operation (SNS's Publish is throttled as `Throttled`, modeled
            # only on the SMS calls: still SNS.ThrottledException).
            return {f"{prefix}.{_exception(e.name)}" for e in model.error_shapes} | {base}
    return None


def _check_errors(state: dict, where: str, problems: list) -> None:
    """Every ErrorEquals name is one Step Functions raises for this state."""
    kind = state.get("Type", "")
    service_names = raisable(state.get("Resource", "")) if kind == "Task" else set()
    for field in ("Retry", "Catch"):
        handlers = state.get(field) or []
        for i, handler in enumerate(handlers):
            names = handler.get("ErrorEquals", [])
            at = f"{where}.{field}[{i}]"
            for name in names:
                if name in UNCATCHABLE:
                    problems.append(f"{at}: {name} can never be retried or caught (concepts-error-handling)")
                elif name.startswith("States."):
                    if name not in STATES_ERRORS:
                        problems.append(f"{at}: {name} is not a Step Functions error name")
                    elif STATES_ERRORS[name] != "*" and kind not in STATES_ERRORS[name].split():
                        problems.append(f"{at}: a {kind} state never raises {name}")
                    elif name == "States.ALL" and (len(names) > 1 or i != len(handlers) - 1):
                        problems.append(f"{at}: States.ALL must be alone and in the last {field} entry")
                elif service_names is None:
                    continue  # an integration this validator has no table for
                elif name not in service_names:
                    problems.append(f"{at}: {state.get('Resource', kind)} never raises {name} "
                                    f"(it raises {', '.join(sorted(service_names))})")


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


INTRINSIC_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Arguments", "Output")


def _check_intrinsics(value, where: str, problems: list) -> None:
    """No `.$` field holding an intrinsic call has a JSONPath filter among its arguments."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if (key.endswith(".$") and isinstance(inner, str) and inner.lstrip().startswith("States.")
                    and "[?(" in inner):
                problems.append(f"{where}.{key}: a JSONPath filter inside an intrinsic function's arguments "
                                "(its quotes and parentheses are intrinsic syntax): select with the filter in a "
                                "plain .$ field, then apply the intrinsic in the next state")
            else:
                _check_intrinsics(inner, f"{where}.{key}", problems)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _check_intrinsics(inner, f"{where}[{i}]", problems)


def check(path: str, parse: bool = True) -> list:
    problems = []
    with open(path) as f:
        text = f.read()
    definition = json.loads(text)
    if parse:
        try:
            from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

            AmazonStateLanguageParser.parse(text)
        except Exception as err:  # the parser's own message says where
            problems.append(f"{path}: does not parse: {err}")
    for name, state in _states(definition):
        resource = state.get("Resource", "")
        where = f"{os.path.basename(path)}: {name}"
        for field in INTRINSIC_FIELDS:
            if field in state:
                _check_intrinsics(state[field], f"{where}: {field}", problems)
        try:
            _check_errors(state, where, problems)
        except Exception as err:  # an unknown service or action: reported below
            if not resource.startswith(SDK):
                problems.append(f"{where}: {resource}: {err}")
        if not resource.startswith(SDK):
            continue
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


def _check_definition(definition: dict, parse: bool = False) -> list:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".asl.json", delete=False) as f:
        json.dump(definition, f)
    try:
        return check(f.name, parse)
    finally:
        os.unlink(f.name)


def self_test() -> None:
    """A misspelt parameter, a wrong action and wrong error names must be
    reported; the right names must not."""
    bad = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": SDK + "imagebuilder:getImage",
              "Parameters": {"ImageBuildVersionARN": "x"}, "Next": "B"},
        "B": {"Type": "Task", "Resource": SDK + "ec2:describeImagez", "End": True}}}
    problems = _check_definition(bad, parse=True)
    assert any("ImageBuildVersionARN" in p for p in problems), problems
    assert any("describeImagez" in p for p in problems), problems

    def task(resource: str, *retry_names: str) -> dict:
        return {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": resource, "End": True,
            "Retry": [{"ErrorEquals": list(retry_names)}]}}}

    wrong = [
        (SDK + "ec2:describeInstances", "Ec2.RequestLimitExceeded"),  # EC2 errors are all Ec2.Ec2Exception
        (SDK + "ec2:describeInstances", "States.Runtime"),            # never caught
        (SDK + "imagebuilder:getImage", "ImageBuilder.CallRateLimitExceededException"),  # prefix is Imagebuilder
        (SDK + "ssm:sendCommand", "Ssm.InvalidInstanceId"),           # the suffix is always added
        ("arn:aws:states:::dynamodb:updateItem", "DynamoDb.ConditionalCheckFailedException"),  # optimized: DynamoDB
        ("arn:aws:states:::sns:publish", "States.BranchFailed"),     # only Parallel raises it
        (SDK + "imagebuilder:getLifecycleExecution", "Imagebuilder.ResourceNotFoundException"),  # not modeled
        (SDK + "ec2:deregisterImage", "Ec2.OperationNotPermittedException"),  # EC2 models no errors
    ]
    for resource, name in wrong:
        problems = _check_definition(task(resource, name))
        assert any(name in p for p in problems), (name, problems)
    right = [
        (SDK + "ec2:describeInstances", "Ec2.Ec2Exception"),
        (SDK + "imagebuilder:getImage", "Imagebuilder.CallRateLimitExceededException"),
        (SDK + "imagebuilder:getImage", "Imagebuilder.ServiceUnavailableException"),
        (SDK + "ssm:sendCommand", "Ssm.InvalidInstanceIdException"),
        (SDK + "ssm:sendCommand", "Ssm.SsmException"),
        ("arn:aws:states:::dynamodb:updateItem", "DynamoDB.ConditionalCheckFailedException"),
        ("arn:aws:states:::dynamodb:updateItem", "DynamoDB.AmazonDynamoDBException"),
        ("arn:aws:states:::sns:publish", "SNS.AmazonSNSException"),
        ("arn:aws:states:::sns:publish", "States.TaskFailed"),
        (SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.ResourceInUseException"),
        (SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.IdempotentParameterMismatchException"),
        (SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.InvalidRequestException"),
        (SDK + "imagebuilder:getLifecycleExecution", "Imagebuilder.ImagebuilderException"),
        (SDK + "imagebuilder:listLifecycleExecutionResources", "Imagebuilder.InvalidPaginationTokenException"),
        (SDK + "ec2:describeImageReferences", "Ec2.Ec2Exception"),
        (SDK + "ec2:deregisterImage", "Ec2.Ec2Exception"),
    ]
    for resource, name in right:
        problems = _check_definition(task(resource, name))
        assert not problems, (name, problems)
    # The retirement calls and their parameters are in botocore's models.
    retire = {"StartAt": "R", "States": {
        "R": {"Type": "Task", "Resource": SDK + "ec2:describeImageReferences", "Next": "U",
              "Parameters": {"ImageIds.$": "$.amis", "IncludeAllResourceTypes": True, "MaxResults": 100,
                             "ResourceTypes": [{"ResourceType": "ec2:LaunchTemplate", "ResourceTypeOptions": [
                                 {"OptionName": "version-depth", "OptionValues": ["10"]}]}]}},
        "U": {"Type": "Task", "Resource": SDK + "imagebuilder:startResourceStateUpdate", "Next": "D",
              "Parameters": {"ResourceArn.$": "$.arn", "State": {"Status": "DELETED"}, "ExecutionRole.$": "$.role",
                             "IncludeResources": {"Amis": True, "Snapshots": True}, "ClientToken.$": "$.token",
                             "ExclusionRules": {"Amis": {"Regions": ["eu-west-1"]}}}},
        "D": {"Type": "Task", "Resource": SDK + "ec2:deregisterImage", "End": True,
              "Parameters": {"ImageId.$": "$.ami", "DeleteAssociatedSnapshots": True}}}}
    problems = _check_definition(retire, parse=True)
    assert not problems, problems
    retire["States"]["D"]["Parameters"]["DeleteSnapshots"] = True
    assert any("DeleteSnapshots" in p for p in _check_definition(retire)), "a wrong parameter is caught"
    problems = _check_definition(task(SDK + "ec2:describeInstances", "States.ALL", "Ec2.Ec2Exception"))
    assert any("must be alone" in p for p in problems), problems
    filtered = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Parameters": {
        "n.$": "States.ArrayLength($.items[?(@.State == 'Completed')])"}}}}
    assert any("JSONPath filter inside an intrinsic" in p for p in _check_definition(filtered)), filtered


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        print("self-test: typos, wrong error names and filters inside intrinsics are caught")
        sys.exit(0)
    found = [p for path in sys.argv[1:] for p in check(path)]
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print(f"{len(sys.argv) - 1} definitions: every aws-sdk task matches botocore's models, "
          "every Retry/Catch error name is one Step Functions raises")
