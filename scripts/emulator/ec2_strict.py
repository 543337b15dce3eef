"""EC2 as strict as AWS where moto 5.1.22 accepts what AWS refuses, encrypted
AMIs, and the status-poll faults of `emulator:throttle-polls` /
`emulator:server-error-polls` (shared with `ssm_commands`).

Rules (each refusal with EC2's code, HTTP 400 and its XML error shape,
`<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`;
EC2's error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):

- CreateTags on a resource id unknown in the request's region:
  `InvalidAMIID.NotFound` "The image id '[ami-…]' does not exist",
  `InvalidInstanceID.NotFound` "The instance ID 'i-…' does not exist",
  `InvalidSnapshot.NotFound` "The snapshot 'snap-…' does not exist."
  (AMI, instance and snapshot ids are regional: an id from another region is
  unknown here). moto accepted unknown instance ids and gave snapshots an
  empty message.
- RunInstances with an ImageId unknown in the region: `InvalidAMIID.NotFound`
  (moto checks only with MOTO_ENABLE_AMI_VALIDATION); with an
  IamInstanceProfile name or ARN that does not exist: `InvalidParameterValue`
  "Value (x) for parameter iamInstanceProfile.name is invalid. Invalid IAM
  Instance Profile name" (`.arn` / "ARN" for an ARN); moto answered IAM's
  `NoSuchEntity` HTTP 404. An unknown SubnetId is moto's own
  `InvalidSubnetID.NotFound`.
- Encrypted AMIs: RegisterImage honours `BlockDeviceMappings[].Ebs.Encrypted`
  / `KmsKeyId` / `SnapshotId` (an existing snapshot, encrypted or not), and
  CopyImage honours `Encrypted` / `KmsKeyId` (a copy of an encrypted AMI is
  encrypted): moto ignored both. DescribeImages shows `Ebs.Encrypted` (and
  `KmsKeyId`). In-process: `encrypt_ami(region, ami_id, kms_key_id)`.

Faults on status polls (pipeline tags, see `poll_fault`): DescribeInstances
(by `InstanceIds`) and DescribeImages (by `ImageIds`) here;
DescribeExportImageTasks / DescribeStoreImageTasks in `ec2_tasks`; SSM's
DescribeInstanceInformation / GetCommandInvocation in `ssm_commands`.
"""

import threading
import uuid
from typing import Optional
from xml.sax.saxutils import escape

from moto.core.exceptions import RESTError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.responses import EC2Response

ACCOUNT = DEFAULT_ACCOUNT_ID

THROTTLE_TAG = "emulator:throttle-polls"
SERVER_ERROR_TAG = "emulator:server-error-polls"


class Ec2Error(RESTError):
    """An EC2 error as EC2 sends it (Query protocol, XML, any HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(code, message)
        self.code = status
        self.description = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{uuid.uuid4()}</RequestID></Response>")
        self.content_type = "text/xml;charset=UTF-8"


# --- which Image Builder pipeline an AMI came from ---------------------------


def pipeline_of_ami(ami_id: str) -> Optional[tuple]:
    """(owner ARN, tags) of the pipeline (or, for CreateImage without a
    pipeline, the recipe) whose image built `ami_id`; None for an AMI the
    emulator's Image Builder did not build. Reads imagebuilder's tables."""
    from . import imagebuilder

    with imagebuilder._LOCK:
        image = imagebuilder._IMAGES.get(imagebuilder._AMI_IMAGES.get(ami_id or "", ""))
        if image is None:
            return None
        return imagebuilder._failure_owner(image), imagebuilder._failure_tags(image)


def pipeline_tag_for_ami(ami_id: str, tag: str) -> Optional[str]:
    """The value of `tag` on the AMI's pipeline (or recipe), or None."""
    found = pipeline_of_ami(ami_id)
    return None if found is None else found[1].get(tag)


def poll_fault(ami_ids, operation: str) -> str:
    """"throttle", "server" or "" for this status call about `ami_ids`.

    The first AMI built by the emulator's Image Builder decides: its
    pipeline's `emulator:throttle-polls = N` throttles the first N calls of
    `operation`, then `emulator:server-error-polls = M` fails the next M with
    a server error; counted per (pipeline, operation). Calls about other
    resources are never faulted."""
    for ami_id in ami_ids:
        found = pipeline_of_ami(ami_id)
        if found is None:
            continue
        owner, tags = found
        from . import imagebuilder

        for tag, kind in ((THROTTLE_TAG, "throttle"), (SERVER_ERROR_TAG, "server")):
            if imagebuilder.take_poll_fault(owner, tags, tag, operation):
                return kind
        return ""
    return ""


_FAULT_LOCK = threading.Lock()
_FAULT_COUNTS: dict[tuple, int] = {}  # ("server-error-kind", operation) -> server errors sent


def _server_error_number(ami_ids, operation: str) -> int:
    with _FAULT_LOCK:
        key = ("server-error-kind", operation)
        _FAULT_COUNTS[key] = _FAULT_COUNTS.get(key, 0) + 1
        return _FAULT_COUNTS[key]


def raise_ec2_poll_fault(ami_ids, operation: str) -> None:
    """EC2's answers under load: `RequestLimitExceeded` (HTTP 503, "Request
    limit exceeded."), and for server errors `InternalError` (HTTP 500) and
    `Unavailable` (HTTP 503), alternating. Codes and statuses: EC2 API
    reference, "Common client error codes" / "Server error codes"
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
    and botocore's _retry.json (`RequestLimitExceeded` with 503)."""
    kind = poll_fault(ami_ids, operation)
    if kind == "throttle":
        raise Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503)
    if kind == "server":
        if _server_error_number(ami_ids, operation) % 2:
            raise Ec2Error("InternalError", "An internal error has occurred.", 500)
        raise Ec2Error("Unavailable", "The server is overloaded and can't handle the request.", 503)


def instance_ami(region: str, instance_id: str) -> str:
    try:
        return ec2_backends[ACCOUNT][region].get_instance(instance_id).image_id
    except Exception:
        return ""


# --- CreateTags --------------------------------------------------------------


def _missing_error(kind: str, ids: list) -> Ec2Error:
    if kind == "ami":
        if len(ids) == 1:
            return Ec2Error("InvalidAMIID.NotFound", f"The image id '[{ids[0]}]' does not exist")
        return Ec2Error("InvalidAMIID.NotFound", f"The image ids '[{', '.join(ids)}]' do not exist")
    if kind == "i":
        if len(ids) == 1:
            return Ec2Error("InvalidInstanceID.NotFound", f"The instance ID '{ids[0]}' does not exist")
        return Ec2Error("InvalidInstanceID.NotFound", f"The instance IDs '{', '.join(ids)}' do not exist")
    if len(ids) == 1:
        return Ec2Error("InvalidSnapshot.NotFound", f"The snapshot '{ids[0]}' does not exist.")
    return Ec2Error("InvalidSnapshot.NotFound", f"The snapshots '{', '.join(ids)}' do not exist.")


def check_resources_exist(region: str, resource_ids: list) -> None:
    """AMI, instance and snapshot ids must exist in `region`."""
    backend = ec2_backends[ACCOUNT][region]
    instances = {i.id for r in backend.reservations.values() for i in r.instances}
    missing: dict[str, list] = {"ami": [], "i": [], "snap": []}
    for rid in resource_ids or []:
        prefix = rid.split("-", 1)[0]
        if prefix == "ami" and rid not in backend.amis:
            missing["ami"].append(rid)
        elif prefix == "i" and rid not in instances:
            missing["i"].append(rid)
        elif prefix == "snap" and rid not in backend.snapshots:
            missing["snap"].append(rid)
    for kind in ("ami", "i", "snap"):
        if missing[kind]:
            raise _missing_error(kind, missing[kind])


_original_create_tags = EC2Response.create_tags


def create_tags(self):
    check_resources_exist(self.region, self._get_param("Resources", []))
    return _original_create_tags(self)


# --- RunInstances ------------------------------------------------------------


def _profile_exists(name: Optional[str], arn: Optional[str]) -> bool:
    from moto.iam.models import iam_backends

    profiles = iam_backends[ACCOUNT]["aws"].instance_profiles.values()
    if arn:
        return any(p.arn == arn for p in profiles)
    return any(p.name == name for p in profiles)


_original_run_instances = EC2Response.run_instances


def run_instances(self):
    image_id = self._get_param("ImageId")
    if image_id and image_id not in ec2_backends[ACCOUNT][self.region].amis:
        raise _missing_error("ami", [image_id])
    name = self._get_param("IamInstanceProfile.Name")
    arn = self._get_param("IamInstanceProfile.Arn")
    if arn and not _profile_exists(None, arn):
        raise Ec2Error("InvalidParameterValue",
                       f"Value ({arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN")
    if name and not _profile_exists(name, None):
        raise Ec2Error("InvalidParameterValue",
                       f"Value ({name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")
    return _original_run_instances(self)


# --- encrypted AMIs ----------------------------------------------------------


def _truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


def encrypt_ami(region: str, ami_id: str, kms_key_id: Optional[str] = None) -> None:
    """Makes the AMI's EBS snapshot encrypted (with `kms_key_id`, or EBS's
    default key `alias/aws/ebs`), as an Image Builder distribution with a KMS
    key or CopyImage(Encrypted=True) leaves it."""
    ami = ec2_backends[ACCOUNT][region].amis[ami_id]
    ami.ebs_snapshot.encrypted = True
    ami.ebs_snapshot.kms_key_id = kms_key_id or f"arn:aws:kms:{region}:{ACCOUNT}:alias/aws/ebs"


def ami_is_encrypted(region: str, ami_id: str) -> bool:
    ami = ec2_backends[ACCOUNT][region].amis.get(ami_id)
    return bool(ami is not None and getattr(ami.ebs_snapshot, "encrypted", False))


def _block_device_mappings(self) -> list:
    ebs = {
        "SnapshotId": self.ebs_snapshot.id,
        "VolumeSize": 15,
        "DeleteOnTermination": False,
        "VolumeType": "standard",
        "Encrypted": bool(self.ebs_snapshot.encrypted),
    }
    if self.ebs_snapshot.encrypted and self.ebs_snapshot.kms_key_id:
        ebs["KmsKeyId"] = self.ebs_snapshot.kms_key_id
    return [{"DeviceName": self.root_device_name, "Ebs": ebs}]


_original_register_image = EC2Response.register_image


def register_image(self):
    result = _original_register_image(self)
    mappings = self._get_param("BlockDeviceMappings", []) or []
    backend = ec2_backends[ACCOUNT][self.region]
    ami = backend.amis[result.result["ImageId"]] if hasattr(result, "result") else None
    if ami is None:
        return result
    for mapping in mappings:
        ebs = mapping.get("Ebs") or {}
        snapshot_id = ebs.get("SnapshotId")
        if snapshot_id:
            ami.ebs_snapshot = backend.get_snapshot(snapshot_id)  # InvalidSnapshot.NotFound if unknown
        if _truthy(ebs.get("Encrypted")) or ebs.get("KmsKeyId"):
            encrypt_ami(self.region, ami.id, ebs.get("KmsKeyId"))
        break  # the root device: moto's AMI has one snapshot
    return result


_original_copy_image = EC2Response.copy_image


def copy_image(self):
    result = _original_copy_image(self)
    ami_id = result.result["ImageId"]
    source = self._get_param("SourceImageId")
    source_region = self._get_param("SourceRegion") or self.region
    kms = self._get_param("KmsKeyId")
    if _truthy(self._get_param("Encrypted")) or kms:
        encrypt_ami(self.region, ami_id, kms)
    elif ami_is_encrypted(source_region, source):
        snap = ec2_backends[ACCOUNT][source_region].amis[source].ebs_snapshot
        encrypt_ami(self.region, ami_id, snap.kms_key_id)
    return result


# --- status polls ------------------------------------------------------------

_original_describe_instances = EC2Response.describe_instances
_original_describe_images = EC2Response.describe_images


def describe_instances(self):
    ids = self._get_param("InstanceIds", []) or []
    raise_ec2_poll_fault([instance_ami(self.region, i) for i in ids], "DescribeInstances")
    return _original_describe_instances(self)


def describe_images(self):
    """By `ImageIds` or by the `image-id` filter (the where-used workflow's
    way: a deregistered AMI is then absent instead of an error), the same
    faults."""
    ids = list(self._get_param("ImageIds", []) or [])
    try:
        ids += list(self._filters_from_querystring().get("image-id") or [])
    except Exception:  # a malformed filter: moto's own answer says so
        pass
    raise_ec2_poll_fault(ids, "DescribeImages")
    return _original_describe_images(self)


def install() -> None:
    for method in (create_tags, run_instances, register_image, copy_image, describe_instances, describe_images):
        setattr(EC2Response, method.__name__, method)
    Ami.block_device_mappings = property(_block_device_mappings)
