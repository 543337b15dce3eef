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
  COMPLETED after it is AVAILABLE. Its findings (deterministic from the image
  ARN: 0-2 high, 0-6 medium, 0-11 low, and the critical ones of
  `emulator:critical-findings`) are listed by ListImageScanFindings in the
  documented `ImageScanFinding` shape, and counted by
  ListImageScanFindingAggregations (see `list_scan_aggregations` and
  `list_scan_findings` for the rules and their sources).
- GetImage, ListImages, ListImagePipelineImages.
- StartResourceStateUpdate, GetLifecycleExecution,
  ListLifecycleExecutionResources, ListLifecycleExecutions: routed to
  `imagebuilder_lifecycle` (deprecate, disable, delete, restore an image's
  AMIs and snapshots in every region, through `ec2_images`).
- The AMIs: one per distribution region, registered in that region's EC2 in
  the distribution's order. A distribution region whose
  `amiDistributionConfiguration.kmsKeyId` is set, or a recipe block device
  mapping with `ebs.encrypted` (and its `kmsKeyId`), gives AMIs whose EBS
  snapshots are encrypted ("kmsKeyId: the KMS key used to encrypt the
  distributed image", API_AmiDistributionConfiguration): DescribeImages shows
  `Ebs.Encrypted: true` (and `KmsKeyId`), DescribeSnapshots `Encrypted: true`.
  A recipe whose parent image is a Windows AMI or an Image Builder
  `windows-...` image gives `platform: Windows` images and AMIs with
  `Platform: windows`.

Settings and tags on the pipeline (or the recipe without one):
- `emulator:build-seconds` (env AMIBOARD_EMULATOR_BUILD_SECONDS, default 2).
- `emulator:no-findings = N`: the first N scans find nothing (zero counts,
  empty aggregation and findings lists).
- `emulator:end-builds-as = DEPRECATED|DISABLED|DELETED`: the first image
  built ends in that state instead of AVAILABLE, its AMIs as an Image Builder
  lifecycle rule that includes the AMIs leaves them
  (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html,
  API_LifecyclePolicyDetailAction): DEPRECATED sets the AMIs' deprecation
  time (they still launch), DISABLED disables them (EC2 state `disabled`),
  DELETED deregisters them and deletes their snapshots.
- Faults, counted per (pipeline, operation), for GetImage and
  ListImageScanFindings calls about the pipeline's images:
  `emulator:throttle-polls = N`: the first N answer HTTP 429
  `CallRateLimitExceededException`; then `emulator:server-error-polls = N`:
  the next N answer HTTP 503 `ServiceUnavailableException` (both modeled
  errors of these operations in botocore's model, with those status codes).

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
    "emulator:no-findings": "the image's scan finds nothing (counts 0, no findings, no aggregation)",
    "emulator:throttle-polls": "GetImage / ListImageScanFindings about the pipeline's images answer HTTP 429 "
                               "CallRateLimitExceededException (counted per pipeline and operation)",
    "emulator:server-error-polls": "then such calls answer HTTP 503 ServiceUnavailableException",
}
# Not a count: the state the first image built ends in (see the docstring).
END_STATES = ("DEPRECATED", "DISABLED", "DELETED")
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


def _platform(region: str, parent: Optional[str]) -> str:
    """Windows when the parent image is a Windows AMI or an Image Builder
    windows image (the recipe's platform comes from its parent image)."""
    parent = parent or ""
    if parent.startswith("arn:"):
        return "Windows" if "/windows" in parent.lower() else "Linux"
    if parent.startswith("ami-"):
        try:
            ami = ec2_backends[ACCOUNT][region].amis.get(parent)
        except Exception:
            ami = None
        if ami is not None and (ami.platform or "").lower() == "windows":
            return "Windows"
    return "Linux"


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
            "platform": _platform(region, body.get("parentImage")),
            "owner": ACCOUNT,
            "version": body["semanticVersion"],
            "components": body.get("components", []),
            "parentImage": body.get("parentImage"),
            "blockDeviceMappings": body.get("blockDeviceMappings", []),
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
            "platform": recipe.get("platform", "Linux"),
            "osVersion": "Microsoft Windows Server 2022" if recipe.get("platform") == "Windows" else "Amazon Linux 2023",
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
    end = _end_state(owner, tags)
    _set_status(arn, "AVAILABLE")
    from . import ec2_tasks

    for ami in amis:
        ec2_tasks.ami_state_change(ami["region"], ami["image"], "available")
    if end:
        _end_as(arn, end)  # EC2's disabled / deregistered events come from ec2_images
    _announce(region, arn)
    if image["imageScanningConfiguration"]["imageScanningEnabled"] and end != "DELETED":
        _scan(arn, step, owner, tags)


def _end_state(owner: str, tags: dict) -> Optional[str]:
    """`emulator:end-builds-as`: the state the pipeline's first image ends in."""
    state = str(tags.get("emulator:end-builds-as", "")).upper()
    if state not in END_STATES:
        return None
    with _LOCK:
        seen = _COUNTS.get((owner, "emulator:end-builds-as"), 0)
        _COUNTS[(owner, "emulator:end-builds-as")] = seen + 1
    return state if seen == 0 else None


def _end_as(arn: str, state: str) -> None:
    """What an Image Builder lifecycle rule that includes the AMIs does:
    DEPRECATED sets the image's and the AMIs' deprecation time, DISABLED
    disables the AMIs (EC2 DisableImage: state `disabled`), DELETED
    deregisters them and deletes their snapshots."""
    image = _IMAGES[arn]
    for ami in image["outputResources"]["amis"]:
        backend = ec2_backends[ACCOUNT][ami["region"]]
        found = backend.amis.get(ami["image"])
        if found is None:
            continue
        from . import ec2_images

        if state == "DEPRECATED":
            found.deprecation_time = ec2_images.iso(datetime.now(timezone.utc))
        elif state == "DISABLED":
            ec2_images.disable(ami["region"], found)
        else:
            ec2_images.deregister(ami["region"], found, delete_snapshots=True)
    with _LOCK:
        if state == "DEPRECATED":
            image["deprecationTime"] = time.time()
        image["state"] = {"status": state}


def _encryption(image: dict, distribution: dict) -> tuple:
    """(encrypted, KMS key) of a distribution region's AMI: the region's
    amiDistributionConfiguration.kmsKeyId, else the recipe's block device
    mappings' ebs.encrypted / kmsKeyId."""
    key = (distribution.get("amiDistributionConfiguration") or {}).get("kmsKeyId")
    if key:
        return True, key
    for mapping in image["imageRecipe"].get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        if ebs.get("encrypted") in (True, "true", "True") or ebs.get("kmsKeyId"):
            return True, ebs.get("kmsKeyId") or "alias/aws/ebs"
    return False, None


def _ami_class():
    from moto.ec2.models.amis import Ami

    class ImageBuilderAmi(Ami):
        """An AMI whose block device mapping says what its snapshot is
        (encrypted, KMS key), as DescribeImages does on AWS."""

        @property
        def block_device_mappings(self):  # type: ignore[override]
            mappings = super().block_device_mappings
            for mapping in mappings:
                mapping["Ebs"]["Encrypted"] = bool(self.ebs_snapshot.encrypted)
                if self.ebs_snapshot.kms_key_id:
                    mapping["Ebs"]["KmsKeyId"] = self.ebs_snapshot.kms_key_id
            return mappings

    return ImageBuilderAmi


_AMI_CLASS: list = []


def _register_ami(backend, name: str, description: str, platform: str, encrypted: bool, key: Optional[str]):
    from moto.ec2.utils import random_ami_id

    if not _AMI_CLASS:
        _AMI_CLASS.append(_ami_class())
    ami = _AMI_CLASS[0](backend, random_ami_id(), name=name, description=description,
                        platform="windows" if platform == "Windows" else None,
                        root_device_type="ebs", root_device_name="/dev/sda1" if platform == "Windows" else "/dev/xvda")
    if encrypted:
        ami.ebs_snapshot.encrypted = True
        ami.ebs_snapshot.kms_key_id = key
    backend.amis[ami.id] = ami
    return ami


def _register_amis(region: str, image: dict) -> list:
    """One real AMI in moto's EC2 per distribution region, in the
    distribution's order."""
    dist = image.get("distributionConfiguration") or {}
    distributions = dist.get("distributions") or [{"region": region}]
    name = f"{image['name']} {image['version'].replace('/', '-')} {int(time.time())}"
    amis = []
    for distribution in distributions:
        ami_region = distribution.get("region", region)
        backend = ec2_backends[ACCOUNT][ami_region]
        encrypted, key = _encryption(image, distribution)
        ami = _register_ami(backend, name, f"Built by EC2 Image Builder: {image['arn']}",
                            image.get("platform", "Linux"), encrypted, key)
        tags = {"CreatedBy": "EC2 Image Builder", "Ec2ImageBuilderArn": image["arn"]}
        tags.update(image["imageRecipe"].get("amiTags") or {})
        backend.create_tags([ami.id], tags)
        # Image Builder tags the snapshots it creates too (the lifecycle
        # execution policy acts only on `CreatedBy: EC2 Image Builder` ones).
        backend.create_tags([ami.ebs_snapshot.id], {"CreatedBy": "EC2 Image Builder", "Ec2ImageBuilderArn": image["arn"]})
        _AMI_IMAGES[ami.id] = image["arn"]
        amis.append({"region": ami_region, "image": ami.id, "name": name, "accountId": ACCOUNT})
    return amis


def _scan(arn: str, step: float, owner: str, tags: dict) -> None:
    image = _IMAGES[arn]
    image["scanState"] = {"status": "PENDING"}
    failed = take_failure(owner, tags, "emulator:fail-scans")
    clean = not failed and take_failure(owner, tags, "emulator:no-findings")
    critical = 2 if not clean and take_failure(owner, tags, "emulator:critical-findings") else 0
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
    counts = {} if clean else {"CRITICAL": critical, "HIGH": high, "MEDIUM": medium, "LOW": low}
    image["findings"] = _findings(image, counts)
    image["scanState"] = {"status": "COMPLETED"}


# --- scan findings -----------------------------------------------------------

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNTRIAGED")
_SCORES = {"CRITICAL": 9.8, "HIGH": 7.5, "MEDIUM": 5.3, "LOW": 3.1, "INFORMATIONAL": 0.0, "UNTRIAGED": 0.0}
_PACKAGES = ("openssl", "glibc", "curl", "sudo", "systemd", "python3", "expat", "zlib", "libxml2", "bind-libs")


def _findings(image: dict, counts: dict) -> list:
    """The image's findings, `counts[severity]` of each, in the documented
    ImageScanFinding shape (API_ImageScanFinding): PACKAGE_VULNERABILITY
    findings with their package details, scores and remediation."""
    findings = []
    observed = time.time()
    for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
        for i in range(counts.get(severity, 0)):
            seed = int(hashlib.sha256(f"{image['arn']}/{severity}/{i}".encode()).hexdigest(), 16)
            cve = f"CVE-{2020 + seed % 7}-{10000 + (seed >> 8) % 90000}"
            package = _PACKAGES[(seed >> 24) % len(_PACKAGES)]
            version = f"{1 + (seed >> 32) % 3}.{(seed >> 40) % 10}.{(seed >> 48) % 20}"
            fixed = version.rsplit(".", 1)[0] + f".{(seed >> 48) % 20 + 1}"
            score = _SCORES[severity]
            vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
            finding = {
                "awsAccountId": ACCOUNT,
                "imageBuildVersionArn": image["arn"],
                "type": "PACKAGE_VULNERABILITY",
                "severity": severity,
                "title": f"{cve} - {package}",
                "description": f"A vulnerability in {package} before {fixed} (emulated finding).",
                "firstObservedAt": observed,
                "updatedAt": observed,
                "inspectorScore": score,
                "inspectorScoreDetails": {"adjustedCvss": {
                    "scoreSource": "NVD", "cvssSource": "NVD", "version": "3.1", "score": score,
                    "scoringVector": vector, "adjustments": []}},
                "packageVulnerabilityDetails": {
                    "vulnerabilityId": cve,
                    "vulnerablePackages": [{
                        "name": package, "version": version, "epoch": 0, "release": "1.amzn2023",
                        "arch": "X86_64", "packageManager": "OS", "fixedInVersion": fixed,
                        "remediation": f"dnf update {package}"}],
                    "source": "NVD",
                    "cvss": [{"baseScore": score, "scoringVector": vector, "version": "3.1", "source": "NVD"}],
                    "relatedVulnerabilities": [],
                    "sourceUrl": f"https://nvd.nist.gov/vuln/detail/{cve}",
                    "vendorSeverity": severity,
                    "vendorCreatedAt": observed,
                    "vendorUpdatedAt": observed,
                    "referenceUrls": [f"https://nvd.nist.gov/vuln/detail/{cve}"],
                },
                "remediation": {"recommendation": {"text": f"Update {package} to {fixed} or later.",
                                                   "url": f"https://nvd.nist.gov/vuln/detail/{cve}"}},
                "fixAvailable": "YES",
            }
            if image.get("sourcePipelineArn"):
                finding["imagePipelineArn"] = image["sourcePipelineArn"]
            findings.append(finding)
    return findings


def _severity_counts(findings: list) -> dict:
    """SeverityCounts: "counts by severity level for medium severity and
    higher level findings, plus a total for all of the findings"."""
    count = lambda level: sum(1 for f in findings if f["severity"] == level)  # noqa: E731
    return {"all": len(findings), "critical": count("CRITICAL"), "high": count("HIGH"), "medium": count("MEDIUM")}


def _all_findings() -> list:
    with _LOCK:
        return [f for image in _IMAGES.values() for f in image.get("findings") or []]


FINDING_FILTERS = {
    "imageBuildVersionArn": lambda f: f["imageBuildVersionArn"],
    "imagePipelineArn": lambda f: f.get("imagePipelineArn"),
    "vulnerabilityId": lambda f: f["packageVulnerabilityDetails"]["vulnerabilityId"],
    "severity": lambda f: f["severity"],
}
MAX_FINDINGS = 25


def _page_token(offset: int, key: str) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps({"offset": offset, "key": key}).encode()).decode()


def _page_offset(token: Optional[str], key: str) -> int:
    import base64

    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["key"] != key or int(data["offset"]) < 0:
            raise ValueError(token)
        return int(data["offset"])
    except Exception:
        raise ApiError(400, "InvalidPaginationTokenException", "You have provided an invalid pagination token in your request.")


def list_scan_findings(body: dict) -> dict:
    """ListImageScanFindings
    (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListImageScanFindings.html):
    `filters` is "Fixed number of 1 item" whose `values` has one value, its
    name one of imageBuildVersionArn, imagePipelineArn, vulnerabilityId,
    severity; without a filter "all findings in your account are listed".
    `maxResults` "Valid Range: Minimum value of 1. Maximum value of 25"
    (the API reference; botocore's newer model says up to 100 with 25 by
    default: the stricter limit is kept), 25 by default; `nextToken` pages."""
    filters = body.get("filters")
    key = json.dumps(filters, sort_keys=True)
    findings = _all_findings()
    if filters is not None:
        if not isinstance(filters, list) or len(filters) != 1:
            raise ApiError(400, "InvalidRequestException", "filters must contain exactly 1 filter.")
        name, values = filters[0].get("name"), filters[0].get("values") or []
        if name not in FINDING_FILTERS:
            raise ApiError(400, "InvalidRequestException",
                           f"The filter name {name} is not valid. Valid names: {', '.join(FINDING_FILTERS)}.")
        if len(values) != 1:
            raise ApiError(400, "InvalidRequestException", "A filter must have exactly 1 value.")
        findings = [f for f in findings if FINDING_FILTERS[name](f) == values[0]]
    limit = body.get("maxResults", MAX_FINDINGS)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_FINDINGS:
        raise ApiError(400, "InvalidRequestException",
                       f"maxResults must be between 1 and {MAX_FINDINGS}.")
    start = _page_offset(body.get("nextToken"), key)
    page = findings[start:start + limit]
    result: dict = {"findings": page}
    if start + limit < len(findings):
        result["nextToken"] = _page_token(start + limit, key)
    return result


def list_scan_aggregations(body: dict) -> dict:
    """ListImageScanFindingAggregations
    (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListImageScanFindingAggregations.html):
    the filter "determines the type of aggregation that Image Builder
    returns"; without one "the type defaults to accountId"; each response
    item "returns exactly one type of aggregation"
    (API_ImageScanFindingAggregation). The documentation does not spell out
    which type each filter gives: here the filter's name is the type (one
    `imageAggregation` per image for `imageBuildVersionArn`, one
    `imagePipelineAggregation` per pipeline, one `vulnerabilityIdAggregation`
    per vulnerability), and a key without findings has no item, so an image
    without findings gives `responses: []`."""
    flt = body.get("filter")
    findings = _all_findings()
    if not flt:
        responses = [{"accountAggregation": {"accountId": ACCOUNT, "severityCounts": _severity_counts(findings)}}] \
            if findings else []
        return {"aggregationType": "accountId", "responses": responses}
    name, values = flt.get("name"), flt.get("values") or []
    kinds = {"imageBuildVersionArn": "imageAggregation", "imagePipelineArn": "imagePipelineAggregation",
             "vulnerabilityId": "vulnerabilityIdAggregation"}
    if name not in kinds:
        raise ApiError(400, "InvalidRequestException",
                       f"The filter name {name} is not valid. Valid names: {', '.join(kinds)}.")
    if not 1 <= len(values) <= 10:
        raise ApiError(400, "InvalidRequestException", "A filter must have 1 to 10 values.")
    responses = []
    for value in values:
        matched = [f for f in findings if FINDING_FILTERS[name](f) == value]
        if matched:
            responses.append({kinds[name]: {name: value, "severityCounts": _severity_counts(matched)}})
    return {"aggregationType": name, "responses": responses}


# --- faults ------------------------------------------------------------------

FAULTS = (
    ("emulator:throttle-polls", 429, "CallRateLimitExceededException",
     "You have exceeded the permitted request rate for the specific operation."),
    ("emulator:server-error-polls", 503, "ServiceUnavailableException",
     "The service is unable to process your request at this time."),
)


def poll_fault(pipeline_arn: Optional[str], operation: str) -> None:
    """Raises the injected fault for this call about a pipeline's image: the
    first `emulator:throttle-polls` calls of `operation` throttle, the next
    `emulator:server-error-polls` are server errors."""
    pipeline = _PIPELINES.get(pipeline_arn or "")
    if pipeline is None:
        return
    tags = pipeline.get("tags", {})
    for tag, status, code, message in FAULTS:
        if take_poll_fault(pipeline_arn or "", tags, tag, operation):
            raise ApiError(status, code, message + f" ({tag})")


def take_poll_fault(owner: str, tags: dict, tag: str, operation: str) -> bool:
    """Whether this `operation` call about `owner`'s work (a pipeline, or a
    recipe without one) is one of the first N that `tag` = N faults; counted
    per (owner, tag, operation). Shared with the EC2 and SSM polls."""
    try:
        limit = int(tags.get(tag, "0"))
    except ValueError:
        limit = 0
    if limit <= 0:
        return False
    with _LOCK:
        seen = _COUNTS.get((owner, tag, operation), 0)
        if seen >= limit:
            return False
        _COUNTS[(owner, tag, operation)] = seen + 1
        return True


def _findings_pipeline(body: dict) -> Optional[str]:
    """The pipeline a ListImageScanFindings call is about, from its filter."""
    for flt in body.get("filters") or []:
        values = flt.get("values") or [""]
        if flt.get("name") == "imagePipelineArn":
            return values[0]
        if flt.get("name") == "imageBuildVersionArn":
            return (_IMAGES.get(values[0]) or {}).get("sourcePipelineArn")
    return None


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


# --- HTTP --------------------------------------------------------------------


def _route(method: str, path: str, region: str, query: dict, body: dict) -> dict:
    if path.startswith("/tags/"):
        arn = unquote(path[len("/tags/"):])
        return tag_resource(arn, body) if method == "POST" else list_tags(arn)
    one = lambda name: (query.get(name) or [None])[0]  # noqa: E731
    op = path.strip("/")
    from . import imagebuilder_lifecycle

    handled = imagebuilder_lifecycle.route(op, region, query, body)
    if handled is not None:
        return handled
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
        arn = one("imageBuildVersionArn")
        poll_fault((_IMAGES.get(arn or "") or {}).get("sourcePipelineArn"), op)
        return get_image(arn)
    if op == "ListImages":
        return list_images(body)
    if op == "ListImagePipelineImages":
        return list_pipeline_images(body)
    if op == "ListImageScanFindingAggregations":
        return list_scan_aggregations(body)
    if op == "ListImageScanFindings":
        poll_fault(_findings_pipeline(body), op)
        return list_scan_findings(body)
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
