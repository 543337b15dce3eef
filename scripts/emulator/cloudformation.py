"""CloudFormation in the emulator: what moto 5.1.22's stacks lack for
deploy/amiboard.template.json.

- `AWS::StepFunctions::StateMachine`: moto reads only `DefinitionString`; on
  AWS, `Definition` is the definition as a JSON object (and
  `DefinitionSubstitutions` replaces `${name}` in it). Both are accepted here.
  The machine is created in the Step Functions backend the API serves (the
  executing one when `execute_state_machine` is on), so StartExecution finds it.
  A `DefinitionString` (plain or `Fn::Sub`) becomes the machine's definition
  unchanged, `"ResultPath": null` inside the string included (a null inside
  a string is just text). A `Definition` object without intrinsic functions
  is kept exactly as written. And `{"Ref": "AWS::NoValue"}` in a list (e.g.
  an `Fn::If` policy statement) removes the element, as on AWS (moto left a
  null there).
- `AWS::DynamoDB::Table`: moto ignores `PointInTimeRecoverySpecification`;
  it is applied as UpdateContinuousBackups would.
- `AWS::S3::Bucket`: moto ignores `PublicAccessBlockConfiguration` and
  `LifecycleConfiguration`; both are applied as their Put calls would.
- `AWS::ImageBuilder::ImageRecipe`, `InfrastructureConfiguration`,
  `DistributionConfiguration`, `ImagePipeline`: created in the emulator's Image
  Builder (`imagebuilder.py`), so a stack's example pipeline can build.
- `AWS::SNS::TopicPolicy` and `AWS::S3::BucketPolicy`: set as the topics'
  `Policy` attribute and the bucket's policy, as SetTopicAttributes and
  PutBucketPolicy would.

Template rules (CreateStack, UpdateStack, CreateChangeSet, ValidateTemplate,
GetTemplateSummary), as CloudFormation refuses them, HTTP 400 `ValidationError`:
- A JSON `null` (or YAML null) anywhere in the template, outside a string:
  `[<path>] 'null' values are not allowed in templates`, the path a JSON
  pointer in which a resource's `Properties` reads `Type`, as CloudFormation
  writes it: `[/Resources/Machine/Type/Definition/States/A/ResultPath]`
  (aws/serverless-application-model#1618, aws/aws-cdk#29164,
  aws/aws-cdk#8660, aws-cloudformation/cfn-lint#38 quote real answers;
  moto's parser silently dropped the nulls).
- `TemplateBody` over 51,200 bytes: `1 validation error detected: Value
  '<body>' at 'templateBody' failed to satisfy constraint: Member must have
  length less than or equal to 51200` (the API's constraint on TemplateBody,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html;
  the message as quoted in aws/aws-extensions-for-dotnet-cli#50).
- A `TemplateURL` object over 1 MB ("The URL must point to a template (max
  size: 1 MB)", same page; quotas: "Template body size in an Amazon S3
  object: 1 MB",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
  `Template may not exceed 1048576 bytes in size.` (AWS's wording with the
  older 460,800-byte limit, as quoted in amazon-archives/aws-security-benchmark#2).

A template given by URL (`aws cloudformation deploy --s3-bucket`, needed on
AWS above 51,200 bytes) is read from the emulator's S3 also when the URL names
the emulator's address (moto only knows `localhost` and amazonaws.com).

A stack created or updated through a change set (what `aws cloudformation
deploy` does) gets its outputs and exports, as one made by CreateStack does
(moto left them empty).

Every other type moto does not know is still skipped by moto with a warning:
`scripts/deploy_stack.py` lists them after a deploy.
"""

import json
from typing import Any

from moto.core.common_models import CloudFormationModel


def _definition(properties: dict) -> str:
    """The definition as text, from `DefinitionString` or `Definition`."""
    if "Definition" in properties:
        text = json.dumps(properties["Definition"])
    else:
        text = properties.get("DefinitionString", "")
    for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + key + "}", str(value))
    return text


def _has_intrinsics(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k == "Ref" or k.startswith("Fn::") or _has_intrinsics(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_intrinsics(v) for v in value)
    return False


def _install_raw_definitions() -> None:
    import copy

    from moto.cloudformation import parsing

    original = parsing.parse_resource

    def parse_resource(resource_json, resources_map):
        raw = None
        properties = resource_json.get("Properties") or {}
        if resource_json.get("Type") == "AWS::StepFunctions::StateMachine" and "Definition" in properties:
            if not _has_intrinsics(properties["Definition"]):
                raw = copy.deepcopy(properties["Definition"])
        parsed = original(resource_json, resources_map)
        if parsed and raw is not None:
            parsed[1]["Properties"]["Definition"] = raw
        return parsed

    parsing.parse_resource = parse_resource

    original_clean = parsing.clean_json

    def clean_json(resource_json, resources_map):
        cleaned = original_clean(resource_json, resources_map)
        if isinstance(resource_json, list) and isinstance(cleaned, list):
            return [item for item in cleaned if item is not None]
        return cleaned

    parsing.clean_json = clean_json


def _sfn_backend(account_id: str, region_name: str):
    from moto.stepfunctions.responses import get_backend

    return get_backend(account_id, region_name)


def _install_state_machine() -> None:
    from moto.stepfunctions.models import StateMachine

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        name = properties.get("StateMachineName", resource_name)
        tags = [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])]
        return _sfn_backend(account_id, region_name).create_state_machine(
            name, _definition(properties), properties.get("RoleArn", ""), tags=tags
        )

    def delete(cls, resource_name, cloudformation_json, account_id, region_name):
        _sfn_backend(account_id, region_name).delete_state_machine(resource_name)

    def update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("StateMachineName", original_resource.name)
        backend = _sfn_backend(account_id, region_name)
        if name != original_resource.name:
            new = create(cls, name, cloudformation_json, account_id, region_name)
            backend.delete_state_machine(original_resource.arn)
            return new
        return backend.update_state_machine(
            original_resource.arn,
            definition=_definition(properties),
            role_arn=properties.get("RoleArn"),
        )

    StateMachine.create_from_cloudformation_json = classmethod(create)
    StateMachine.delete_from_cloudformation_json = classmethod(delete)
    StateMachine.update_from_cloudformation_json = classmethod(update)


def _install_table() -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    original = Table.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        table = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        pitr = cloudformation_json["Properties"].get("PointInTimeRecoverySpecification") or {}
        if str(pitr.get("PointInTimeRecoveryEnabled", "false")).lower() == "true":
            dynamodb_backends[account_id][region_name].update_continuous_backups(
                table.name, {"PointInTimeRecoveryEnabled": True}
            )
        return table

    Table.create_from_cloudformation_json = classmethod(create)


def _lifecycle_rule(rule: dict) -> dict:
    """A CloudFormation lifecycle rule in the API's (XML-parsed) shape."""
    api: dict = {"ID": rule.get("Id"), "Status": rule.get("Status", "Enabled"), "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": str(rule["ExpirationInDays"])}
    if rule.get("Transitions"):
        api["Transition"] = [
            {"Days": str(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in rule["Transitions"]
        ]
    if rule.get("AbortIncompleteMultipartUpload"):
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": str(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return api


def _install_bucket() -> None:
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    original = FakeBucket.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json.get("Properties", {})
        backend = s3_backends[account_id][get_partition(region_name)]
        block = properties.get("PublicAccessBlockConfiguration")
        if block:
            backend.put_public_access_block(
                bucket.name, {k: str(v).lower() for k, v in block.items()}
            )
        rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
        if rules:
            backend.put_bucket_lifecycle_configuration(bucket.name, [_lifecycle_rule(r) for r in rules])
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)


def _camel(value: Any, top: bool = True) -> Any:
    """CloudFormation's PascalCase properties as Image Builder's API body
    (camelCase); tag maps are kept as written."""
    if isinstance(value, list):
        return [_camel(v, False) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        name = key[:1].lower() + key[1:]
        out[name] = v if key == "Tags" else _camel(v, False)
    return out


class _ImageBuilderResource:
    """One Image Builder resource a stack created; its Ref is its ARN. (moto
    finds models among CloudFormationModel's direct subclasses, so each type
    below names it itself.)"""

    def __init__(self, arn: str, name: str):
        self.arn = arn
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "Name")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn if attribute_name == "Arn" else self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def _create(cls, region: str, body: dict) -> str:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ):
        body = _camel(cloudformation_json.get("Properties", {}))
        body.setdefault("name", resource_name)
        return cls(cls._create(region_name, body), body["name"])

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        from . import imagebuilder

        with imagebuilder._LOCK:
            for table in (imagebuilder._RECIPES, imagebuilder._INFRAS, imagebuilder._DISTS, imagebuilder._PIPELINES):
                table.pop(resource_name, None)


class ImageRecipe(_ImageBuilderResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ImageBuilder::ImageRecipe"

    @classmethod
    def _create(cls, region: str, body: dict) -> str:
        from . import imagebuilder

        body["semanticVersion"] = body.pop("version", "1.0.0")
        return imagebuilder.create_image_recipe(region, body)["imageRecipeArn"]


class InfrastructureConfiguration(_ImageBuilderResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ImageBuilder::InfrastructureConfiguration"

    @classmethod
    def _create(cls, region: str, body: dict) -> str:
        from . import imagebuilder

        return imagebuilder._create_simple(
            imagebuilder._INFRAS, "infrastructure-configuration", "infrastructureConfigurationArn", region, body
        )["infrastructureConfigurationArn"]


class DistributionConfiguration(_ImageBuilderResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ImageBuilder::DistributionConfiguration"

    @classmethod
    def _create(cls, region: str, body: dict) -> str:
        from . import imagebuilder

        return imagebuilder._create_simple(
            imagebuilder._DISTS, "distribution-configuration", "distributionConfigurationArn", region, body
        )["distributionConfigurationArn"]


class ImagePipeline(_ImageBuilderResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ImageBuilder::ImagePipeline"

    @classmethod
    def _create(cls, region: str, body: dict) -> str:
        from . import imagebuilder

        return imagebuilder.create_image_pipeline(region, body)["imagePipelineArn"]


def _install_template_urls() -> None:
    from urllib.parse import urlparse

    from moto.cloudformation import responses, utils

    original = utils.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        parts = urlparse(template_url)
        if not parts.netloc.endswith("amazonaws.com"):
            # The emulator's own address: path-style bucket/key.
            template_url = f"http://localhost{parts.path}"
        return original(template_url, account_id=account_id, partition=partition)

    responses.get_stack_from_s3_url = get_stack_from_s3_url


BODY_LIMIT = 51200  # bytes, TemplateBody in a request
URL_LIMIT = 1024 * 1024  # bytes, a template object named by TemplateURL


def _validation_error(message: str) -> Exception:
    from moto.cloudformation.exceptions import ValidationError

    return ValidationError(message=message)


def null_path(template: Any) -> "str | None":
    """The path CloudFormation names for the first null outside a string
    (a resource's `Properties` written as `Type`, as AWS writes it), or None."""

    def walk(value: Any, path: list) -> "list | None":
        if value is None:
            return path
        if isinstance(value, dict):
            for key, item in value.items():
                found = walk(item, path + [str(key)])
                if found is not None:
                    return found
        elif isinstance(value, list):
            for i, item in enumerate(value):
                found = walk(item, path + [str(i)])
                if found is not None:
                    return found
        return None

    found = walk(template, [])
    if found is None:
        return None
    if len(found) > 2 and found[0] == "Resources" and found[2] == "Properties":
        found[2] = "Type"
    return "/" + "/".join(found)


def _parse_template(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        import yaml
        from moto.cloudformation.utils import yaml_tag_constructor

        yaml.add_multi_constructor("", yaml_tag_constructor)
        return yaml.load(body, Loader=yaml.Loader)
    except Exception:  # not a template: moto's own parsing reports it
        return None


def check_template(body: "str | None") -> None:
    """Raises CloudFormation's ValidationError for a null in the template."""
    if not body:
        return
    path = null_path(_parse_template(body))
    if path is not None:
        raise _validation_error(f"[{path}] 'null' values are not allowed in templates")


def check_body_size(body: "str | None") -> None:
    if body and len(body.encode()) > BODY_LIMIT:
        raise _validation_error(
            f"1 validation error detected: Value '{body}' at 'templateBody' failed to satisfy constraint: "
            f"Member must have length less than or equal to {BODY_LIMIT}"
        )


def _install_template_rules() -> None:
    from moto.cloudformation.responses import CloudFormationResponse

    original_fetch = CloudFormationResponse._get_stack_from_s3_url

    def fetch(self, template_url: str) -> str:
        body = original_fetch(self, template_url)
        if len(body.encode()) > URL_LIMIT:
            raise _validation_error(f"Template may not exceed {URL_LIMIT} bytes in size.")
        return body

    CloudFormationResponse._get_stack_from_s3_url = fetch

    def strict(action):
        def checked(self, *args, **kwargs):
            body = self._get_param("TemplateBody")
            check_body_size(body)
            url = self._get_param("TemplateURL")
            if not body and url:
                body = self._get_stack_from_s3_url(url)
            check_template(body)
            return action(self, *args, **kwargs)

        checked.__name__ = action.__name__
        return checked

    for name in ("create_stack", "update_stack", "create_change_set", "validate_template", "get_template_summary"):
        setattr(CloudFormationResponse, name, strict(getattr(CloudFormationResponse, name)))


def _install_change_set_outputs() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        original(self, change_set_name, stack_name)
        for change_set in self.change_sets.values():
            if change_set_name in (change_set.change_set_name, change_set.change_set_id):
                stack = self.stacks[change_set.stack_id]
                stack._parse_template()
                stack.output_map = stack._create_output_map()
                for export in stack.exports:
                    self.exports[export.name] = export

    CloudFormationBackend.execute_change_set = execute_change_set


class _PolicyResource:
    """A resource policy a stack attached; deleting the stack leaves it."""

    def __init__(self, name: str):
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        return None


class TopicPolicy(_PolicyResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ):
        from moto.sns.models import sns_backends

        properties = cloudformation_json["Properties"]
        policy = json.dumps(properties["PolicyDocument"])
        for topic in properties["Topics"]:
            sns_backends[account_id][region_name].set_topic_attribute(topic, "policy", policy)
        return cls(resource_name)


class BucketPolicy(_PolicyResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ):
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        properties = cloudformation_json["Properties"]
        s3_backends[account_id][get_partition(region_name)].put_bucket_policy(
            properties["Bucket"], json.dumps(properties["PolicyDocument"]).encode()
        )
        return cls(resource_name)


def _install_role_deletion() -> None:
    """Deleting a stack's role: CloudFormation detaches the managed policies
    the role lists (`ManagedPolicyArns`) before it deletes it, as it attached
    them when it created it; moto's IAM refuses to delete a role with managed
    policies attached (DeleteConflict, as IAM's own DeleteRole does)."""
    from moto.iam.models import Role, iam_backends

    original = Role.delete_from_cloudformation_json.__func__

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, *args, **kwargs):
        backend = iam_backends[account_id]["aws"]
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, role.name)
        return original(cls, resource_name, cloudformation_json, account_id, region_name, *args, **kwargs)

    Role.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)


def install() -> None:
    _install_template_rules()
    _install_role_deletion()
    _install_change_set_outputs()
    _install_template_urls()
    _install_raw_definitions()
    _install_state_machine()
    _install_table()
    _install_bucket()
    # The Image Builder models register themselves as CloudFormationModel
    # subclasses when this module is imported (moto's model map lists them).
