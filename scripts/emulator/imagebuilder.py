"""A minimal EC2 Image Builder for the emulator (moto 5.1.22 has none).

Served from moto's own server: requests signed for `imagebuilder` are routed
here (see `install`). What it does, as the service documents it:

- CreateImageRecipe / GetImageRecipe, CreateInfrastructureConfiguration,
  CreateDistributionConfiguration, CreateImagePipeline / GetImagePipeline /
  ListImagePipelines, TagResource / ListTagsForResource.
- StartImagePipelineExecution and CreateImage (idempotent on clientToken)
  create an image that moves BUILDING -> TESTING -> DISTRIBUTING -> AVAILABLE
  over `build_seconds` (env AMIBOARD_EMULATOR_BUILD_SECONDS, default 2, or the
  pipeline tag `emulator:build-seconds`). On DISTRIBUTING a real AMI is
  registered in moto's EC2 in each distribution region (tagged like Image
  Builder tags them), so DescribeImages and RunInstances find it.
- When the image ends, Image Builder's message (the image, as GetImage gives
  it) goes to the infrastructure configuration's SNS topic, and each AMI's
  EC2 "AMI State Change" event goes through EventBridge (`ec2_tasks.emit`).
- With scanning enabled, the image's scanState goes PENDING -> SCANNING ->
  COMPLETED after it is AVAILABLE; ListImageScanFindingAggregations gives its
  severity counts (deterministic from the image ARN).
- GetImage, ListImages, ListImagePipelineImages.

Failure injection, by tags on the pipeline or the recipe (value N: the
first N occurrences fail, counted per pipeline, or per recipe without one):
"""

import hashlib
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import parse_qs, unquote

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.sns.models import sns_backends

FAILURE_TAGS = {
    "emulator:fail-builds": "the build ends FAILED with a reason",
    "emulator:error-starts": "StartImagePipelineExecution/CreateImage answer HTTP 500",
    "emulator:fail-smoke-tests": "Run Command invocations on the image's instances fail",
    "emulator:critical-findings": "the image's scan finds 2 critical vulnerabilities",
    "emulator:fail-scans": "the image's scan ends FAILED",
    "emulator:hang-builds": "the build stays BUILDING and never ends (checked when fail-builds does not fail it)",
    "emulator:fail-patch-builds": "a patch build (CreateImage from a recipe whose parent is an AMI of the pipeline) "
                                  "ends FAILED, counted per the parent AMI's pipeline",
    "emulator:hang-patch-builds": "such a patch build stays BUILDING and never ends",
    "emulator:hang-scans": "the image's scan stays SCANNING and never ends (checked when fail-scans does not fail it)",
    "emulator:hang-smoke-tests": "Run Command invocations on the image's instances stay InProgress",
    "emulator:fail-exports": "ExportImage tasks of the image's AMIs end deleted with a status message",
    "emulator:hang-exports": "ExportImage tasks of the image's AMIs stay active",
    "emulator:fail-backups": "CreateStoreImageTask tasks of the image's AMIs end Failed with a reason",
    "emulator:hang-backups": "CreateStoreImageTask tasks of the image's AMIs stay InProgress",
}
__doc__ += "".join(f"\n- `{k}`: {v}" for k, v in FAILURE_TAGS.items()) + "\n"

ACCOUNT = DEFAULT_ACCOUNT_ID
_LOCK = threading.RLock()
_RECIPES: dict[str, dict] = {}
_INFRAS: dict[str, dict] = {}
_DISTS: dict[str, dict] = {}
_PIPELINES: dict[str, dict] = {}
_IMAGES: dict[str, dict] = {}
_TOKENS: dict[str, str] = {}  # clientToken -> image ARN
_BUILDS: dict[str, int] = {}  # "name/version" -> last build number
_COUNTS: dict[tuple, int] = {}  # (owner ARN, failure tag) -> occurrences
_AMI_IMAGES: dict[str, str] = {}  # AMI id -> image ARN


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _arn(region: str, kind: str, *parts: str) -> str:
    return f"arn:aws:imagebuilder:{region}:{ACCOUNT}:{kind}/" + "/".join(parts)


def _lookup(table: dict, arn: str, what: str) -> dict:
    if arn not in table:
        raise ApiError(404, "ResourceNotFoundException", f"The {what} {arn} does not exist.")
    return table[arn]


# --- failure injection -------------------------------------------------------


def _failure_owner(image: dict) -> str:
    return image.get("sourcePipelineArn") or image["imageRecipe"]["arn"]


def _failure_tags(image: dict) -> dict:
    tags = dict(_RECIPES.get(image["imageRecipe"]["arn"], {}).get("tags", {}))
    tags.update(_PIPELINES.get(image.get("sourcePipelineArn") or "", {}).get("tags", {}))
    return tags


def take_failure(owner: str, tags: dict, tag: str) -> bool:
    """Whether this occurrence of `tag`'s work fails: true for the first N."""
    try:
        limit = int(tags.get(tag, "0"))
    except ValueError:
        limit = 0
    with _LOCK:
        seen = _COUNTS.get((owner, tag), 0)
        _COUNTS[(owner, tag)] = seen + 1
    return seen < limit


def _parent_source(image: dict) -> Optional[tuple]:
    """For a patch build (an image whose recipe's parent is an AMI this
    emulator built): the failure owner and tags of the pipeline the parent
    AMI came from, through any earlier patches."""
    seen = set()
    parent = _IMAGES.get(_AMI_IMAGES.get(image["imageRecipe"].get("parentImage") or "", ""))
    while parent is not None and parent["arn"] not in seen:
        seen.add(parent["arn"])
        if parent.get("sourcePipelineArn"):
            return _failure_owner(parent), _failure_tags(parent)
        parent = _IMAGES.get(_AMI_IMAGES.get(parent["imageRecipe"].get("parentImage") or "", ""))
    return None


def image_failure_for_ami(ami_id: str, tag: str) -> bool:
    """For other services' work on an AMI this emulator built (smoke tests)."""
    image = _IMAGES.get(_AMI_IMAGES.get(ami_id, ""))
    if image is None:
        return False
    return take_failure(_failure_owner(image), _failure_tags(image), tag)


# --- resources ---------------------------------------------------------------


def create_image_recipe(region: str, body: dict) -> dict:
    arn = _arn(region, "image-recipe", body["name"].lower(), body["semanticVersion"])
    with _LOCK:
        if arn in _RECIPES:
            raise ApiError(409, "ResourceAlreadyExistsException", f"{arn} already exists.")
        _RECIPES[arn] = {
            "arn": arn,
            "type": "AMI",
            "name": body["name"],
            "description": body.get("description"),
            "platform": "Linux",
            "owner": ACCOUNT,
            "version": body["semanticVersion"],
            "components": body.get("components", []),
            "parentImage": body.get("parentImage"),
            "dateCreated": now_iso(),
            "tags": body.get("tags", {}),
            "amiTags": body.get("amiTags", {}),
        }
    return {"clientToken": body.get("clientToken"), "imageRecipeArn": arn}


def _create_simple(table: dict, kind: str, field: str, region: str, body: dict) -> dict:
    arn = _arn(region, kind, body["name"].lower())
    with _LOCK:
        if arn in table:
            raise ApiError(409, "ResourceAlreadyExistsException", f"{arn} already exists.")
        table[arn] = dict(body, arn=arn, dateCreated=now_iso(), tags=body.get("tags", {}))
        table[arn].pop("clientToken", None)
    return {"clientToken": body.get("clientToken"), field: arn}


def create_image_pipeline(region: str, body: dict) -> dict:
    _lookup(_RECIPES, body["imageRecipeArn"], "image recipe")
    _lookup(_INFRAS, body["infrastructureConfigurationArn"], "infrastructure configuration")
    if body.get("distributionConfigurationArn"):
        _lookup(_DISTS, body["distributionConfigurationArn"], "distribution configuration")
    body = dict(body, status=body.get("status", "ENABLED"))
    return _create_simple(_PIPELINES, "image-pipeline", "imagePipelineArn", region, body)


def tag_resource(arn: str, body: dict) -> dict:
    with _LOCK:
        for table in (_RECIPES, _INFRAS, _DISTS, _PIPELINES, _IMAGES):
            if arn in table:
                table[arn].setdefault("tags", {}).update(body.get("tags", {}))
                return {}
    raise ApiError(404, "ResourceNotFoundException", f"{arn} does not exist.")


def list_tags(arn: str) -> dict:
    for table in (_RECIPES, _INFRAS, _DISTS, _PIPELINES, _IMAGES):
        if arn in table:
            return {"tags": table[arn].get("tags", {})}
    raise ApiError(404, "ResourceNotFoundException", f"{arn} does not exist.")


# --- images ------------------------------------------------------------------


def _build_seconds(tags: dict) -> float:
    import os

    try:
        return float(tags.get("emulator:build-seconds") or os.environ.get("AMIBOARD_EMULATOR_BUILD_SECONDS", "2"))
    except ValueError:
        return 2.0


def create_image(region: str, body: dict, pipeline: Optional[dict]) -> dict:
    """StartImagePipelineExecution (with `pipeline`) and CreateImage."""
    token = body.get("clientToken") or str(uuid.uuid4())
    with _LOCK:
        if token in _TOKENS:  # the same request again: the same image
            return {"clientToken": token, "imageBuildVersionArn": _TOKENS[token]}
    source = pipeline or body
    recipe = _lookup(_RECIPES, source["imageRecipeArn"], "image recipe")
    infra = _lookup(_INFRAS, source["infrastructureConfigurationArn"], "infrastructure configuration")
    dist = _DISTS.get(source.get("distributionConfigurationArn") or "")
    tags = dict(recipe.get("tags", {}))
    tags.update((pipeline or {}).get("tags", {}))
    owner = pipeline["arn"] if pipeline else recipe["arn"]
    if take_failure(owner, tags, "emulator:error-starts"):
        raise ApiError(500, "ServiceException", "Image Builder had an internal error (emulator:error-starts).")
    with _LOCK:
        key = f"{recipe['name'].lower()}/{recipe['version']}"
        build = _BUILDS.get(key, 0) + 1
        _BUILDS[key] = build
        arn = _arn(region, "image", recipe["name"].lower(), recipe["version"], str(build))
        scanning = source.get("imageScanningConfiguration") or {}
        image = {
            "arn": arn,
            "type": "AMI",
            "name": recipe["name"],
            "version": f"{recipe['version']}/{build}",
            "platform": "Linux",
            "osVersion": "Amazon Linux 2023",
            "state": {"status": "PENDING"},
            "imageRecipe": {k: v for k, v in recipe.items() if k not in ("tags",)},
            "infrastructureConfiguration": {k: v for k, v in infra.items() if k != "tags"},
            "dateCreated": now_iso(),
            "outputResources": {"amis": []},
            "tags": dict(body.get("tags") or {}),
            "buildType": "USER_INITIATED",
            "imageSource": "CUSTOM",
            "imageScanningConfiguration": {"imageScanningEnabled": bool(scanning.get("imageScanningEnabled"))},
            "enhancedImageMetadataEnabled": True,
        }
        if dist:
            image["distributionConfiguration"] = {k: v for k, v in dist.items() if k != "tags"}
        if pipeline:
            image["sourcePipelineArn"] = pipeline["arn"]
            image["sourcePipelineName"] = pipeline["name"]
        _IMAGES[arn] = image
        _TOKENS[token] = arn
    threading.Thread(target=_run_build, args=(region, arn, _build_seconds(tags)), daemon=True).start()
    return {"clientToken": token, "imageBuildVersionArn": arn}


def _set_status(arn: str, status: str, reason: Optional[str] = None) -> None:
    with _LOCK:
        _IMAGES[arn]["state"] = {"status": status, **({"reason": reason} if reason else {})}


def _run_build(region: str, arn: str, seconds: float) -> None:
    """The build's life: each phase takes a quarter of `seconds`."""
    step = max(seconds, 0.0) / 4
    image = _IMAGES[arn]
    owner, tags = _failure_owner(image), _failure_tags(image)
    _set_status(arn, "BUILDING")
    time.sleep(step)
    if take_failure(owner, tags, "emulator:fail-builds"):
        reason = "Image build failed: component execution returned exit code 1 (emulator:fail-builds)"
        _set_status(arn, "FAILED", reason)
        _announce(region, arn)
        return
    if take_failure(owner, tags, "emulator:hang-builds"):
        return  # stays BUILDING: the workflow's rounds run out
    parent = _parent_source(image)
    if parent and take_failure(parent[0], parent[1], "emulator:fail-patch-builds"):
        reason = "Image build failed: update component returned exit code 1 (emulator:fail-patch-builds)"
        _set_status(arn, "FAILED", reason)
        _announce(region, arn)
        return
    if parent and take_failure(parent[0], parent[1], "emulator:hang-patch-builds"):
        return  # stays BUILDING
    _set_status(arn, "TESTING")
    time.sleep(step)
    _set_status(arn, "DISTRIBUTING")
    amis = _register_amis(region, image)
    time.sleep(step)
    with _LOCK:
        image["outputResources"] = {"amis": amis}
    _set_status(arn, "AVAILABLE")
    _announce(region, arn)
    from . import ec2_tasks

    for ami in amis:
        ec2_tasks.ami_state_change(ami["region"], ami["image"], "available")
    if image["imageScanningConfiguration"]["imageScanningEnabled"]:
        _scan(arn, step, owner, tags)


def _register_amis(region: str, image: dict) -> list:
    """One real AMI in moto's EC2 per distribution region."""
    dist = image.get("distributionConfiguration") or {}
    regions = [d.get("region", region) for d in dist.get("distributions", [])] or [region]
    name = f"{image['name']} {image['version'].replace('/', '-')} {int(time.time())}"
    amis = []
    for ami_region in regions:
        backend = ec2_backends[ACCOUNT][ami_region]
        ami = backend.register_image(name=name, description=f"Built by EC2 Image Builder: {image['arn']}")
        tags = {"CreatedBy": "EC2 Image Builder", "Ec2ImageBuilderArn": image["arn"]}
        tags.update(image["imageRecipe"].get("amiTags") or {})
        backend.create_tags([ami.id], tags)
        _AMI_IMAGES[ami.id] = image["arn"]
        amis.append({"region": ami_region, "image": ami.id, "name": name, "accountId": ACCOUNT})
    return amis


def _scan(arn: str, step: float, owner: str, tags: dict) -> None:
    image = _IMAGES[arn]
    image["scanState"] = {"status": "PENDING"}
    failed = take_failure(owner, tags, "emulator:fail-scans")
    critical = 2 if take_failure(owner, tags, "emulator:critical-findings") else 0
    hung = not failed and take_failure(owner, tags, "emulator:hang-scans")
    time.sleep(step / 2)
    image["scanState"] = {"status": "SCANNING"}
    if hung:
        return  # stays SCANNING: the workflow's rounds run out
    time.sleep(step / 2)
    if failed:
        image["scanState"] = {"status": "FAILED", "reason": "Amazon Inspector could not scan the image (emulator:fail-scans)"}
        return
    digest = int(hashlib.sha256(arn.encode()).hexdigest(), 16)
    high, medium, low = digest % 3, (digest >> 8) % 7, (digest >> 16) % 12
    image["findings"] = {"all": critical + high + medium + low, "critical": critical, "high": high, "medium": medium}
    image["scanState"] = {"status": "COMPLETED"}


def _announce(region: str, arn: str) -> None:
    """Image Builder's message on the infrastructure configuration's topic."""
    image = _IMAGES[arn]
    topic = image["infrastructureConfiguration"].get("snsTopicArn")
    if not topic:
        return
    try:
        sns_backends[ACCOUNT][topic.split(":")[3]].publish(message=json.dumps(_public(image)), arn=topic)
    except Exception as err:  # a deleted topic: Image Builder drops the message too
        print(f"emulator: Image Builder message to {topic} not sent: {err}")


def _public(image: dict) -> dict:
    return {k: v for k, v in image.items() if k != "findings"}


def get_image(arn: str) -> dict:
    with _LOCK:
        return {"image": json.loads(json.dumps(_public(_lookup(_IMAGES, arn, "image"))))}


def _summary(image: dict) -> dict:
    keys = ("arn", "name", "type", "version", "platform", "osVersion", "state", "dateCreated",
            "outputResources", "tags", "buildType", "imageSource")
    return dict({k: image[k] for k in keys if k in image}, owner=ACCOUNT)


def list_images(body: dict) -> dict:
    with _LOCK:
        return {"imageVersionList": [_summary(i) for i in _IMAGES.values()]}


def list_pipeline_images(body: dict) -> dict:
    arn = body.get("imagePipelineArn")
    _lookup(_PIPELINES, arn, "image pipeline")
    with _LOCK:
        return {"imageSummaryList": [_summary(i) for i in _IMAGES.values() if i.get("sourcePipelineArn") == arn]}


def list_scan_aggregations(body: dict) -> dict:
    """Only the filter the workflows use: imageBuildVersionArn."""
    flt = body.get("filter") or {}
    if flt.get("name") != "imageBuildVersionArn":
        raise ApiError(400, "InvalidRequestException", "The emulator filters by imageBuildVersionArn only.")
    responses = []
    for arn in flt.get("values", []):
        findings = _lookup(_IMAGES, arn, "image").get("findings")
        if findings is not None:
            responses.append({"imageAggregation": {"imageBuildVersionArn": arn, "severityCounts": findings}})
    return {"aggregationType": "IMAGE", "responses": responses}


# --- HTTP --------------------------------------------------------------------


def _route(method: str, path: str, region: str, query: dict, body: dict) -> dict:
    if path.startswith("/tags/"):
        arn = unquote(path[len("/tags/"):])
        return tag_resource(arn, body) if method == "POST" else list_tags(arn)
    one = lambda name: (query.get(name) or [None])[0]  # noqa: E731
    op = path.strip("/")
    if op == "CreateImageRecipe":
        return create_image_recipe(region, body)
    if op == "GetImageRecipe":
        return {"imageRecipe": _lookup(_RECIPES, one("imageRecipeArn"), "image recipe")}
    if op == "CreateInfrastructureConfiguration":
        return _create_simple(_INFRAS, "infrastructure-configuration", "infrastructureConfigurationArn", region, body)
    if op == "CreateDistributionConfiguration":
        return _create_simple(_DISTS, "distribution-configuration", "distributionConfigurationArn", region, body)
    if op == "CreateImagePipeline":
        return create_image_pipeline(region, body)
    if op == "GetImagePipeline":
        return {"imagePipeline": _lookup(_PIPELINES, one("imagePipelineArn"), "image pipeline")}
    if op == "ListImagePipelines":
        return {"imagePipelineList": list(_PIPELINES.values())}
    if op == "StartImagePipelineExecution":
        pipeline = _lookup(_PIPELINES, body.get("imagePipelineArn"), "image pipeline")
        if pipeline.get("status") == "DISABLED":
            raise ApiError(400, "InvalidRequestException", f"The pipeline {pipeline['arn']} is disabled.")
        return create_image(region, body, pipeline)
    if op == "CreateImage":
        return create_image(region, body, None)
    if op == "GetImage":
        return get_image(one("imageBuildVersionArn"))
    if op == "ListImages":
        return list_images(body)
    if op == "ListImagePipelineImages":
        return list_pipeline_images(body)
    if op == "ListImageScanFindingAggregations":
        return list_scan_aggregations(body)
    raise ApiError(400, "InvalidRequestException", f"The emulator's Image Builder has no {op}.")


def handle(environ: dict, start_response: Any, region: str) -> list:
    """The WSGI handler for one Image Builder request."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw) if raw else {}
        query = parse_qs(environ.get("QUERY_STRING", ""))
        result = dict(_route(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), region, query, body))
        result.setdefault("requestId", str(uuid.uuid4()))
        status, headers = "200 OK", []
    except ApiError as err:
        result = {"message": err.message}
        status, headers = f"{err.status} Error", [("x-amzn-ErrorType", err.code)]
    except (KeyError, ValueError, TypeError) as err:
        result = {"message": f"invalid request: {err}"}
        status, headers = "400 Bad Request", [("x-amzn-ErrorType", "InvalidParameterValueException")]
    data = json.dumps(result).encode()
    headers += [("x-amzn-RequestId", result.get("requestId") or str(uuid.uuid4()))]
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))] + headers)
    return [data]


def install() -> None:
    """Routes requests signed for `imagebuilder` to `handle`."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        try:
            _, _, region, service, _ = auth.split(",")[0].split()[1].split("/")
        except (IndexError, ValueError):
            service = region = ""
        if service == "imagebuilder":
            return handle(environ, start_response, region)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch
