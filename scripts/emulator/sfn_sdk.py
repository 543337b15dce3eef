"""Step Functions aws-sdk integrations with AWS's casing; definite JSONPaths.

On AWS, `arn:aws:states:::aws-sdk:<service>:<action>` takes its parameters in
PascalCase (`ImagePipelineArn`, even where the service's own API says
`imagePipelineArn`) and answers in PascalCase (`Image.State.Status`). moto's
copy of the interpreter has the conversion helpers (`_to_boto_request`,
`_from_boto_response`) but never calls them for aws-sdk tasks, so a
PascalCase parameter of a camelCase service was silently dropped. Here they
are called with the operation's botocore model, so one definition runs on
AWS and on the emulator.
"""

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


_INDEFINITE = re.compile(r"\[\*\]|\[[^\]]*:[^\]]*\]|\.\.|\[\?")


def _extract_json(path: str, data):
    """As on AWS, a definite path (no wildcard, slice, filter or `..`) gives
    its value: moto gave `$.Instances[0].InstanceId` as a one-item list."""
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
