"""cloudformation.py: the template rules CloudFormation enforces (each
answered HTTP 400 ValidationError), and a state machine's DefinitionString
kept unchanged. Sources in the module docstring."""

import json
import unittest

from botocore.exceptions import ClientError

from .harness import client, error_code, unique

ROLE = "arn:aws:iam::123456789012:role/sfn"
ASL = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": None, "End": True}}}


def template(machine_properties: dict, **extra) -> dict:
    return dict({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Machine": {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": dict({"RoleArn": ROLE}, **machine_properties)}}}, **extra)


NULL_IN_DEFINITION = template({"StateMachineName": "never", "Definition": ASL})
NULL_MESSAGE = "[/Resources/Machine/Type/Definition/States/A/ResultPath] 'null' values are not allowed in templates"


class NullTest(unittest.TestCase):
    def setUp(self):
        self.cfn = client("cloudformation")

    def assert_refused(self, call, message: str, **kwargs) -> None:
        with self.assertRaises(ClientError) as caught:
            call(**kwargs)
        self.assertEqual(error_code(caught.exception), "ValidationError")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(caught.exception.response["Error"]["Message"], message)

    def test_null_in_a_definition_is_refused_by_every_call(self):
        body = json.dumps(NULL_IN_DEFINITION)
        self.assert_refused(self.cfn.validate_template, NULL_MESSAGE, TemplateBody=body)
        self.assert_refused(self.cfn.create_stack, NULL_MESSAGE, StackName=unique("s"), TemplateBody=body)
        self.assert_refused(self.cfn.create_change_set, NULL_MESSAGE, StackName=unique("s"),
                            ChangeSetName=unique("c"), ChangeSetType="CREATE", TemplateBody=body)
        ok = json.dumps(template({"StateMachineName": unique("m"), "DefinitionString": json.dumps(ASL)}))
        name = unique("s")
        self.cfn.create_stack(StackName=name, TemplateBody=ok)
        self.assert_refused(self.cfn.update_stack, NULL_MESSAGE, StackName=name, TemplateBody=body)

    def test_null_by_url_and_outside_resources(self):
        s3 = client("s3")
        bucket = unique("templates")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="t.json", Body=json.dumps(NULL_IN_DEFINITION).encode())
        url = f"https://{bucket}.s3.amazonaws.com/t.json"
        self.assert_refused(self.cfn.create_stack, NULL_MESSAGE, StackName=unique("s"), TemplateURL=url)
        mapping = dict(template({"DefinitionString": "{}"}), Mappings={"Amis": {"eu-west-1": {"Id": None}}})
        self.assert_refused(self.cfn.validate_template,
                            "[/Mappings/Amis/eu-west-1/Id] 'null' values are not allowed in templates",
                            TemplateBody=json.dumps(mapping))

    def test_yaml_null_is_refused(self):
        body = "Resources:\n  Machine:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn:\n"
        self.assert_refused(self.cfn.validate_template,
                            "[/Resources/Machine/Type/RoleArn] 'null' values are not allowed in templates",
                            TemplateBody=body)

    def test_definition_string_keeps_null_inside_the_string(self):
        sfn = client("stepfunctions")
        text = json.dumps(ASL, indent=2)
        name = unique("m")
        self.cfn.create_stack(StackName=unique("s"), TemplateBody=json.dumps(
            template({"StateMachineName": name, "DefinitionString": text})))
        arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
        self.assertEqual(sfn.describe_state_machine(stateMachineArn=arn)["definition"], text)
        # Fn::Sub: the substituted string, the null kept.
        name = unique("m")
        sub = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": "${AWS::Region}",
                                                            "ResultPath": None, "End": True}}})
        self.cfn.create_stack(StackName=unique("s"), TemplateBody=json.dumps(
            template({"StateMachineName": name, "DefinitionString": {"Fn::Sub": sub}})))
        arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
        definition = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
        self.assertEqual(definition, sub.replace("${AWS::Region}", "us-east-1"))
        self.assertIsNone(json.loads(definition)["States"]["A"]["ResultPath"])


class SizeTest(unittest.TestCase):
    def setUp(self):
        self.cfn = client("cloudformation")

    def padded(self, size: int) -> str:
        base = template({"StateMachineName": unique("m"), "DefinitionString": json.dumps(ASL)},
                        Metadata={"Pad": ""})
        filler = size - len(json.dumps(base))
        base["Metadata"]["Pad"] = "x" * filler
        body = json.dumps(base)
        self.assertEqual(len(body), size)
        return body

    def test_template_body_over_51200_bytes_is_refused(self):
        with self.assertRaises(ClientError) as caught:
            self.cfn.validate_template(TemplateBody=self.padded(51201))
        self.assertEqual(error_code(caught.exception), "ValidationError")
        message = caught.exception.response["Error"]["Message"]
        self.assertTrue(message.startswith("1 validation error detected: Value '{"), message[:80])
        self.assertTrue(message.endswith("' at 'templateBody' failed to satisfy constraint: "
                                         "Member must have length less than or equal to 51200"), message[-120:])
        self.cfn.validate_template(TemplateBody=self.padded(51200))

    def test_template_url_object_over_1_mb_is_refused(self):
        s3 = client("s3")
        bucket = unique("templates")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="big.json", Body=self.padded(1024 * 1024 + 1).encode())
        s3.put_object(Bucket=bucket, Key="ok.json", Body=self.padded(1024 * 1024).encode())
        with self.assertRaises(ClientError) as caught:
            self.cfn.create_stack(StackName=unique("s"), TemplateURL=f"https://{bucket}.s3.amazonaws.com/big.json")
        self.assertEqual(error_code(caught.exception), "ValidationError")
        self.assertEqual(caught.exception.response["Error"]["Message"], "Template may not exceed 1048576 bytes in size.")
        self.cfn.validate_template(TemplateURL=f"https://{bucket}.s3.amazonaws.com/ok.json")


if __name__ == "__main__":
    unittest.main()


class RoleDeletionTest(unittest.TestCase):
    """Deleting a stack deletes its role with the managed policies the role
    lists (CloudFormation detaches them first); IAM's own DeleteRole of a
    role with a managed policy attached stays refused (DeleteConflict).
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html"""

    TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

    def test_a_stack_role_with_managed_policies_is_deleted_with_the_stack(self):
        cfn, iam = client("cloudformation"), client("iam")
        name, stack = unique("role"), unique("s")
        cfn.create_stack(StackName=stack, Capabilities=["CAPABILITY_NAMED_IAM"], TemplateBody=json.dumps(
            {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": name, "AssumeRolePolicyDocument": self.TRUST, "ManagedPolicyArns": [self.CORE]}}}}))
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        self.assertEqual([p["PolicyArn"] for p in attached], [self.CORE])
        cfn.delete_stack(StackName=stack)
        with self.assertRaises(ClientError) as caught:
            iam.get_role(RoleName=name)
        self.assertEqual(error_code(caught.exception), "NoSuchEntity")

    def test_delete_role_with_a_managed_policy_attached_is_refused(self):
        iam = client("iam")
        name = unique("role")
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(self.TRUST))
        iam.attach_role_policy(RoleName=name, PolicyArn=self.CORE)
        with self.assertRaises(ClientError) as caught:
            iam.delete_role(RoleName=name)
        self.assertEqual(error_code(caught.exception), "DeleteConflict")
