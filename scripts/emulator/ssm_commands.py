"""Systems Manager managed nodes and Run Command as AWS runs them (moto runs
every command at once on any instance id, always "Success", sends no
notification, and has no DescribeInstanceInformation).

Managed nodes (`managed_node`): an EC2 instance is a managed node only when
- it is `running`;
- it was launched with an IamInstanceProfile that still exists in IAM, with
  a role that has the AWS managed policy `AmazonSSMManagedInstanceCore`
  attached (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html;
  the policy is made attachable in moto's IAM, and CloudFormation roles get
  their `ManagedPolicyArns`, see `_patch_iam`);
- it has been running for the SSM Agent's registration delay: env
  `AMIBOARD_EMULATOR_SSM_REGISTRATION_SECONDS` (default 1.0), or the tag
  `emulator:ssm-registration-seconds` on the Image Builder pipeline (or
  recipe) its AMI came from;
- its subnet (when launched into one) exists.

Run Command (SendCommand https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html):
- `TimeoutSeconds` outside 30..2592000: `ValidationException`.
- AWS-RunShellScript / AWS-RunPowerShellScript: parameters `commands`
  (required), `workingDirectory`, `executionTimeout` (a string of seconds,
  1..172800, the documents' allowedPattern); anything else: `InvalidParameters`.
- An instance id that is not a managed node: `InvalidInstanceId` "Instances
  [[i-…]] not in a valid state for account 123456789012".
- AWS-RunShellScript (platform types Linux, MacOS) to a Windows node:
  `UnsupportedPlatformType`. AWS-RunPowerShellScript's platform types include
  Linux, so AWS accepts it for a Linux node; the emulator's Linux AMIs (Amazon
  Linux 2023) have no PowerShell, so that invocation ends Failed.
- Targets reach only managed nodes.
- Failure injection: an invocation on an instance launched from an AMI of a
  pipeline tagged `emulator:fail-smoke-tests = N` fails for the first N
  commands; with `emulator:hang-smoke-tests = N` it stays InProgress for the
  first N commands (that fail-smoke-tests does not fail) until its
  `executionTimeout` (default 3600 s) passes, then ends Status `TimedOut`,
  StatusDetails `ExecutionTimedOut`.
- A command with a NotificationConfig publishes Run Command's notification
  (one per instance, docs/notifications.md) on its topic, for the statuses
  its `NotificationEvents` name (`All` for every one); a hung invocation
  publishes again when it times out.

GetCommandInvocation: an instance the command was not sent to:
`InvocationDoesNotExist`; a command id unknown in the region: moto's
`InvalidCommandId`; a CommandId not 36 characters long: `ValidationException`.

DescribeInstanceInformation: managed nodes only (a not-yet-registered or
terminated instance is absent), with `Filters` (InstanceIds, PingStatus,
PlatformTypes, ResourceType, AgentVersion, IamRole, tag:<key>, tag-key),
`InstanceInformationFilterList`, `MaxResults` (5..50, default 10) and
`NextToken`.

Faults: `emulator:throttle-polls = N` makes the first N DescribeInstanceInformation
and GetCommandInvocation calls about an instance of the pipeline's AMIs answer
`ThrottlingException` (HTTP 400, "Rate exceeded"), `emulator:server-error-polls
= N` `InternalServerError` (HTTP 500); counted per (pipeline, operation).
"""

import json
import os
import re
import threading
from datetime import datetime, timezone
from typing import Optional

from moto.core.exceptions import JsonRESTError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.sns.models import sns_backends
from moto.ssm.models import SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse

from . import ec2_strict, imagebuilder

ACCOUNT = DEFAULT_ACCOUNT_ID
REGISTRATION_ENV = "AMIBOARD_EMULATOR_SSM_REGISTRATION_SECONDS"
REGISTRATION_TAG = "emulator:ssm-registration-seconds"
SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
AGENT_VERSION = "3.3.1142.0"

# AWS's Run Command documents the workflows use: platform types and the
# parameters they define (AWS-RunShellScript / AWS-RunPowerShellScript).
_EXECUTION_TIMEOUT = re.compile(r"^(([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800))$")
DOCUMENTS = {
    "AWS-RunShellScript": {"platforms": {"Linux", "MacOS"}, "plugin": "aws:runShellScript"},
    "AWS-RunPowerShellScript": {"platforms": {"Windows", "Linux", "MacOS"}, "plugin": "aws:runPowerShellScript"},
}
_DOCUMENT_PARAMETERS = {"commands", "workingDirectory", "executionTimeout"}


class SsmError(JsonRESTError):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(code, message)
        self.code = status


# --- managed nodes -----------------------------------------------------------


def registration_seconds(ami_id: str) -> float:
    value = ec2_strict.pipeline_tag_for_ami(ami_id, REGISTRATION_TAG)
    try:
        return float(value if value is not None else os.environ.get(REGISTRATION_ENV, "1.0"))
    except ValueError:
        return 1.0


def _profile_role_names(region: str, instance) -> list:
    """The roles of the instance's profile that carry AmazonSSMManagedInstanceCore."""
    from moto.iam.models import iam_backends

    assoc = ec2_backends[ACCOUNT][region].iam_instance_profile_associations.get(instance.id)
    profile = getattr(assoc, "iam_instance_profile", None)
    if profile is None:
        return []
    iam = iam_backends[ACCOUNT]["aws"]
    if profile.name not in {p.name for p in iam.instance_profiles.values()}:
        return []  # the profile was deleted: the agent has no credentials
    names = []
    for role in profile.roles:
        current = iam.roles.get(role.id)
        if current is not None and SSM_CORE_POLICY in current.managed_policies:
            names.append(current.name)
    return names


def _running_seconds(instance) -> float:
    launched = instance.launch_time
    if isinstance(launched, str):
        launched = datetime.fromisoformat(launched.replace("Z", "+00:00"))
    if launched.tzinfo is None:
        launched = launched.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - launched).total_seconds()


def _instance(region: str, instance_id: str):
    backend = ec2_backends[ACCOUNT][region]
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if instance.id == instance_id:
                return instance
    return None


def managed_node(region: str, instance_id: str):
    """The instance when it is a managed node now, else None."""
    instance = _instance(region, instance_id)
    if instance is None or instance.state != "running":
        return None
    if not _profile_role_names(region, instance):
        return None
    if _running_seconds(instance) < registration_seconds(instance.image_id):
        return None
    if instance.subnet_id and not any(instance.subnet_id in zone
                                      for zone in ec2_backends[ACCOUNT][region].subnets.values()):
        return None
    return instance


def platform_type(region: str, instance) -> str:
    ami = ec2_backends[ACCOUNT][region].amis.get(instance.image_id)
    platform = (getattr(ami, "platform", None) or instance.platform or "").lower()
    return "Windows" if platform == "windows" else "Linux"


def _node_information(region: str, instance) -> dict:
    windows = platform_type(region, instance) == "Windows"
    roles = _profile_role_names(region, instance)
    return {
        "InstanceId": instance.id,
        "PingStatus": "Online",
        "LastPingDateTime": datetime.now(timezone.utc),
        "AgentVersion": AGENT_VERSION,
        "IsLatestVersion": True,
        "PlatformType": "Windows" if windows else "Linux",
        "PlatformName": "Microsoft Windows Server 2022 Datacenter" if windows else "Amazon Linux",
        "PlatformVersion": "10.0.20348" if windows else "2023",
        "IamRole": roles[0] if roles else "",
        "ResourceType": "EC2Instance",
        "IPAddress": instance.private_ip,
        "ComputerName": instance.private_dns_name,
        "SourceId": instance.id,
        "SourceType": "AWS::EC2::Instance",
    }


# --- faults ------------------------------------------------------------------


def _raise_poll_fault(region: str, instance_ids, operation: str) -> None:
    """SSM under load: `ThrottlingException` (HTTP 400, JSON; the code
    botocore's _retry.json retries as throttling) or the modeled
    `InternalServerError` (HTTP 500)."""
    kind = ec2_strict.poll_fault([ec2_strict.instance_ami(region, i) for i in instance_ids], operation)
    if kind == "throttle":
        raise SsmError("ThrottlingException", "Rate exceeded", 400)
    if kind == "server":
        raise SsmError("InternalServerError", "An error occurred on the server side.", 500)


# --- SendCommand -------------------------------------------------------------

_original_send = SimpleSystemManagerBackend.send_command


def _validate_send(document_name: str, timeout_seconds, parameters: dict) -> int:
    """The request's own checks; returns the executionTimeout in seconds."""
    if timeout_seconds is not None and not 30 <= int(timeout_seconds) <= 2592000:
        bound = ("greater than or equal to 30" if int(timeout_seconds) < 30
                 else "less than or equal to 2592000")
        raise SsmError("ValidationException",
                       f"1 validation error detected: Value '{timeout_seconds}' at 'timeoutSeconds' "
                       f"failed to satisfy constraint: Member must have value {bound}")
    parameters = parameters or {}
    execution_timeout = 3600
    if document_name in DOCUMENTS:
        unknown = sorted(set(parameters) - _DOCUMENT_PARAMETERS)
        if unknown:
            raise SsmError("InvalidParameters",
                           f"Parameter \"{unknown[0]}\" is not defined in the document {document_name}.")
        if not parameters.get("commands"):
            raise SsmError("InvalidParameters",
                           f"Parameter \"commands\" is required by the document {document_name}.")
        value = parameters.get("executionTimeout")
        if value is not None:
            value = value[0] if isinstance(value, list) and value else value
            if not isinstance(value, str) or not _EXECUTION_TIMEOUT.match(value):
                raise SsmError("InvalidParameters",
                               f"Parameter \"executionTimeout\" has value \"{value}\" not matching "
                               "the allowed pattern of the document (1 to 172800 seconds).")
            execution_timeout = int(value)
    return execution_timeout


def _notify(command, instance_id: str, status: str) -> None:
    config = command.notification_config or {}
    topic = config.get("NotificationArn")
    if not topic or not topic.startswith("arn:"):
        return
    events = config.get("NotificationEvents") or ["All"]  # All | InProgress | Success | TimedOut | Cancelled | Failed
    if "All" not in events and status not in events:
        return
    now = datetime.now(timezone.utc)
    message = {
        "eventTime": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "documentName": command.document_name,
        "requestedDateTime": command.requested_date_time.replace(tzinfo=timezone.utc)
        .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "commandId": command.command_id,
        "instanceId": instance_id,
        "status": status,
    }
    try:
        # message_attributes={}: moto's raw delivery to SQS fails on None
        sns_backends[topic.split(":")[4]][topic.split(":")[3]].publish(
            message=json.dumps(message), arn=topic, message_attributes={})
    except Exception as err:
        print(f"emulator: Run Command notification to {topic} not sent: {err}")


def _time_out(command, instance_id: str) -> None:
    """A hung invocation's executionTimeout passed."""
    for invocation in command.invocations:
        if invocation["InstanceId"] == instance_id and invocation["Status"] == "InProgress":
            invocation.update(Status="TimedOut", StatusDetails="ExecutionTimedOut", ResponseCode=-1,
                              ExecutionEndDateTime=datetime.now(timezone.utc).isoformat(),
                              StandardErrorContent="command execution timed out (executionTimeout)")
            if all(i["Status"] != "InProgress" for i in command.invocations):
                command.status = "TimedOut"
                command.status_details = "TimedOut"
            _notify(command, instance_id, "TimedOut")


def _send_command(self, *args, **kwargs):
    region = self.region_name
    document_name = kwargs.get("document_name") or ""
    execution_timeout = _validate_send(document_name, kwargs.get("timeout_seconds"), kwargs.get("parameters"))
    named = list(dict.fromkeys(kwargs.get("instance_ids") or []))
    targets = kwargs.get("targets") or []
    unmanaged = [i for i in named if managed_node(region, i) is None]
    if unmanaged:
        raise SsmError("InvalidInstanceId",
                       f"Instances [[{', '.join(unmanaged)}]] not in a valid state for account {self.account_id}")
    document = DOCUMENTS.get(document_name)
    if document:
        wrong = [i for i in named if platform_type(region, _instance(region, i)) not in document["platforms"]]
        if wrong:
            raise SsmError("UnsupportedPlatformType",
                           f"The document {document_name} does not support the platform type "
                           f"({platform_type(region, _instance(region, wrong[0]))}) of the managed node(s) "
                           f"{', '.join(wrong)}.")
    # moto adds every instance of the region to a command without Targets
    # (and extends the request's list in place): pass a copy, keep the named.
    kwargs["instance_ids"] = list(named)
    command = _original_send(self, *args, **kwargs)
    if targets:  # a target reaches only managed nodes (of a supported platform)
        chosen = [i for i in command.instance_ids if managed_node(region, i) is not None
                  and (not document or platform_type(region, _instance(region, i)) in document["platforms"])]
    else:
        chosen = named
    command.instance_ids = chosen
    command.invocations = [inv for inv in command.invocations if inv["InstanceId"] in chosen]
    command.completed_count = command.target_count = len(chosen)
    if document:
        for invocation in command.invocations:
            invocation["PluginName"] = document["plugin"]
    failed = [i for i in chosen
              if imagebuilder.image_failure_for_ami(ec2_strict.instance_ami(region, i), "emulator:fail-smoke-tests")]
    no_pwsh = [i for i in chosen if i not in failed and document_name == "AWS-RunPowerShellScript"
               and platform_type(region, _instance(region, i)) == "Linux"]
    hung = [i for i in chosen if i not in failed and i not in no_pwsh
            and imagebuilder.image_failure_for_ami(ec2_strict.instance_ami(region, i), "emulator:hang-smoke-tests")]
    for invocation in command.invocations:
        instance_id = invocation["InstanceId"]
        if instance_id in failed:
            invocation.update(Status="Failed", StatusDetails="Failed", ResponseCode=1,
                              StandardErrorContent="smoke test failed (emulator:fail-smoke-tests)")
        elif instance_id in no_pwsh:
            invocation.update(Status="Failed", StatusDetails="Failed", ResponseCode=1,
                              StandardErrorContent='failed to run commands: exec: "pwsh": executable file not found in $PATH')
        elif instance_id in hung:
            invocation.update(Status="InProgress", StatusDetails="InProgress", ResponseCode=-1,
                              ExecutionEndDateTime="")
            timer = threading.Timer(execution_timeout, _time_out, args=(command, instance_id))
            timer.daemon = True
            timer.start()
    if failed or no_pwsh:
        command.status = command.status_details = "Failed"
        command.error_count = len(failed) + len(no_pwsh)
    elif hung:
        command.status = command.status_details = "InProgress"
    if kwargs.get("notification_config"):
        for instance_id in chosen:
            status = ("Failed" if instance_id in failed or instance_id in no_pwsh
                      else "InProgress" if instance_id in hung else "Success")
            _notify(command, instance_id, status)
    return command


# --- GetCommandInvocation ----------------------------------------------------


def get_command_invocation(self):
    command_id = self._get_param("CommandId") or ""
    instance_id = self._get_param("InstanceId") or ""
    plugin_name = self._get_param("PluginName")
    _raise_poll_fault(self.region, [instance_id], "GetCommandInvocation")
    if len(command_id) != 36:
        bound = "greater than or equal to 36" if len(command_id) < 36 else "less than or equal to 36"
        raise SsmError("ValidationException",
                       f"1 validation error detected: Value '{command_id}' at 'commandId' failed to satisfy "
                       f"constraint: Member must have length {bound}")
    command = next((c for c in self.ssm_backend._commands if c.command_id == command_id), None)
    if command is None:  # moto's answer, kept (see README: evidence for AWS's is thin)
        raise SsmError("InvalidCommandId", "Invalid command id.")
    invocation = next((i for i in command.invocations if i["InstanceId"] == instance_id), None)
    if invocation is None:
        raise SsmError("InvocationDoesNotExist", "")
    if plugin_name is not None and invocation["PluginName"] != plugin_name:
        raise SsmError("InvalidPluginName", "")
    return ActionResult(invocation)


# --- DescribeInstanceInformation ---------------------------------------------

_INSTANCE_ID = re.compile(r"^(i-(\w{8}|\w{17})|mi-\w{17})$")
_FILTER_KEYS = {"ActivationIds", "AgentVersion", "AssociationStatus", "IamRole", "InstanceIds", "PingStatus",
                "PlatformTypes", "ResourceType", "SourceIds", "SourceTypes", "tag-key"}
_LEGACY_KEYS = {"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes", "ActivationIds", "IamRole",
                "ResourceType", "AssociationStatus"}


def _node_matches(info: dict, tags: dict, key: str, values: list) -> bool:
    if key in ("InstanceIds", "SourceIds"):
        return info["InstanceId"] in values
    if key == "PingStatus":
        return info["PingStatus"] in values
    if key == "PlatformTypes":
        return info["PlatformType"] in values
    if key == "ResourceType":
        return info["ResourceType"] in values
    if key == "AgentVersion":
        return info["AgentVersion"] in values
    if key == "IamRole":
        return info["IamRole"] in values
    if key == "SourceTypes":
        return info["SourceType"] in values
    if key == "tag-key":
        return any(v in tags for v in values)
    if key.startswith("tag:"):
        return tags.get(key[4:]) in values
    return False  # ActivationIds, AssociationStatus: no EC2 node has them here


def describe_instance_information(self):
    region = self.region
    filters = [(f.get("Key") or "", f.get("Values") or []) for f in self._get_param("Filters", []) or []]
    legacy = [(f.get("key") or "", f.get("valueSet") or [])
              for f in self._get_param("InstanceInformationFilterList", []) or []]
    for key, _ in filters:
        if key not in _FILTER_KEYS and not key.startswith("tag:"):
            raise SsmError("InvalidFilterKey", f"The filter key {key} is not valid.")
    for n, (key, _) in enumerate(legacy, 1):
        if key not in _LEGACY_KEYS:  # an enum of the model: the request's validation refuses it
            raise SsmError("ValidationException",
                           f"1 validation error detected: Value '{key}' at 'instanceInformationFilterList.{n}.member.key' "
                           f"failed to satisfy constraint: Member must satisfy enum value set: "
                           f"[{', '.join(sorted(_LEGACY_KEYS))}]")
    wanted_ids = [v for key, values in filters + legacy if key == "InstanceIds" for v in values]
    bad = [v for v in wanted_ids if not _INSTANCE_ID.match(v)]
    if bad:
        raise SsmError("InvalidInstanceInformationFilterValue", f"The filter value {bad[0]} is not valid.")
    _raise_poll_fault(region, wanted_ids, "DescribeInstanceInformation")
    max_results = self._get_param("MaxResults")
    max_results = 10 if max_results is None else int(max_results)
    if not 5 <= max_results <= 50:
        bound = "greater than or equal to 5" if max_results < 5 else "less than or equal to 50"
        raise SsmError("ValidationException",
                       f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
                       f"constraint: Member must have value {bound}")
    token = self._get_param("NextToken")
    start = 0
    if token:
        try:
            start = int(token.split(":", 1)[1]) if token.startswith("emulator:") else -1
        except ValueError:
            start = -1
        if start < 0:
            raise SsmError("InvalidNextToken", "The specified token isn't valid.")
    backend = ec2_backends[ACCOUNT][region]
    nodes = []
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if managed_node(region, instance.id) is None:
                continue
            info = _node_information(region, instance)
            tags = dict(backend.tags.get(instance.id, {}))
            if all(_node_matches(info, tags, k, v) for k, v in filters + legacy):
                nodes.append(info)
    page = nodes[start:start + max_results]
    result = {"InstanceInformationList": page}
    if start + max_results < len(nodes):
        result["NextToken"] = f"emulator:{start + max_results}"
    return ActionResult(result)


# --- IAM: the managed policy a managed node's role needs ---------------------
# moto loads AWS managed policies only with MOTO_IAM_LOAD_MANAGED_POLICIES
# (all ~1,300 of them), and its CloudFormation roles ignore ManagedPolicyArns:
# AmazonSSMManagedInstanceCore and EC2ImageBuilderLifecycleExecutionPolicy
# (ALWAYS_LOADED) are always attachable here, and a stack's role
# gets the managed policies it lists (those that exist).


# The AWS managed policies the stack's roles attach, always loadable: the
# smoke-test instance role's, and the Image Builder lifecycle execution role's
# (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html).
ALWAYS_LOADED = {
    "AmazonSSMManagedInstanceCore": SSM_CORE_POLICY,
    "EC2ImageBuilderLifecycleExecutionPolicy":
        "arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy",
}


def _managed_policy(backend, name: str):
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy

    data = json.loads(aws_managed_policies_data)[name]
    return AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)


def _ensure_managed(backend, policies=None) -> dict:
    policies = backend.managed_policies if policies is None else policies
    for name, arn in ALWAYS_LOADED.items():
        if arn not in policies:
            policy = _managed_policy(backend, name)
            backend.aws_managed_policies.append(policy)
            policies[policy.arn] = policy
    return policies


def _patch_iam() -> None:
    from moto.iam.models import IAMBackend, Role, iam_backends

    original_init = IAMBackend._init_managed_policies

    def init_managed_policies(self):
        return _ensure_managed(self, original_init(self))

    IAMBackend._init_managed_policies = init_managed_policies

    original_attach = IAMBackend.attach_role_policy

    def attach_role_policy(self, policy_arn, role_name):
        _ensure_managed(self)
        return original_attach(self, policy_arn, role_name)

    IAMBackend.attach_role_policy = attach_role_policy

    original_cfn = Role.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        role = original_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id]["aws"]
        for arn in (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or []:
            try:
                backend.attach_role_policy(arn, role.name)
            except Exception as err:  # a policy moto does not know: left out, as before
                print(f"emulator: managed policy {arn} not attached to {role.name}: {err}")
        return role

    Role.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def install() -> None:
    _patch_iam()
    SimpleSystemManagerBackend.send_command = _send_command
    SimpleSystemManagerResponse.get_command_invocation = get_command_invocation
    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information
