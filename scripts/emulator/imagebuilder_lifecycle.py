"""Image Builder's resource state updates: StartResourceStateUpdate,
GetLifecycleExecution, ListLifecycleExecutionResources, ListLifecycleExecutions.

As the API reference documents them
(https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_StartResourceStateUpdate.html,
API_GetLifecycleExecution, API_ListLifecycleExecutionResources, and the
botocore model's member documentation it ships):

- `resourceArn` is an image build version ARN. "The image must be in one of
  these terminal states: AVAILABLE, DEPRECATED, DISABLED, FAILED, or
  CANCELLED. Images with FAILED or CANCELLED status can transition only to
  DELETED."
- `state.status` AVAILABLE | DEPRECATED | DISABLED | DELETED.
- `executionRole`: "You must provide this property together with
  includeResources. Neither is valid without the other." The role must exist
  and trust `imagebuilder.amazonaws.com`, and it acts with its own
  permissions (Prerequisites for lifecycle management,
  https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html:
  the `EC2ImageBuilderLifecycleExecutionPolicy` managed policy, whose
  statements allow the EC2 actions on resources tagged
  `CreatedBy: EC2 Image Builder`).
- `includeResources`: "Snapshots and containers are only valid for the
  DELETED state. To set an image to DELETED, you must include its underlying
  resources."
- `exclusionRules.amis` (isPublic, regions, sharedAccounts, lastLaunched,
  tagMap): "Matching AMIs and their snapshots are skipped. ... If the target
  state is DELETED and any resource was skipped, the Image Builder image
  resource itself is also retained. For the DEPRECATED and DISABLED target
  states, Image Builder updates the image resource's state regardless of
  exclusions."
- `updateAt`: "valid only when the target status is DEPRECATED, and the value
  must be a future time ... included AMIs get their EC2 deprecation time set
  immediately, and Image Builder schedules the image resource to transition
  to DEPRECATED at that time."
- "If the request includes underlying resources, or schedules the update ...
  in the future, Image Builder runs the update as an asynchronous lifecycle
  execution and returns its identifier. Otherwise, for target states other
  than DELETED, the state change applies immediately." "If a request that
  starts a lifecycle execution arrives while the image already has one in
  progress, Image Builder rejects it" (`ResourceInUseException`).
- `clientToken` 1..64 characters; the same token returns the original
  response without running again, with other parameters
  `IdempotentParameterMismatchException`.

The actions go through the same moto EC2 state as `ec2_images.py`
(deprecation time, `disabled`, deregistration with its protection, snapshots
deleted), in every region of the image's `outputResources.amis`.
"""

import fnmatch
import json
import os
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Optional
from urllib.parse import unquote

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

ACCOUNT = DEFAULT_ACCOUNT_ID
STATES = ("AVAILABLE", "DEPRECATED", "DISABLED", "DELETED")
FROM_STATES = ("AVAILABLE", "DEPRECATED", "DISABLED", "FAILED", "CANCELLED")
ACTIONS = {"AVAILABLE": "AVAILABLE", "DEPRECATED": "DEPRECATE", "DISABLED": "DISABLE", "DELETED": "DELETE"}
# The EC2 actions each target state needs on an AMI (and on a snapshot).
EC2_ACTIONS = {
    "AVAILABLE": ("ec2:EnableImage", "ec2:DisableImageDeprecation"),
    "DEPRECATED": ("ec2:EnableImageDeprecation",),
    "DISABLED": ("ec2:DisableImage",),
    "DELETED": ("ec2:DeregisterImage",),
}
IMAGE_ARN = re.compile(r"^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):image/[a-z0-9-_]+/"
                       r"[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$")
EXECUTION_ID = re.compile(r"^lce-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ROLE = re.compile(r"^(?:arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/)?[a-zA-Z_0-9+=,.@\-_/]+$")
LIFECYCLE_POLICY = "arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy"
UNITS = {"DAYS": 1, "WEEKS": 7, "MONTHS": 30, "YEARS": 365}

_EXECUTIONS: dict[str, dict] = {}  # lifecycleExecutionId -> execution
_TOKENS: dict[str, tuple] = {}  # clientToken -> (request, response)


def _ib():
    from . import imagebuilder

    return imagebuilder


def _error(status: int, code: str, message: str):
    return _ib().ApiError(status, code, message)


def _invalid(message: str):
    return _error(400, "InvalidRequestException", message)


def _seconds() -> float:
    try:
        return float(os.environ.get("AMIBOARD_EMULATOR_LIFECYCLE_SECONDS", "0.5"))
    except ValueError:
        return 0.5


def _time(value) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"updateAt {value} is not a timestamp.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


# --- the execution role --------------------------------------------------------


def _role(name_or_arn: str):
    from moto.iam.models import iam_backends

    name = name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn.rsplit("/", 1)[-1]
    try:
        return iam_backends[ACCOUNT]["aws"].get_role(name)
    except Exception:
        return None


def _document(text) -> dict:
    if isinstance(text, dict):
        return text
    text = text or "{}"
    return json.loads(text if text.lstrip().startswith("{") else unquote(text))


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def trusts_image_builder(role) -> bool:
    """The role's trust policy lets imagebuilder.amazonaws.com sts:AssumeRole."""
    try:
        policy = _document(role.assume_role_policy_document)
    except Exception:
        return False
    for st in _listed(policy.get("Statement", [])):
        principal = st.get("Principal") or {}
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        if (st.get("Effect") == "Allow" and "imagebuilder.amazonaws.com" in services
                and any(a in ("sts:AssumeRole", "sts:*", "*") for a in _listed(st.get("Action", [])))):
            return True
    return False


def _statements(role) -> list:
    """Every statement of the role's attached (default version) and inline policies."""
    found = []
    for policy in role.managed_policies.values():
        for version in getattr(policy, "versions", []):
            if version.is_default_version:
                found += _listed(_document(version.document).get("Statement", []))
    for text in role.policies.values():
        found += _listed(_document(text).get("Statement", []))
    return found


def _conditions_hold(condition: dict, tags: dict) -> bool:
    """`StringEquals` on `aws:ResourceTag/<key>` (what the lifecycle policy
    uses on these actions); any other condition is not met."""
    for operator, pairs in (condition or {}).items():
        if operator != "StringEquals":
            return False
        for key, wanted in pairs.items():
            if not key.startswith("aws:ResourceTag/"):
                return False
            if tags.get(key[len("aws:ResourceTag/"):]) not in _listed(wanted):
                return False
    return True


def allowed(role, action: str, resource: str, tags: dict) -> bool:
    """IAM's answer for the role: an Allow matches and no Deny does."""
    allow = False
    for st in _statements(role):
        actions = _listed(st.get("Action", []))
        resources = _listed(st.get("Resource", "*"))
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in resources):
            continue
        if not _conditions_hold(st.get("Condition"), tags):
            continue
        if st.get("Effect") == "Deny":
            return False
        allow = allow or st.get("Effect") == "Allow"
    return allow


# --- StartResourceStateUpdate ------------------------------------------------------


def _validate(body: dict) -> tuple:
    ib = _ib()
    arn = body.get("resourceArn")
    if not arn or not IMAGE_ARN.match(arn):
        raise _invalid(f"The value supplied for parameter 'resourceArn' is not valid: {arn}. "
                       "It must be an image build version ARN.")
    with ib._LOCK:
        image = ib._IMAGES.get(arn)
    if image is None:
        raise _error(404, "ResourceNotFoundException", f"The image {arn} does not exist.")
    target = (body.get("state") or {}).get("status")
    if target not in STATES:
        raise _invalid(f"state.status must be one of {', '.join(STATES)}.")
    include = body.get("includeResources")
    role_name = body.get("executionRole")
    if bool(include) != bool(role_name):
        raise _invalid("executionRole and includeResources must be given together; neither is valid without the other.")
    include = include or {}
    if include.get("containers"):
        raise _invalid("includeResources.containers is valid only for container images; this image is an AMI image.")
    if include.get("snapshots") and target != "DELETED":
        raise _invalid("includeResources.snapshots is valid only for the DELETED state.")
    if target == "DELETED" and not include.get("amis"):
        raise _invalid("To set an image to DELETED, you must include its underlying resources (includeResources.amis).")
    if body.get("exclusionRules") and not include.get("amis"):
        raise _invalid("exclusionRules take effect only when the request includes AMIs (includeResources.amis).")
    update_at = _time(body.get("updateAt"))
    if update_at is not None:
        if target != "DEPRECATED":
            raise _invalid("updateAt is valid only when the target status is DEPRECATED.")
        if update_at <= time.time():
            raise _invalid("updateAt must be a future time.")
    token = body.get("clientToken")
    if token is not None and not 1 <= len(str(token)) <= 64:
        raise _invalid("clientToken must be 1 to 64 characters long.")
    role = None
    if role_name:
        if not ROLE.match(role_name) or len(role_name) > 2048:
            raise _invalid(f"The value supplied for parameter 'executionRole' is not valid: {role_name}.")
        role = _role(role_name)
        if role is None or not trusts_image_builder(role):
            raise _invalid(f"Image Builder can't assume the execution role {role_name}: it does not exist or "
                           "does not trust imagebuilder.amazonaws.com.")
    status = image["state"]["status"]
    if status not in FROM_STATES:
        raise _invalid(f"The image {arn} is {status}; its state can be updated only from "
                       f"{', '.join(FROM_STATES)}.")
    if status in ("FAILED", "CANCELLED") and target != "DELETED":
        raise _invalid(f"The image {arn} is {status}: it can transition only to DELETED.")
    return image, target, include, role, update_at


def start_resource_state_update(region: str, body: dict) -> dict:
    ib = _ib()
    token = body.get("clientToken")
    request = json.dumps({k: v for k, v in body.items() if k != "clientToken"}, sort_keys=True, default=str)
    with ib._LOCK:
        if token is not None and str(token) in _TOKENS:
            seen, answer = _TOKENS[str(token)]
            if seen != request:
                raise _error(400, "IdempotentParameterMismatchException",
                             f"The client token {token} was used with other parameters.")
            return dict(answer)
    image, target, include, role, update_at = _validate(body)
    arn = image["arn"]
    with ib._LOCK:
        busy = [e for e in _EXECUTIONS.values()
                if e["resourceArn"] == arn and e["state"]["status"] in ("PENDING", "IN_PROGRESS")]
        if busy:
            raise _error(400, "ResourceInUseException",
                         f"The image {arn} already has a lifecycle execution in progress "
                         f"({busy[0]['lifecycleExecutionId']}).")
        answer: dict = {"resourceArn": arn}
        if include.get("amis") or update_at is not None:
            execution = _new_execution(arn, target, include, role, update_at, body.get("exclusionRules") or {})
            answer["lifecycleExecutionId"] = execution["lifecycleExecutionId"]
            image["lifecycleExecutionId"] = execution["lifecycleExecutionId"]
        else:  # the image resource alone, at once
            _set_image_state(image, target, None)
        if token is not None:
            _TOKENS[str(token)] = (request, dict(answer, clientToken=str(token)))
            answer["clientToken"] = str(token)
    if "lifecycleExecutionId" in answer:
        threading.Thread(target=_run, args=(answer["lifecycleExecutionId"],), daemon=True).start()
    return answer


def _new_execution(arn, target, include, role, update_at, exclusions) -> dict:
    execution_id = f"lce-{uuid.uuid4()}"
    execution = {
        "lifecycleExecutionId": execution_id,
        "resourceArn": arn,
        "target": target,
        "include": include,
        "role": role,
        "updateAt": update_at,
        "exclusions": exclusions.get("amis") or {},
        "state": {"status": "PENDING"},
        "startTime": time.time(),
        "resources": [],
    }
    _EXECUTIONS[execution_id] = execution
    return execution


def _set_image_state(image: dict, target: str, at: Optional[float]) -> None:
    if target == "DEPRECATED":
        image["deprecationTime"] = at if at is not None else time.time()
    elif target == "AVAILABLE":
        image.pop("deprecationTime", None)
    image["state"] = {"status": target}


# --- the execution ---------------------------------------------------------------


def _ami_arn(region: str, ami_id: str) -> str:
    return f"arn:aws:ec2:{region}::image/{ami_id}"


def _excluded(region: str, ami, rules: dict) -> str:
    """Why an exclusion rule skips this AMI, or ""."""
    from . import ec2_images

    if rules.get("isPublic") and ami.is_public:
        return "excluded: the AMI is public (exclusionRules.amis.isPublic)"
    if region in (rules.get("regions") or []):
        return f"excluded: the AMI is in {region} (exclusionRules.amis.regions)"
    shared = {p.get("UserId") for p in ami.launch_permissions}
    if shared & set(rules.get("sharedAccounts") or []):
        return "excluded: the AMI is shared with an excluded account (exclusionRules.amis.sharedAccounts)"
    last = rules.get("lastLaunched")
    launched = ec2_images._parse_time(getattr(ami, "last_launched_time", None))
    if last and launched is not None:
        window = timedelta(days=int(last.get("value", 0)) * UNITS.get(last.get("unit"), 1))
        if launched >= datetime.now(timezone.utc) - window:
            return "excluded: the AMI was launched within the lastLaunched period (exclusionRules.amis.lastLaunched)"
    tags = dict(ec2_backends[ACCOUNT][region].tags.get(ami.id) or {})
    for key, value in (rules.get("tagMap") or {}).items():
        if tags.get(key) == value:
            return f"excluded: the AMI has the tag {key}={value} (exclusionRules.amis.tagMap)"
    return ""


def _tags(backend, resource_id: str) -> dict:
    return dict(backend.tags.get(resource_id) or {})


def _denied(role, action: str, resource: str, tags: dict) -> str:
    if allowed(role, action, resource, tags):
        return ""
    return (f"The execution role {role.name} is not authorized to perform {action} on {resource} "
            "(UnauthorizedOperation).")


def _apply(execution: dict, region: str, ami_id: str) -> dict:
    """The lifecycle action on one AMI (and its snapshot): the resource entry."""
    from . import ec2_images

    target, include, role = execution["target"], execution["include"], execution["role"]
    entry = {"accountId": ACCOUNT, "resourceId": ami_id, "region": region, "startTime": time.time(),
             "action": {"name": ACTIONS[target], "reason": "Requested by StartResourceStateUpdate"},
             "state": {"status": "IN_PROGRESS"}}
    backend = ec2_backends[ACCOUNT][region]
    ami = backend.amis.get(ami_id)
    snapshot = getattr(ami, "ebs_snapshot", None) if ami is not None else None
    wants_snapshots = target == "DELETED" and include.get("snapshots")

    def end(status: str, reason: str, snap_status: Optional[str] = None, snap_reason: str = "") -> dict:
        entry["state"] = {"status": status, **({"reason": reason} if reason else {})}
        if snapshot is not None and wants_snapshots:
            entry["snapshots"] = [{"snapshotId": snapshot.id, "state": {
                "status": snap_status or status, **({"reason": snap_reason or reason} if (snap_reason or reason) else {})}}]
        entry["endTime"] = time.time()
        return entry

    if ami is None:
        return end("SKIPPED", f"The AMI {ami_id} no longer exists in {region}.")
    why = _excluded(region, ami, execution["exclusions"])
    if why:
        return end("SKIPPED", why)
    tags = _tags(backend, ami_id)
    for action in EC2_ACTIONS[target]:
        denied = _denied(role, action, _ami_arn(region, ami_id), tags)
        if denied:
            return end("FAILED", denied)
    if target == "DEPRECATED":
        at = execution["updateAt"] or time.time()
        when = datetime.fromtimestamp(at, timezone.utc)
        ami.deprecation_time = ec2_images.iso((when + timedelta(seconds=30)).replace(second=0, microsecond=0))
        return end("SUCCESS", "")
    if target == "DISABLED":
        ec2_images.disable(region, ami)
        return end("SUCCESS", "")
    if target == "AVAILABLE":
        ec2_images.enable(region, ami)
        ami.deprecation_time = None
        return end("SUCCESS", "")
    refusal = ec2_images.deregistration_refusal(region, ami)
    if refusal is not None:
        return end("FAILED", f"DeregisterImage failed: {refusal.error_type}: {refusal.message}",
                   "SKIPPED", "The AMI was not deregistered.")
    snap_status, snap_reason = None, ""
    if wants_snapshots and snapshot is not None:
        denied = _denied(role, "ec2:DeleteSnapshot", f"arn:aws:ec2:{region}::snapshot/{snapshot.id}",
                         _tags(backend, snapshot.id))
        if denied:
            snap_status, snap_reason = "FAILED", denied
    results = ec2_images.deregister(region, ami, bool(wants_snapshots) and snap_status is None)
    if results and results[0]["ReturnCode"] == "skipped":
        snap_status, snap_reason = "SKIPPED", "The snapshot is used by another AMI."
    if snap_status == "FAILED":
        return end("FAILED", "The AMI was deregistered; its snapshot was not deleted.", snap_status, snap_reason)
    return end("SUCCESS", "", snap_status, snap_reason)


def _run(execution_id: str) -> None:
    ib = _ib()
    with ib._LOCK:
        execution = _EXECUTIONS[execution_id]
        image = ib._IMAGES[execution["resourceArn"]]
        amis = list((image.get("outputResources") or {}).get("amis") or [])
    time.sleep(_seconds() / 2)
    with ib._LOCK:
        execution["state"] = {"status": "IN_PROGRESS"}
    time.sleep(_seconds() / 2)
    target = execution["target"]
    resources = []
    if execution["include"].get("amis"):
        for ami in amis:
            resources.append(_apply(execution, ami["region"], ami["image"]))
    failed = [r for r in resources if r["state"]["status"] == "FAILED"]
    skipped = [r for r in resources if r["state"]["status"] == "SKIPPED"]
    with ib._LOCK:
        execution["resources"] = resources
        image_entry = {"accountId": ACCOUNT, "resourceId": image["arn"], "region": image["arn"].split(":")[3],
                       "startTime": execution["startTime"],
                       "action": {"name": ACTIONS[target], "reason": "Requested by StartResourceStateUpdate"}}
        if failed:
            image_entry["state"] = {"status": "FAILED", "reason": f"{len(failed)} of its AMIs failed."}
        elif target == "DELETED" and skipped:
            image_entry["state"] = {"status": "SKIPPED",
                                    "reason": "Retained: some of its resources were skipped."}
        else:
            image_entry["state"] = {"status": "SUCCESS"}
            if execution["updateAt"] is not None:
                image["deprecationTime"] = execution["updateAt"]
                _later(execution["updateAt"] - time.time(), image, target, execution["updateAt"])
            else:
                _set_image_state(image, target, None)
        image_entry["endTime"] = time.time()
        execution["imageResource"] = image_entry
        execution["endTime"] = time.time()
        if failed:
            reasons = "; ".join(f"{r['resourceId']} ({r['region']}): {r['state'].get('reason', '')}" for r in failed)
            execution["state"] = {"status": "FAILED", "reason": reasons[:1024]}
        else:
            execution["state"] = {"status": "SUCCESS"}


def _later(seconds: float, image: dict, target: str, at: float) -> None:
    def flip():
        with _ib()._LOCK:
            _set_image_state(image, target, at)

    timer = threading.Timer(max(seconds, 0.0), flip)
    timer.daemon = True
    timer.start()


# --- reads ---------------------------------------------------------------------------


def _execution(execution_id: Optional[str]) -> dict:
    if not execution_id or not EXECUTION_ID.match(execution_id):
        raise _invalid(f"The value supplied for parameter 'lifecycleExecutionId' is not valid: {execution_id}.")
    found = _EXECUTIONS.get(execution_id)
    if found is None:
        raise _error(404, "ResourceNotFoundException", f"The lifecycle execution {execution_id} does not exist.")
    return found


def _summary(execution: dict) -> dict:
    answer = {
        "lifecycleExecutionId": execution["lifecycleExecutionId"],
        "resourcesImpactedSummary": {"hasImpactedResources": bool(execution["resources"]) or
                                     execution["state"]["status"] in ("PENDING", "IN_PROGRESS")},
        "state": dict(execution["state"]),
        "startTime": execution["startTime"],
    }
    if execution.get("endTime"):
        answer["endTime"] = execution["endTime"]
    return answer


def get_lifecycle_execution(execution_id: Optional[str]) -> dict:
    with _ib()._LOCK:
        return {"lifecycleExecution": json.loads(json.dumps(_summary(_execution(execution_id))))}


def list_lifecycle_execution_resources(body: dict) -> dict:
    ib = _ib()
    with ib._LOCK:
        execution = _execution(body.get("lifecycleExecutionId"))
        parent = body.get("parentResourceId")
        if parent is None:
            listed = [execution["imageResource"]] if execution.get("imageResource") else []
        elif parent == execution["resourceArn"]:
            listed = list(execution["resources"])
        else:
            listed = []
        listed = json.loads(json.dumps(listed))
        state = dict(execution["state"])
    limit = body.get("maxResults", 25)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise _invalid("maxResults must be between 1 and 100.")
    key = f"{execution['lifecycleExecutionId']}/{parent}"
    start = ib._page_offset(body.get("nextToken"), key)
    answer = {"lifecycleExecutionId": execution["lifecycleExecutionId"], "lifecycleExecutionState": state,
              "resources": listed[start:start + limit]}
    if start + limit < len(listed):
        answer["nextToken"] = ib._page_token(start + limit, key)
    return answer


def list_lifecycle_executions(body: dict) -> dict:
    ib = _ib()
    arn = body.get("resourceArn")
    if not arn or not (IMAGE_ARN.match(arn) or ":lifecycle-policy/" in arn):
        raise _invalid("resourceArn must be a lifecycle policy ARN or an image build version ARN.")
    with ib._LOCK:
        listed = [_summary(e) for e in _EXECUTIONS.values() if e["resourceArn"] == arn]
    limit = body.get("maxResults", 25)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise _invalid("maxResults must be between 1 and 100.")
    start = ib._page_offset(body.get("nextToken"), arn)
    answer = {"lifecycleExecutions": json.loads(json.dumps(listed[start:start + limit]))}
    if start + limit < len(listed):
        answer["nextToken"] = ib._page_token(start + limit, arn)
    return answer


def route(op: str, region: str, query: dict, body: dict) -> Optional[dict]:
    """The answer to a lifecycle operation, or None for another operation."""
    if op == "StartResourceStateUpdate":
        return start_resource_state_update(region, body)
    if op == "GetLifecycleExecution":
        return get_lifecycle_execution((query.get("lifecycleExecutionId") or [None])[0])
    if op == "ListLifecycleExecutionResources":
        return list_lifecycle_execution_resources(body)
    if op == "ListLifecycleExecutions":
        return list_lifecycle_executions(body)
    return None
