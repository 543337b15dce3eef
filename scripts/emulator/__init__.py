"""amiboard's emulator extension: what moto 5.1.22 lacks for the workflows.

`install()` is called by `scripts/moto_server.py` before moto's server starts.
It adds, inside the same process (so it shares moto's EC2, S3, SNS and SSM
state):

- `sfn_sdk`: Step Functions' aws-sdk integrations take and give PascalCase
  names as on AWS (moto passes them through to boto3 unchanged).
- `imagebuilder`: a minimal EC2 Image Builder (recipes, infrastructure and
  distribution configurations, pipelines, images that build over time and
  register real AMIs, scan state and finding aggregations, notifications).
- `imagebuilder_lifecycle`: Image Builder's StartResourceStateUpdate and
  its lifecycle executions (deprecate, disable, delete, restore an image's
  AMIs and snapshots in every region).
- `ec2_images` (installed by `ec2_tasks`): DescribeImageReferences,
  lastLaunchedTime, deprecation, DisableImage/EnableImage, deregistration
  protection and DeregisterImage with its snapshots.
- `ec2_tasks`: EC2 ExportImage and CreateStoreImageTask with their describe
  calls (the objects land in moto's S3), and EventBridge rules with SNS
  targets for the EC2 "AMI State Change" events.
- `ssm_commands`: Run Command notifications on the command's SNS topic, and
  failed invocations for failure injection.
- `dynamodb_strict`: Scan and Query refuse a `Limit` below 1, as DynamoDB
  does.
- `moto_speed`: moto's server without three costs that grow with traffic
  or the table (a directory walk per request, an O(queue) attribute map per
  received SQS message, Python-level comparisons in every Scan page's sort),
  with the same answers.
- `cloudformation`: stacks of deploy/amiboard.template.json: a state
  machine's `Definition` object, a table's point-in-time recovery, a bucket's
  public access block and lifecycle rules, topic and bucket policies, Image
  Builder resources, templates by URL and the outputs of change sets.

Failure injection: tags on the image pipeline, read when the work starts
(see `imagebuilder.FAILURE_TAGS`). docs/workflows.md describes it all.
"""


def install() -> None:
    from . import (cloudformation, dynamodb_strict, ec2_tasks, imagebuilder, moto_speed, sfn_sdk,
                   ssm_commands)

    moto_speed.install()
    dynamodb_strict.install()
    sfn_sdk.install()
    imagebuilder.install()
    ec2_tasks.install()
    ssm_commands.install()
    cloudformation.install()
