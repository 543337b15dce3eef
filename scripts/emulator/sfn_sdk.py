"""Step Functions aws-sdk integrations with AWS's casing; definite JSONPaths.

On AWS, `arn:aws:states:::aws-sdk:<service>:<action>` takes its parameters in
PascalCase (`ImagePipelineArn`, even where the service's own API says
`imagePipelineArn`) and answers in PascalCase (`Image.State.Status`). moto's
copy of the interpreter has the conversion helpers (`_to_boto_request`,
`_from_boto_response`) but never calls them for aws-sdk tasks, so a
PascalCase parameter of a camelCase service was silently dropped. Here they
are called with the operation's botocore model, so one definition runs on
AWS and on the emulator.

Error names. On AWS an aws-sdk task's error is `<ServiceName>.<ErrorName>`,
"both in PascalCase", and Step Functions always adds the `Exception` suffix
("Always add the Exception suffix ... even when the suffix is not part of the
error name the service provides"; S3's `BucketAlreadyExists` is
`S3.BucketAlreadyExistsException`):
https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
The names are the AWS SDK for Java 2.x's: the service prefix is its client
name, derived from the model's `serviceId` (`ACM PCA` -> `AcmPca`, the page's
example; `DynamoDB` -> `DynamoDb`; `EC2` -> `Ec2`; `SSM` -> `Ssm`;
`imagebuilder` -> `Imagebuilder`), and an error the service does not model
surfaces as the service's base exception, `<Prefix>.<Prefix>Exception`. The
Java SDK maps error codes to exception classes per operation (a generated
client's `exceptionMetadataMapper` lists only the operation's modeled errors;
the base class is what "Unknown exceptions will be thrown as an instance
of", aws/aws-sdk-java-v2 codegen), so "modeled" means: in the operation's
`errors` in the service model.
Evidence: EC2 models no errors at all (botocore's EC2 model has no error
shapes), and a real execution's RunInstances throttle failed with
`Ec2.Ec2Exception: Request limit exceeded ... (Service: Ec2, Status Code: 503,
...)` (https://github.com/CloudSnorkel/cdk-github-runners/issues/946); an SSM
AccessDeniedException (not modeled for GetParameter) is `Ssm.SsmException` in
recorded Step Functions outputs. moto named them `ec2.ec2Exception`,
`ssm.InvalidInstanceIdException` (lower-case service): `_from_error` below
gives AWS's names, and the cause as AWS formats it:
`<message> (Service: <Prefix>, Status Code: <n>, Request ID: <id>)`.
"""

import datetime
import re
import sys

import botocore.session
from jsonpath_ng.ext import parse

from moto.stepfunctions.parser.asl.utils import json_path

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)

# Step Functions service names that botocore spells differently.
SFN_TO_BOTO = {"eventbridge": "events"}

_original_extract = json_path.extract_json

# The AWS SDK for Java 2.x client names of the services amiboard's workflows
# call (what `sdk_prefix` derives from botocore's serviceId), for reading.
#   botocore name   serviceId        Step Functions error prefix
#   ec2             EC2              Ec2
#   ssm             SSM              Ssm
#   imagebuilder    imagebuilder     Imagebuilder
#   s3              S3               S3
#   events          EventBridge      EventBridge
#   dynamodb        DynamoDB         DynamoDb   (aws-sdk only; the optimized
#                                               integration says DynamoDB)
#   stepfunctions   SFN              Sfn
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_SESSION = botocore.session.get_session()
_MODELS: dict = {}


def _operation(task: StateTaskServiceAwsSdk):
    """The botocore operation model of the task's resource, or None."""
    service = task._get_boto_service_name()
    action = task.resource.api_action
    key = (service, action)
    if key not in _MODELS:
        try:
            model = _SESSION.get_service_model(service)
            _MODELS[key] = model.operation_model(action[0].upper() + action[1:])
        except Exception:  # an unknown service or action fails at call time
            _MODELS[key] = None
    return _MODELS[key]


def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
    operation = _operation(self)
    if operation is not None and operation.input_shape is not None:
        self._to_boto_request(parameters, operation.input_shape)


def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
    operation = _operation(self)
    if operation is not None and operation.output_shape is not None:
        self._from_boto_response(response, operation.output_shape)
    _timestamps_as_text(response)


def iso_timestamp(value: datetime.datetime) -> str:
    """A timestamp as an aws-sdk task's output holds it on AWS: ISO 8601 in
    UTC with milliseconds (`"CreationTime": "2013-08-23T01:02:15.422Z"` from
    describeStacks, https://github.com/sam-goodwin/functionless/issues/489).
    boto3 hands moto's interpreter `datetime` objects, which no intrinsic
    (`States.JsonToString`) and no JSON output can hold."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _timestamps_as_text(value):
    """Replaces every `datetime` in a response, in place, by its ISO text."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        if isinstance(item, datetime.datetime):
            value[key] = iso_timestamp(item)
        else:
            _timestamps_as_text(item)


def sdk_prefix(boto_service: str) -> str:
    """The Step Functions error prefix of a botocore service: the AWS SDK for
    Java 2.x client name, its serviceId's words each capitalised."""
    service_id = _SESSION.get_service_model(boto_service).metadata.get("serviceId", boto_service)
    words = [w for part in re.split(r"[^A-Za-z0-9]+", service_id) for w in _WORD.findall(part)]
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def _exception(name: str) -> str:
    return name if name.endswith("Exception") else name + "Exception"


_ERROR_SHAPES: dict = {}


def modeled_errors(boto_service: str, operation: str) -> dict:
    """Error code -> shape name of every error the operation models (the
    Java SDK maps error codes to exception classes per operation)."""
    key = (boto_service, operation)
    if key not in _ERROR_SHAPES:
        model = _SESSION.get_service_model(boto_service)
        shapes = model.operation_model(operation).error_shapes if operation in model.operation_names else []
        _ERROR_SHAPES[key] = {s.metadata.get("error", {}).get("code", s.name): s.name for s in shapes}
    return _ERROR_SHAPES[key]


def sdk_error_name(boto_service: str, operation: str, code: str) -> str:
    """The error Step Functions raises for an aws-sdk task whose call failed
    with `code`: `<Prefix>.<Shape>Exception` for an error the operation
    models, else the service's base exception `<Prefix>.<Prefix>Exception`."""
    prefix = sdk_prefix(boto_service)
    shapes = modeled_errors(boto_service, operation)
    shape = shapes.get(code) or (code if code in shapes.values() else None)
    return f"{prefix}.{_exception(shape)}" if shape else f"{prefix}.{prefix}Exception"


def _from_error(self, env, ex):
    from botocore.exceptions import ClientError

    if not isinstance(ex, ClientError):
        return _original_from_error(self, env, ex)
    boto_service = self._get_boto_service_name()
    prefix = sdk_prefix(boto_service)
    action = self.resource.api_action
    code = ex.response.get("Error", {}).get("Code", "")
    message = ex.response.get("Error", {}).get("Message", "")
    wrapped = re.search(r"<Code>([^<]+)</Code>\s*<Message>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</Message>", message, re.S)
    if wrapped:  # moto answered a JSON-protocol call with its XML error body
        code, message = wrapped.group(1), wrapped.group(2)
    error = sdk_error_name(boto_service, action[:1].upper() + action[1:], code)
    meta = ex.response.get("ResponseMetadata", {})
    details = [f"Service: {prefix}", f"Status Code: {meta.get('HTTPStatusCode')}", f"Request ID: {meta.get('RequestId')}"]
    if meta.get("HostId"):
        details.append(f"Extended Request ID: {meta['HostId']}")
    cause = f"{message} ({', '.join(details)})"
    return self._get_task_failure_event(env=env, error=error, cause=cause)


_original_from_error = StateTaskServiceAwsSdk._from_error

_INDEFINITE = re.compile(r"\[\*\]|\[[^\]]*:[^\]]*\]|\.\.|\[\?")


def _extract_json(path: str, data):
    """As on AWS (Jayway JsonPath), a definite path (no wildcard, slice,
    filter or `..`) gives its value: moto gave `$.Instances[0].InstanceId`
    as a one-item list. And an indefinite path always gives a list, empty
    when nothing matches: moto gave a filter's single match as the bare value
    and raised on a filter that matched nothing."""
    if _INDEFINITE.search(path):
        return [match.value for match in parse(path).find(data)]
    value = _original_extract(path, data)
    if isinstance(value, list) and len(value) == 1 and not _INDEFINITE.search(path):
        matches = parse(path).find(data)
        if len(matches) == 1:
            return matches[0].value
    return value


def install() -> None:
    # Every module that imported extract_json by name gets the fixed one.
    for module in list(sys.modules.values()):
        if getattr(module, "extract_json", None) is _original_extract:
            module.extract_json = _extract_json
    json_path.extract_json = _extract_json
    # Step Functions names some services differently from botocore.
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(SFN_TO_BOTO)
    StateTaskServiceAwsSdk._normalise_parameters = _normalise_parameters
    StateTaskServiceAwsSdk._normalise_response = _normalise_response
    StateTaskServiceAwsSdk._from_error = _from_error
