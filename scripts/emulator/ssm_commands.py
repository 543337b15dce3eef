"""Run Command as the smoke tests need it (moto runs every command at once,
always "Success", and sends no notification):

- An invocation on an instance launched from an AMI of a pipeline tagged
  `emulator:fail-smoke-tests = N` fails for the first N commands.
- With `emulator:hang-smoke-tests = N`, the invocation stays InProgress for
  the first N commands (that `emulator:fail-smoke-tests` does not fail).
- A command with a NotificationConfig publishes Run Command's notification
  (one per instance, in the format of docs/notifications.md) on its topic.
"""

import json
from datetime import datetime, timezone

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.sns.models import sns_backends
from moto.ssm.models import SimpleSystemManagerBackend

from . import imagebuilder

_original_send = SimpleSystemManagerBackend.send_command


def _image_of(region: str, instance_id: str) -> str:
    try:
        return ec2_backends[DEFAULT_ACCOUNT_ID][region].get_instance(instance_id).image_id
    except Exception:
        return ""


def _send_command(self, *args, **kwargs):
    # Injection counts the instances the request names: moto adds every
    # instance of the region to a command without Targets (and extends the
    # request's list in place), which made one command take several counts.
    named = list(kwargs.get("instance_ids") or []) or None
    command = _original_send(self, *args, **kwargs)
    failed = [i for i in (named or command.instance_ids)
              if imagebuilder.image_failure_for_ami(_image_of(self.region_name, i), "emulator:fail-smoke-tests")]
    if failed:
        command.status = "Failed"
        for invocation in command.invocations:  # moto computes them up front
            if invocation["InstanceId"] in failed:
                invocation.update(Status="Failed", StatusDetails="Failed", ResponseCode=1,
                                  StandardErrorContent="smoke test failed (emulator:fail-smoke-tests)")
    hung = [i for i in (named or command.instance_ids) if i not in failed
             and imagebuilder.image_failure_for_ami(_image_of(self.region_name, i), "emulator:hang-smoke-tests")]
    if hung:
        command.status = "InProgress"
        for invocation in command.invocations:
            if invocation["InstanceId"] in hung:
                invocation.update(Status="InProgress", StatusDetails="InProgress", ResponseCode=-1)
    config = kwargs.get("notification_config") or {}
    topic = config.get("NotificationArn")
    if topic:
        now = datetime.now(timezone.utc)
        for instance_id in command.instance_ids:
            message = {
                "eventTime": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "documentName": command.document_name,
                "requestedDateTime": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "commandId": command.command_id,
                "instanceId": instance_id,
                "status": "Failed" if instance_id in failed else "InProgress" if instance_id in hung else "Success",
            }
            try:
                sns_backends[topic.split(":")[4]][topic.split(":")[3]].publish(message=json.dumps(message), arn=topic)
            except Exception as err:
                print(f"emulator: Run Command notification to {topic} not sent: {err}")
    return command


def install() -> None:
    SimpleSystemManagerBackend.send_command = _send_command
