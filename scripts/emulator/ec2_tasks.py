"""EC2 calls moto 5.1.22 lacks, and EC2's AMI events.

- ExportImage / DescribeExportImageTasks: the export task goes active ->
  completed over a second or so and writes `<prefix><task id>.<format>` into
  the S3 bucket (which must exist, as on AWS).
- CreateStoreImageTask / DescribeStoreImageTasks: the same for the backup of
  an AMI: `<ami id>.bin` in the bucket, task InProgress -> Completed.
- Failure injection by the AMI's Image Builder pipeline tags (see
  imagebuilder.FAILURE_TAGS): `emulator:fail-exports` (the export task ends
  deleted with a status message), `emulator:hang-exports` (it stays active),
  `emulator:fail-backups` (the store task ends Failed with a reason),
  `emulator:hang-backups` (it stays InProgress).
- EventBridge rules with SNS targets (moto delivers only to SQS, logs and
  buses): `ami_state_change` puts EC2's "EC2 AMI State Change" event on the
  default bus and every matching rule's SNS target gets it, in EventBridge's
  envelope, as on AWS.

Refusals as AWS's (details and sources in scripts/emulator/README.md):

- ExportImage: an AMI unknown in the region (`InvalidAMIID.NotFound`), a
  bucket that does not exist, an AMI any of whose EBS snapshots is encrypted
  or whose platform is Windows (VM Import/Export, "Considerations for image
  export": https://docs.aws.amazon.com/vm-import/latest/userguide/limits-image-export.html),
  and a `RoleName` (default `vmimport`) that does not exist in IAM or whose
  trust policy does not let `vmie.amazonaws.com` `sts:AssumeRole`
  (https://docs.aws.amazon.com/vm-import/latest/userguide/vmimport-troubleshooting.html,
  https://docs.aws.amazon.com/vm-import/latest/userguide/required-permissions.html)
  answer `InvalidParameter`.
- CreateStoreImageTask: AMI and bucket must exist. DescribeStoreImageTasks
  lists every task of an AMI (earlier ones too), oldest first, and honours
  `ImageIds` and the `task-state` / `bucket` filters.
- DescribeExportImageTasks / DescribeStoreImageTasks about an AMI the
  emulator's Image Builder built answer RequestLimitExceeded / InternalError
  / Unavailable for the pipeline's `emulator:throttle-polls` /
  `emulator:server-error-polls` (see ec2_strict.poll_fault).
"""

import json
import threading
import uuid
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.responses import EC2Response
from moto.events.models import Rule, events_backends
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends

ACCOUNT = DEFAULT_ACCOUNT_ID
TASK_SECONDS = 1.0
_EXPORTS: dict[str, dict] = {}
_STORES: list[dict] = []  # every store task, oldest first (AWS lists earlier ones too)
_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _xml(action: str, inner: str) -> str:
    return (f'<{action}Response xmlns="{_NS}"><requestId>{uuid.uuid4()}</requestId>'
            f"{inner}</{action}Response>")


def _error(code: str, message: str):
    body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>")
    return body, {"status": 400}


def _check_ami(region: str, ami_id: str) -> bool:
    return ami_id in ec2_backends[ACCOUNT][region].amis


def _bucket_exists(bucket: str) -> bool:
    try:
        s3_backends[ACCOUNT]["aws"].get_bucket(bucket)
        return True
    except Exception:
        return False


def _later(seconds: float, work) -> None:
    threading.Timer(seconds, work).start()


def _put(bucket: str, key: str, text: str) -> None:
    s3_backends[ACCOUNT]["aws"].put_object(bucket, key, text.encode())


def _injected(ami_id: str, fail_tag: str, hang_tag: str) -> str:
    """"fail", "hang" or "" for this task on an AMI the emulator built."""
    from . import imagebuilder

    if imagebuilder.image_failure_for_ami(ami_id, fail_tag):
        return "fail"
    if imagebuilder.image_failure_for_ami(ami_id, hang_tag):
        return "hang"
    return ""


# --- ExportImage -------------------------------------------------------------


def export_image(self):
    ami_id = self._get_param("ImageId")
    fmt = (self._get_param("DiskImageFormat") or "VMDK").upper()
    bucket = self._get_param("S3ExportLocation.S3Bucket")
    prefix = self._get_param("S3ExportLocation.S3Prefix") or ""
    role = self._get_param("RoleName") or "vmimport"
    if not _check_ami(self.region, ami_id):
        return _error("InvalidAMIID.NotFound", f"The image id '[{ami_id}]' does not exist")
    if not bucket or not _bucket_exists(bucket):
        return _error("InvalidParameter", f"The bucket {bucket} does not exist.")
    refusal = export_refusal(self.region, ami_id, role)
    if refusal:
        return _error("InvalidParameter", refusal)
    task_id = f"export-ami-{uuid.uuid4().hex[:17]}"
    task = {"id": task_id, "ami": ami_id, "fmt": fmt, "bucket": bucket, "prefix": prefix,
            "role": role, "status": "active", "progress": "0", "message": "validating"}
    _EXPORTS[task_id] = task
    injected = _injected(ami_id, "emulator:fail-exports", "emulator:hang-exports")

    def finish():
        if injected == "fail":
            task.update(status="deleted", message="the disk image could not be converted (emulator:fail-exports)")
            return
        _put(bucket, f"{prefix}{task_id}.{fmt.lower()}", f"emulated {fmt} disk of {ami_id}\n")
        task.update(status="completed", progress="100", message="")

    if injected != "hang":  # a hung task stays active
        _later(TASK_SECONDS, finish)
    return _xml("ExportImage", _export_fields(task))


def _role_trusts_vmie(role_name: str) -> bool:
    """The role exists in IAM and its trust policy lets `vmie.amazonaws.com`
    `sts:AssumeRole` (the `sts:Externalid` condition is not evaluated)."""
    from urllib.parse import unquote

    from moto.iam.models import iam_backends

    try:
        role = iam_backends[ACCOUNT]["aws"].get_role(role_name)
        policy = role.assume_role_policy_document
        policy = json.loads(policy if policy.lstrip().startswith("{") else unquote(policy))
    except Exception:
        return False
    statements = policy.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        services = (st.get("Principal") or {}).get("Service", []) if isinstance(st.get("Principal"), dict) else []
        actions = st.get("Action", [])
        services = [services] if isinstance(services, str) else services
        actions = [actions] if isinstance(actions, str) else actions
        if (st.get("Effect") == "Allow" and "vmie.amazonaws.com" in services
                and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)):
            return True
    return False


def export_refusal(region: str, ami_id: str, role: str) -> str:
    """Why AWS refuses to export this AMI with this role ("" when it does not).

    VM Import/Export, "Considerations for image export" (paraphrased): an
    image with encrypted EBS snapshots cannot be exported, nor an image that
    contains AWS-provided third-party software (Windows, SQL Server,
    Marketplace-derived)
    https://docs.aws.amazon.com/vm-import/latest/userguide/limits-image-export.html;
    the service role must exist and trust vmie.amazonaws.com
    https://docs.aws.amazon.com/vm-import/latest/userguide/required-permissions.html,
    else "The service role <name> provided does not exist or does not have
    sufficient permissions" (vmimport-troubleshooting.html). The messages of
    the first two refusals are the emulator's wording."""
    from . import ec2_strict

    ami = ec2_backends[ACCOUNT][region].amis[ami_id]
    if ec2_strict.ami_is_encrypted(region, ami_id):
        return (f"The image {ami_id} has encrypted EBS snapshots ({ami.ebs_snapshot.id}); "
                "images with encrypted snapshots cannot be exported.")
    if (ami.platform or "").lower() == "windows":
        return (f"The image {ami_id} contains AWS-provided third-party software (platform Windows) "
                "and cannot be exported.")
    if not _role_trusts_vmie(role):
        return f"The service role {role} provided does not exist or does not have sufficient permissions"
    return ""


def _export_fields(task: dict) -> str:
    return (f"<exportImageTaskId>{task['id']}</exportImageTaskId><imageId>{task['ami']}</imageId>"
            f"<diskImageFormat>{task['fmt']}</diskImageFormat><roleName>{escape(task['role'])}</roleName>"
            f"<s3ExportLocation><s3Bucket>{escape(task['bucket'])}</s3Bucket>"
            f"<s3Prefix>{escape(task['prefix'])}</s3Prefix></s3ExportLocation>"
            f"<status>{task['status']}</status><progress>{task['progress']}</progress>"
            f"<statusMessage>{escape(task['message'])}</statusMessage>")


def describe_export_image_tasks(self):
    from . import ec2_strict

    wanted = self._get_param("ExportImageTaskIds", [])
    ec2_strict.raise_ec2_poll_fault([_EXPORTS[i]["ami"] for i in wanted or [] if i in _EXPORTS],
                                    "DescribeExportImageTasks")
    tasks = [t for i, t in _EXPORTS.items() if not wanted or i in wanted]
    items = "".join(f"<item>{_export_fields(t)}</item>" for t in tasks)
    return _xml("DescribeExportImageTasks", f"<exportImageTaskSet>{items}</exportImageTaskSet>")


# --- CreateStoreImageTask ----------------------------------------------------


def create_store_image_task(self):
    ami_id = self._get_param("ImageId")
    bucket = self._get_param("Bucket")
    if not _check_ami(self.region, ami_id):
        return _error("InvalidAMIID.NotFound", f"The image id '[{ami_id}]' does not exist")
    if not bucket or not _bucket_exists(bucket):
        return _error("InvalidParameter", f"The bucket {bucket} does not exist.")
    key = f"{ami_id}.bin"
    task = {"ami": ami_id, "bucket": bucket, "key": key, "state": "InProgress", "progress": "0",
            "start": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")}
    _STORES.append(task)
    injected = _injected(ami_id, "emulator:fail-backups", "emulator:hang-backups")

    def finish():
        if injected == "fail":
            task.update(state="Failed", reason="the AMI's snapshots could not be stored (emulator:fail-backups)")
            return
        _put(bucket, key, f"emulated backup of {ami_id}\n")
        task.update(state="Completed", progress="100")

    if injected != "hang":  # a hung task stays InProgress
        _later(TASK_SECONDS, finish)
    return _xml("CreateStoreImageTask", f"<objectKey>{key}</objectKey>")


def describe_store_image_tasks(self):
    """Every task of the AMIs, earlier ones too, oldest first (each with its
    own taskStartTime); `Filters` `task-state` and `bucket`
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeStoreImageTasks.html)."""
    from . import ec2_strict

    wanted = self._get_param("ImageIds", []) or []
    ec2_strict.raise_ec2_poll_fault(wanted, "DescribeStoreImageTasks")
    filters = {f.get("Name"): f.get("Values") or [] for f in self._get_param("Filters", []) or []}
    for name in filters:
        if name not in ("task-state", "bucket"):
            return _error("InvalidParameterValue", f"The filter '{name}' is invalid")
    tasks = [t for t in _STORES
             if (not wanted or t["ami"] in wanted)
             and ("task-state" not in filters or t["state"] in filters["task-state"])
             and ("bucket" not in filters or t["bucket"] in filters["bucket"])]
    items = "".join(
        f"<item><amiId>{t['ami']}</amiId><taskStartTime>{t['start']}</taskStartTime>"
        f"<bucket>{escape(t['bucket'])}</bucket><s3objectKey>{t['key']}</s3objectKey>"
        f"<progressPercentage>{t['progress']}</progressPercentage>"
        f"<storeTaskState>{t['state']}</storeTaskState>"
        + (f"<storeTaskFailureReason>{escape(t['reason'])}</storeTaskFailureReason>" if t.get("reason") else "")
        + "</item>"
        for t in tasks
    )
    return _xml("DescribeStoreImageTasks", f"<storeImageTaskResultSet>{items}</storeImageTaskResultSet>")


# --- EventBridge with SNS targets -------------------------------------------


def ami_state_change(region: str, ami_id: str, state: str, error: str = "") -> None:
    """EC2's event for an AMI, on the default bus of its region."""
    detail = {"RequestId": str(uuid.uuid4()), "ImageId": ami_id, "State": state, "ErrorMessage": error}
    try:
        events_backends[ACCOUNT][region].put_events([{
            "Source": "aws.ec2",
            "DetailType": "EC2 AMI State Change",
            "Detail": json.dumps(detail),
            "Resources": [f"arn:aws:ec2:{region}::image/{ami_id}"],
            "EventBusName": "default",
        }])
    except Exception as err:
        print(f"emulator: EC2 event for {ami_id} not sent: {err}")


_original_send = Rule.send_to_targets


def _send_to_targets(self, original_event, transform_input=True):
    """moto's delivery for its target types, then SNS targets (moto raises
    NotImplementedError on those, so they are held back from it)."""
    topics = [t["Arn"] for t in self.targets if t["Arn"].split(":")[2] == "sns"]
    others = [t for t in self.targets if t["Arn"] not in topics]
    if others:
        saved, self.targets = self.targets, others
        try:
            _original_send(self, original_event, transform_input)
        finally:
            self.targets = saved
    if not topics or not self.event_pattern.matches_event(original_event):
        return
    event = dict(original_event)
    if isinstance(event.get("time"), (int, float)):  # moto keeps epoch seconds
        stamp = datetime.fromtimestamp(event["time"], timezone.utc)
        event["time"] = stamp.isoformat(timespec="seconds").replace("+00:00", "Z")
    body = json.dumps(event, default=str)
    for arn in topics:
        parts = arn.split(":")
        sns_backends[parts[4]][parts[3]].publish(message=body, arn=arn)


def install() -> None:
    from . import ec2_images, ec2_strict

    ec2_strict.install()
    ec2_images.install()
    for method in (export_image, describe_export_image_tasks, create_store_image_task,
                   describe_store_image_tasks):
        setattr(EC2Response, method.__name__, method)
    Rule.send_to_targets = _send_to_targets
