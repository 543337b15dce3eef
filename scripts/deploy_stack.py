#!/usr/bin/env python3
"""Deploys a CloudFormation template and prints the stack as JSON.

    deploy_stack.py [--endpoint URL] [--region R] --stack NAME --template FILE [--bucket B] [--param K=V ...]

Uploads the template to S3 (bucket B, default `<stack>-templates`, made if
absent) and creates the stack from its URL, as AWS needs for a template over
51,200 bytes (`aws cloudformation deploy --s3-bucket` does the same), or
updates it when it exists; waits until it is complete,
and prints `aws cloudformation describe-stacks`' answer for it, plus
`NotCreated`: the template's resources (those whose Condition holds) that the
stack does not list, with their types: on the emulator, the types moto's
CloudFormation skips. Uses boto3 (the venv's) and the usual AWS_* variables;
exit 1 with one line when the stack fails."""

import argparse
import json
import os
import sys
import time

import boto3


def conditions_hold(template: dict, params: dict) -> dict:
    """The template's conditions (Fn::Equals of Refs, literals and Fn::Join
    of a list parameter, Fn::Not, Fn::And, Fn::Or, Condition), evaluated for
    these parameters (a CommaDelimitedList's value is its comma-separated
    text)."""
    defaults = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    values = dict(defaults, **params)
    conditions = template.get("Conditions", {})

    def value(x):
        if isinstance(x, dict) and "Fn::Join" in x:
            separator, items = x["Fn::Join"]
            if isinstance(items, dict):
                items = value(items).split(",")
            else:
                items = [value(i) for i in items]
            return separator.join(items)
        return values.get(x["Ref"], "") if isinstance(x, dict) else str(x)

    def holds(expr) -> bool:
        if "Fn::Equals" in expr:
            left, right = expr["Fn::Equals"]
            return value(left) == value(right)
        if "Fn::Not" in expr:
            return not holds(expr["Fn::Not"][0])
        if "Fn::And" in expr:
            return all(holds(e) for e in expr["Fn::And"])
        if "Fn::Or" in expr:
            return any(holds(e) for e in expr["Fn::Or"])
        return holds(conditions[expr["Condition"]])

    return {name: holds(expr) for name, expr in conditions.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    parser.add_argument("--bucket")
    parser.add_argument("--param", action="append", default=[])
    args = parser.parse_args()
    body = open(args.template).read()
    template = json.loads(body)
    params = dict(p.split("=", 1) for p in args.param)
    cfn = boto3.client("cloudformation", endpoint_url=args.endpoint, region_name=args.region)
    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name=args.region)
    bucket = args.bucket or f"{args.stack.lower()}-templates"
    try:
        if args.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": args.region})
    except s3.exceptions.ClientError as err:
        if "BucketAlreadyOwnedByYou" not in str(err):
            print(f"deploy_stack: {err}", file=sys.stderr)
            return 1
    key = os.path.basename(args.template)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    request = dict(
        StackName=args.stack,
        TemplateURL=f"https://{bucket}.s3.{args.region}.amazonaws.com/{key}",
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    try:
        cfn.describe_stacks(StackName=args.stack)
        cfn.update_stack(**request)
    except cfn.exceptions.ClientError as err:
        if "does not exist" not in str(err):
            print(f"deploy_stack: {err}", file=sys.stderr)
            return 1
        cfn.create_stack(**request)
    for _ in range(600):
        stack = cfn.describe_stacks(StackName=args.stack)["Stacks"][0]
        status = stack["StackStatus"]
        if status.endswith("_COMPLETE") and "ROLLBACK" not in status:
            break
        if status.endswith("_FAILED") or "ROLLBACK" in status:
            print(f"deploy_stack: {args.stack} is {status}: {stack.get('StackStatusReason', '')}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    listed = {
        r["LogicalResourceId"]
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=args.stack)
        for r in page["StackResourceSummaries"]
    }
    held = conditions_hold(template, params)
    stack["NotCreated"] = {
        logical: resource["Type"]
        for logical, resource in template["Resources"].items()
        if logical not in listed and held.get(resource.get("Condition", ""), True)
    }
    print(json.dumps(stack, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
