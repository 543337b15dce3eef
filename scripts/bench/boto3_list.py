"""The boto3 peer of `amiboard list --json` in scripts/bench.sh: a paginated
Scan of the lifecycle table whose items it prints as amiboard prints them,
page by page, as one pretty JSON array (2-space indent): each item read
into plain JSON (numbers as numbers), the attributes that are the table's
own and not the lifecycle's dropped (`changed_shard`), and the keys in the
order of amiboard's structs (maps sorted, as its BTreeMaps are). So the
peer does the work amiboard does (read, decode, print), not only a count.
Usage: boto3_list.py TABLE > out.json (AWS_REGION, AWS_ENDPOINT_URL[_DYNAMODB])."""

import decimal
import json
import os
import sys

import boto3
from boto3.dynamodb.types import TypeDeserializer

# Field order of src/lifecycle's Lifecycle, PatchCycle, EventRecord, EventOutputs.
LIFECYCLE = ["lifecycle_id", "stack_tag", "product_name", "product_ver", "owner",
             "commit_ref", "properties", "pipeline_arn", "ami_semver", "created_at",
             "updated_at", "item_version", "creation_events", "patch_cycles",
             "retirements", "where_used", "where_used_error"]
PATCH = ["number", "bump", "parent_ami_id", "parent_semver", "semver", "component",
         "description", "created_at", "actor", "events"]
EVENT = ["event", "status", "attempt", "started_at", "finished_at", "actor", "reason",
         "execution_arn", "outputs", "history", "override"]
OUTPUTS = ["amis", "ami_semver", "vulnerabilities", "export_location", "backup_object",
           "image_arn", "run_command_id"]
AMI = ["region", "ami_id", "name", "account"]
COUNTS = ["critical", "high", "medium", "low", "informational"]
TABLE_ONLY = {"changed_shard"}


def plain(value):
    """DynamoDB's Decimals and sets as JSON numbers and lists; maps sorted."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(value[k]) for k in sorted(value)}
    if isinstance(value, (list, set, frozenset)):
        return [plain(v) for v in value]
    return value


def ordered(value, order):
    """`value`'s keys in `order` first, then the rest sorted."""
    first = {k: value[k] for k in order if k in value}
    first.update((k, value[k]) for k in sorted(value) if k not in first)
    return first


def event(record):
    record = ordered(record, EVENT)
    if isinstance(record.get("outputs"), dict):
        outputs = ordered(record["outputs"], OUTPUTS)
        outputs["amis"] = [ordered(ami, AMI) for ami in outputs.get("amis", [])] or None
        if outputs["amis"] is None:
            del outputs["amis"]
        if isinstance(outputs.get("vulnerabilities"), dict):
            outputs["vulnerabilities"] = ordered(outputs["vulnerabilities"], COUNTS)
        record["outputs"] = outputs
    return record


def lifecycle(item):
    lc = ordered({k: v for k, v in item.items() if k not in TABLE_ONLY}, LIFECYCLE)
    lc["creation_events"] = [event(e) for e in lc.get("creation_events", [])]
    cycles = []
    for cycle in lc.get("patch_cycles", []):
        cycle = ordered(cycle, PATCH)
        cycle["events"] = [event(e) for e in cycle.get("events", [])]
        cycles.append(cycle)
    lc["patch_cycles"] = cycles
    return lc


def main():
    client = boto3.client(
        "dynamodb", region_name=os.environ["AWS_REGION"],
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"])
    des = TypeDeserializer()
    out = sys.stdout
    first = True
    out.write("[")
    for page in client.get_paginator("scan").paginate(TableName=sys.argv[1]):
        for raw in page["Items"]:
            item = plain({k: des.deserialize(v) for k, v in raw.items()})
            text = json.dumps(lifecycle(item), indent=2, ensure_ascii=False)
            out.write(("\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
            first = False
        out.flush()
    out.write("\n]\n" if not first else "]\n")


if __name__ == "__main__":
    main()
