"""The end of an AMI's life in EC2, as AWS documents it (moto 5.1.22 has none
of it): references, last launch, deprecation, disable/enable, deregistration
protection and deregistration with the AMI's snapshots.

Every refusal uses EC2's XML error shape and HTTP 400 (`ec2_strict.Ec2Error`);
the codes are EC2's ("Error codes for the Amazon EC2 API",
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
Where a page does not name the code, the README says which one the emulator
chose and why.

- DescribeImageReferences
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImageReferences.html,
  API_ResourceTypeRequest, API_ResourceTypeOption): `ImageId.N` 1..10 AMIs of
  the request's Region ("InvalidAMIID.NotFound" otherwise: AMI ids are
  regional), "Either IncludeAllResourceTypes or ResourceTypes must be
  specified", options only for `ec2:Instance` (`state-name`: pending |
  running | shutting-down | terminated | stopping | stopped, default all) and
  `ec2:LaunchTemplate` (`version-depth` 1..10000, default 10: "the number of
  launch template versions to check, starting from the most recent"),
  `MaxResults` at least 5, `NextToken` pages. Answered from moto's instances,
  launch templates, SSM parameters (a String parameter whose value is the AMI
  id) and the emulator's Image Builder recipes (parent image = the AMI).
- lastLaunchedTime: set when RunInstances launches from the AMI
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-last-launched-time.html);
  `DescribeImageAttribute` Attribute=lastLaunchedTime and `LastLaunchedTime`
  of DescribeImages. AWS reports it "with a 24-hour delay"; the emulator at
  once.
- EnableImageDeprecation / DisableImageDeprecation
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeprecation.html):
  "If you specify a value for seconds, Amazon EC2 rounds the seconds to the
  nearest minute. You can't specify a date in the past. The upper limit for
  DeprecateAt is 10 years from now, except for public AMIs, where the upper
  limit is 2 years from the creation date." And "By default, the deprecation
  date of all public AMIs is set to two years from the AMI creation date"
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html):
  making an AMI public without a deprecation time gives it that one.
- DescribeImages `IncludeDeprecated` / `IncludeDisabled`
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html):
  deprecated AMIs are left out for non-owners unless asked for ("If you are
  the AMI owner, all deprecated AMIs appear"), or named by id
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html);
  disabled AMIs are left out unless `IncludeDisabled` ("Default: No disabled
  AMIs are included in the response").
- DisableImage / EnableImage
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableImage.html,
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/disable-an-ami.html):
  state `disabled`, every launch permission removed (a public AMI becomes
  private), "Only the AMI owner can disable an AMI", "A disabled AMI can't be
  used for instance launches" (RunInstances: `InvalidAMIID.Unavailable`), "A
  disabled AMI can't be shared" (ModifyImageAttribute adding a launch
  permission: `InvalidAMIID.Unavailable`); EnableImage makes it `available`
  again without giving the permissions back.
- Enable/DisableImageDeregistrationProtection
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeregistrationProtection.html):
  DeregisterImage refused while protected (`OperationNotPermitted`, the code
  EC2 gives for an instance's termination protection), and for 24 hours after
  the protection is disabled when it was enabled `WithCooldown`.
- DeregisterImage `DeleteAssociatedSnapshots`
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeregisterImage.html):
  the AMI's snapshots are deleted unless another AMI uses them ("If a
  snapshot is associated with multiple AMIs, it is not deleted"), answered in
  `DeleteSnapshotResults` (`success` / `skipped`). Only the owner may
  deregister ("You can't deregister an AMI that is not owned by your
  account", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/deregister-ami.html).
"""

import base64
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Optional

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.responses import EC2Response

from .ec2_strict import Ec2Error, raise_ec2_poll_fault

ACCOUNT = DEFAULT_ACCOUNT_ID
_LOCK = threading.RLock()

RESOURCE_TYPES = ("ec2:Instance", "ec2:LaunchTemplate", "ssm:Parameter", "imagebuilder:ImageRecipe",
                  "imagebuilder:ContainerRecipe")
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
DEFAULT_VERSION_DEPTH = 10
MAX_VERSION_DEPTH = 10000
MIN_REFERENCE_RESULTS = 5
MAX_REFERENCE_RESULTS = 1000  # emulator's page size cap; the model gives only the minimum
COOLDOWN_SECONDS = 24 * 3600


def iso(moment: datetime) -> str:
    """EC2's timestamp format in DescribeImages: 2024-05-17T08:43:00.000Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_time(value) -> Optional[datetime]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def two_years_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 2)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 2, day=28)


def _truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


# --- lookups -----------------------------------------------------------------


def _backend(region: str):
    return ec2_backends[ACCOUNT][region]


def _not_found(ami_ids: list) -> Ec2Error:
    if len(ami_ids) == 1:
        return Ec2Error("InvalidAMIID.NotFound", f"The image id '[{ami_ids[0]}]' does not exist")
    return Ec2Error("InvalidAMIID.NotFound", f"The image ids '[{', '.join(ami_ids)}]' do not exist")


def _malformed(ami_id: str) -> Ec2Error:
    return Ec2Error("InvalidAMIID.Malformed", f'Invalid id: "{ami_id}" (expecting "ami-...")')


def find_ami(region: str, ami_id: Optional[str]):
    """The AMI in `region`, or EC2's refusal: Malformed for a non-`ami-` id,
    Unavailable for one deregistered here, NotFound otherwise."""
    if not ami_id:
        raise Ec2Error("MissingParameter", "The request must contain the parameter ImageId")
    if not ami_id.startswith("ami-"):
        raise _malformed(ami_id)
    backend = _backend(region)
    ami = backend.amis.get(ami_id)
    if ami is not None:
        return ami
    if ami_id in backend.deleted_amis:
        raise Ec2Error("InvalidAMIID.Unavailable", f"The image id '[{ami_id}]' is no longer available")
    raise _not_found([ami_id])


def _owned(region: str, ami) -> None:
    """Only the AMI's owner may change its life ("Only the AMI owner can
    disable an AMI"; "You can't deregister an AMI that is not owned by your
    account"): moto's public Amazon AMIs are not this account's."""
    if ami.owner_id != _backend(region).account_id:
        raise Ec2Error("AuthFailure", f"Not authorized for image:{ami.id}")


def protection(ami) -> str:
    """The AMI's `DeregistrationProtection`: `disabled`,
    `enabled-without-cooldown`, `enabled-with-cooldown`, or
    `disabled-until <time>` during the cooldown after disabling."""
    until = getattr(ami, "protection_cooldown_until", None)
    value = getattr(ami, "_protection", "disabled")
    if value == "disabled" and until is not None:
        if until > _now():
            return f"disabled-until {iso(until)}"
        ami.protection_cooldown_until = None
    return value


def is_deprecated(ami, at: Optional[datetime] = None) -> bool:
    when = _parse_time(getattr(ami, "deprecation_time", None))
    return when is not None and when <= (at or _now())


# --- DescribeImageReferences ---------------------------------------------------


def _options(resource_types: list, include_all: bool) -> dict:
    """resource type -> its options (state-name: set of states or None;
    version-depth: int), validated as API_ResourceTypeOption documents."""
    chosen: dict = {}
    if include_all:
        for kind in RESOURCE_TYPES:
            chosen[kind] = {}
    for request in resource_types or []:
        kind = request.get("ResourceType")
        if kind not in RESOURCE_TYPES:
            raise Ec2Error("InvalidParameterValue",
                           f"Value ({kind}) for parameter resourceType is invalid. "
                           f"Valid values: {' | '.join(RESOURCE_TYPES)}")
        options: dict = {}
        for option in request.get("ResourceTypeOptions") or []:
            name = option.get("OptionName")
            values = [str(v) for v in option.get("OptionValues") or []]
            allowed = {"ec2:Instance": "state-name", "ec2:LaunchTemplate": "version-depth"}.get(kind)
            if name != allowed:
                raise Ec2Error("InvalidParameterValue",
                               f"The option {name} is not valid for the resource type {kind}. "
                               "Options are valid only for ec2:Instance (state-name) and "
                               "ec2:LaunchTemplate (version-depth).")
            if name == "state-name":
                bad = [v for v in values if v not in INSTANCE_STATES]
                if bad or not values:
                    raise Ec2Error("InvalidParameterValue",
                                   f"Value ({', '.join(bad) or 'empty'}) for option state-name is invalid. "
                                   f"Valid values: {' | '.join(INSTANCE_STATES)}")
                options["state-name"] = set(values)
            else:
                if len(values) != 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= MAX_VERSION_DEPTH:
                    raise Ec2Error("InvalidParameterValue",
                                   f"Value ({', '.join(values) or 'empty'}) for option version-depth is invalid. "
                                   f"It must be one integer between 1 and {MAX_VERSION_DEPTH}.")
                options["version-depth"] = int(values[0])
        chosen[kind] = options
    return chosen


def references(region: str, ami_ids: list, chosen: dict) -> list:
    """Every ImageReference of `ami_ids` in `region` for the chosen types."""
    backend = _backend(region)
    wanted = set(ami_ids)
    found: list = []
    if "ec2:Instance" in chosen:
        states = chosen["ec2:Instance"].get("state-name")
        for reservation in backend.reservations.values():
            for instance in reservation.instances:
                if instance.image_id in wanted and (states is None or instance.state in states):
                    found.append({"ImageId": instance.image_id, "ResourceType": "ec2:Instance",
                                  "Arn": f"arn:aws:ec2:{region}:{ACCOUNT}:instance/{instance.id}"})
    if "ec2:LaunchTemplate" in chosen:
        depth = chosen["ec2:LaunchTemplate"].get("version-depth", DEFAULT_VERSION_DEPTH)
        for template in backend.launch_templates.values():
            used = {v.image_id for v in template.versions[-depth:]} & wanted
            for ami_id in sorted(used):
                found.append({"ImageId": ami_id, "ResourceType": "ec2:LaunchTemplate",
                              "Arn": f"arn:aws:ec2:{region}:{ACCOUNT}:launch-template/{template.id}"})
    if "ssm:Parameter" in chosen:
        from moto.ssm.models import ssm_backends

        parameters = ssm_backends[ACCOUNT][region]._parameters
        for name in list(dict.keys(parameters)):
            history = dict.get(parameters, name) or []
            if not history:
                continue
            current = history[-1]
            if current.parameter_type == "String" and current.value in wanted:
                found.append({"ImageId": current.value, "ResourceType": "ssm:Parameter",
                              "Arn": f"arn:aws:ssm:{region}:{ACCOUNT}:parameter/{name.lstrip('/')}"})
    if "imagebuilder:ImageRecipe" in chosen:
        from . import imagebuilder

        with imagebuilder._LOCK:
            recipes = list(imagebuilder._RECIPES.values())
        for recipe in recipes:
            if recipe["arn"].split(":")[3] == region and recipe.get("parentImage") in wanted:
                found.append({"ImageId": recipe["parentImage"], "ResourceType": "imagebuilder:ImageRecipe",
                              "Arn": recipe["arn"]})
    return found


def _token(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "k": key}).encode()).decode()


def _offset(token: Optional[str], key: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["k"] != key or int(data["o"]) < 0:
            raise ValueError(token)
        return int(data["o"])
    except Exception:
        raise Ec2Error("InvalidNextToken", "The token provided is invalid.") from None


def describe_image_references(self):
    ami_ids = self._get_param("ImageIds", []) or []
    raise_ec2_poll_fault(ami_ids, "DescribeImageReferences")
    include_all = _truthy(self._get_param("IncludeAllResourceTypes"))
    resource_types = self._get_param("ResourceTypes", []) or []
    if not ami_ids:
        raise Ec2Error("MissingParameter", "The request must contain the parameter ImageId")
    if len(ami_ids) > 10:
        raise Ec2Error("InvalidParameterValue", "ImageId can contain at most 10 image ids.")
    if not include_all and not resource_types:
        raise Ec2Error("MissingParameter",
                       "Either IncludeAllResourceTypes or ResourceTypes must be specified.")
    for ami_id in ami_ids:
        if not str(ami_id).startswith("ami-"):
            raise _malformed(ami_id)
    backend = _backend(self.region)
    missing = [a for a in ami_ids if a not in backend.amis]
    if missing:
        raise _not_found(missing)
    chosen = _options(resource_types, include_all)
    limit = self._get_param("MaxResults")
    if limit is not None:
        limit = int(limit)
        if not MIN_REFERENCE_RESULTS <= limit <= MAX_REFERENCE_RESULTS:
            raise Ec2Error("InvalidParameterValue",
                           f"Value ({limit}) for parameter maxResults is invalid. "
                           f"Expecting a value between {MIN_REFERENCE_RESULTS} and {MAX_REFERENCE_RESULTS}.")
    found = references(self.region, ami_ids, chosen)
    key = json.dumps([sorted(ami_ids), sorted(chosen)])
    start = _offset(self._get_param("NextToken"), key)
    end = len(found) if limit is None else start + limit
    result: dict = {"ImageReferences": found[start:end]}
    if end < len(found):
        result["NextToken"] = _token(end, key)
    return ActionResult(result)


# --- lastLaunchedTime, DescribeImageAttribute -------------------------------------


def record_launch(region: str, ami_id: str) -> None:
    ami = _backend(region).amis.get(ami_id)
    if ami is not None:
        ami.last_launched_time = iso(_now()).replace(".000Z", "Z")


_original_describe_image_attribute = EC2Response.describe_image_attribute


def describe_image_attribute(self):
    name = self._get_param("Attribute")
    if name not in ("lastLaunchedTime", "deregistrationProtection"):
        find_ami(self.region, self._get_param("ImageId"))
        return _original_describe_image_attribute(self)
    ami = find_ami(self.region, self._get_param("ImageId"))
    if name == "lastLaunchedTime":
        launched = getattr(ami, "last_launched_time", None)
        value = {"Value": launched} if launched else {}
        return ActionResult({"ImageId": ami.id, "LastLaunchedTime": value})
    return ActionResult({"ImageId": ami.id, "DeregistrationProtection": {"Value": protection(ami)}})


# --- deprecation ---------------------------------------------------------------


def enable_image_deprecation(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    raw = self._get_param("DeprecateAt")
    when = _parse_time(raw)
    if when is None:
        raise Ec2Error("InvalidParameterValue" if raw else "MissingParameter",
                       f"Value ({raw}) for parameter DeprecateAt is invalid." if raw
                       else "The request must contain the parameter DeprecateAt")
    # "Amazon EC2 rounds the seconds to the nearest minute."
    when = (when + timedelta(seconds=30)).replace(second=0, microsecond=0)
    now = _now()
    if when < now.replace(second=0, microsecond=0):
        raise Ec2Error("InvalidParameterValue",
                       f"The DeprecateAt time {iso(when)} is in the past. You can't specify a date in the past.")
    if ami.is_public:
        created = _parse_time(ami.creation_date) or now
        if when > two_years_after(created):
            raise Ec2Error("InvalidParameterValue",
                           "The DeprecateAt time of a public AMI can be at most 2 years from its creation date.")
    elif when > now + timedelta(days=10 * 365 + 2):
        raise Ec2Error("InvalidParameterValue", "The DeprecateAt time can be at most 10 years from now.")
    ami.deprecation_time = iso(when)
    return ActionResult({"Return": True})


def disable_image_deprecation(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    ami.deprecation_time = None
    return ActionResult({"Return": True})


# --- disable / enable --------------------------------------------------------------


def _event(region: str, ami_id: str, state: str) -> None:
    """EC2's "EC2 AMI State Change" event (`available` after EnableImage,
    `disabled`, `deregistered`:
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitor-ami-events.html)."""
    from . import ec2_tasks

    ec2_tasks.ami_state_change(region, ami_id, state)


def disable(region: str, ami) -> None:
    """DisableImage's effect: state `disabled`, no launch permission left,
    and EC2's `disabled` event when the state changed."""
    changed = ami.state != "disabled"
    ami.state = "disabled"
    ami.launch_permissions = []
    if changed:
        _event(region, ami.id, "disabled")


def enable(region: str, ami) -> None:
    """EnableImage's effect: state `available` (EC2's `available` event when
    it was disabled); the removed launch permissions stay removed."""
    if ami.state == "disabled":
        ami.state = "available"
        _event(region, ami.id, "available")


def disable_image(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    if ami.state not in ("available", "disabled"):
        raise Ec2Error("IncorrectState", f"The image {ami.id} is in the {ami.state} state and can't be disabled.")
    disable(self.region, ami)
    return ActionResult({"Return": True})


def enable_image(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    if ami.state not in ("available", "disabled"):
        raise Ec2Error("IncorrectState", f"The image {ami.id} is in the {ami.state} state and can't be enabled.")
    enable(self.region, ami)
    return ActionResult({"Return": True})


_original_modify_image_attribute = EC2Response.modify_image_attribute


def modify_image_attribute(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    adding = (self._get_param("LaunchPermission", {}) or {}).get("Add") or []
    if self._get_param("OperationType") == "add":
        adding = adding or [True]
    if ami.state == "disabled" and adding:
        raise Ec2Error("InvalidAMIID.Unavailable", f"The image {ami.id} is disabled and can't be shared.")
    was_public = ami.is_public
    result = _original_modify_image_attribute(self)
    if ami.is_public and not was_public and not getattr(ami, "deprecation_time", None):
        # "By default, the deprecation date of all public AMIs is set to two
        # years from the AMI creation date" (ami-deprecate.html).
        ami.deprecation_time = iso(two_years_after(_parse_time(ami.creation_date) or _now()))
    return result


# --- deregistration protection and deregistration ------------------------------------


def enable_image_deregistration_protection(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    cooldown = _truthy(self._get_param("WithCooldown"))
    ami._protection = "enabled-with-cooldown" if cooldown else "enabled-without-cooldown"
    ami.protection_cooldown_until = None
    return ActionResult({"Return": "true"})


def disable_image_deregistration_protection(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    _owned(self.region, ami)
    if getattr(ami, "_protection", "disabled") == "enabled-with-cooldown":
        ami.protection_cooldown_until = _now() + timedelta(seconds=COOLDOWN_SECONDS)
    ami._protection = "disabled"
    return ActionResult({"Return": "true"})


def deregistration_refusal(region: str, ami) -> Optional[Ec2Error]:
    """Why DeregisterImage refuses this AMI now, or None."""
    if ami.owner_id != _backend(region).account_id:
        return Ec2Error("AuthFailure", f"Not authorized for image:{ami.id}")
    value = protection(ami)
    if value != "disabled":
        return Ec2Error("OperationNotPermitted",
                        f"The image {ami.id} has deregistration protection ({value}); "
                        "disable it with DisableImageDeregistrationProtection first.")
    return None


def deregister(region: str, ami, delete_snapshots: bool) -> list:
    """Deregisters the AMI (EC2's `deregistered` event); with
    `delete_snapshots`, deletes its snapshots that no other AMI uses. The
    DeleteSnapshotResults."""
    backend = _backend(region)
    snapshot = getattr(ami, "ebs_snapshot", None)
    backend.deregister_image(ami.id)
    _event(region, ami.id, "deregistered")
    if not delete_snapshots or snapshot is None:
        return []
    shared = any(getattr(other, "ebs_snapshot", None) is snapshot or
                 getattr(getattr(other, "ebs_snapshot", None), "id", None) == snapshot.id
                 for other in backend.amis.values())
    if shared:
        return [{"SnapshotId": snapshot.id, "ReturnCode": "skipped"}]
    backend.snapshots.pop(snapshot.id, None)
    return [{"SnapshotId": snapshot.id, "ReturnCode": "success"}]


def deregister_image(self):
    ami = find_ami(self.region, self._get_param("ImageId"))
    refusal = deregistration_refusal(self.region, ami)
    if refusal is not None:
        raise refusal
    self.error_on_dryrun()
    results = deregister(self.region, ami, _truthy(self._get_param("DeleteAssociatedSnapshots")))
    answer: dict = {"Return": True}
    if _truthy(self._get_param("DeleteAssociatedSnapshots")):
        answer["DeleteSnapshotResults"] = results
    return ActionResult(answer)


# --- DescribeImages, RunInstances ----------------------------------------------------


def visible(region: str, ami, named: bool, include_deprecated: bool, include_disabled: bool) -> bool:
    """Whether DescribeImages lists the AMI: disabled ones only with
    IncludeDisabled; deprecated ones of another owner only with
    IncludeDeprecated or when named by id."""
    if ami.state == "disabled" and not include_disabled:
        return False
    if is_deprecated(ami) and ami.owner_id != _backend(region).account_id:
        return include_deprecated or named
    return True


def install_describe_images(original):
    """Wraps DescribeImages (the ec2_strict one): hides what AWS hides and
    shows DeregistrationProtection."""

    def describe_images(self):
        result = original(self)
        named = bool(self._get_param("ImageIds", []))
        include_deprecated = _truthy(self._get_param("IncludeDeprecated"))
        include_disabled = _truthy(self._get_param("IncludeDisabled"))
        images = result.result.get("Images") or []
        kept = [a for a in images if visible(self.region, a, named, include_deprecated, include_disabled)]
        for ami in kept:
            ami.deregistration_protection = protection(ami)
        result.result["Images"] = kept
        return result

    describe_images.__name__ = "describe_images"
    return describe_images


def install_run_instances(original):
    """Wraps RunInstances (the ec2_strict one): a disabled AMI does not
    launch; a launch records the AMI's lastLaunchedTime."""

    def run_instances(self):
        ami_id = self._get_param("ImageId")
        ami = _backend(self.region).amis.get(ami_id or "")
        if ami is not None and ami.state == "disabled":
            raise Ec2Error("InvalidAMIID.Unavailable",
                           f"The image id '[{ami_id}]' is disabled and can't be used to launch instances.")
        result = original(self)
        record_launch(self.region, ami_id)
        return result

    run_instances.__name__ = "run_instances"
    return run_instances


def install() -> None:
    """After ec2_strict.install (it wraps the same DescribeImages and RunInstances)."""
    for method in (describe_image_references, describe_image_attribute, enable_image_deprecation,
                   disable_image_deprecation, disable_image, enable_image, modify_image_attribute,
                   enable_image_deregistration_protection, disable_image_deregistration_protection,
                   deregister_image):
        setattr(EC2Response, method.__name__, method)
    EC2Response.describe_images = install_describe_images(EC2Response.describe_images)
    EC2Response.run_instances = install_run_instances(EC2Response.run_instances)
