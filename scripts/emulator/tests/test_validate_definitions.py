"""validate_definitions.py: a Retry/Catch error name Step Functions never
raises is reported (it would never match on AWS); the right names pass.
Sources: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html,
https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html"""

import glob
import os
import subprocess
import sys
import unittest

from . import harness  # noqa: F401  (puts scripts/ on sys.path)
from emulator import validate_definitions as vd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "scripts", "emulator", "validate_definitions.py")


def retry(resource: str, *names: str, kind: str = "Task") -> dict:
    state = {"Type": kind, "End": True, "Retry": [{"ErrorEquals": list(names)}]}
    if kind == "Task":
        state["Resource"] = resource
    else:
        state["Branches"] = [{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}]
    return {"StartAt": "T", "States": {"T": state}}


class ErrorNamesTest(unittest.TestCase):
    def problems(self, definition: dict) -> list:
        return vd._check_definition(definition)

    def test_wrong_names_are_reported(self):
        cases = {
            "Ec2.RequestLimitExceeded": vd.SDK + "ec2:runInstances",
            "Ec2.RequestLimitExceededException": vd.SDK + "ec2:runInstances",
            "States.Runtime": vd.SDK + "ec2:runInstances",
            "ImageBuilder.CallRateLimitExceededException": vd.SDK + "imagebuilder:getImage",
            "Imagebuilder.CallRateLimitExceeded": vd.SDK + "imagebuilder:getImage",
            "Ssm.ThrottlingException": vd.SDK + "ssm:sendCommand",  # not modeled for SendCommand: Ssm.SsmException
            "DynamoDb.ConditionalCheckFailedException": "arn:aws:states:::dynamodb:putItem",
            "States.Throttled": "arn:aws:states:::sns:publish",
        }
        for name, resource in cases.items():
            with self.subTest(name=name):
                self.assertTrue(any(name in p for p in self.problems(retry(resource, name))), name)

    def test_right_names_pass(self):
        cases = [
            (vd.SDK + "ec2:runInstances", "Ec2.Ec2Exception"),
            (vd.SDK + "imagebuilder:getImage", "Imagebuilder.CallRateLimitExceededException"),
            (vd.SDK + "imagebuilder:listImageScanFindings", "Imagebuilder.ServiceUnavailableException"),
            (vd.SDK + "ssm:getCommandInvocation", "Ssm.InvocationDoesNotExistException"),
            (vd.SDK + "ssm:sendCommand", "Ssm.SsmException"),
            (vd.SDK + "s3:createBucket", "S3.BucketAlreadyOwnedByYouException"),
            ("arn:aws:states:::dynamodb:updateItem", "DynamoDB.ConditionalCheckFailedException"),
            ("arn:aws:states:::dynamodb:updateItem", "DynamoDB.AmazonDynamoDBException"),
            ("arn:aws:states:::sns:publish", "SNS.AmazonSNSException"),
            (vd.SDK + "ec2:runInstances", "States.TaskFailed"),
        ]
        for resource, name in cases:
            with self.subTest(name=name):
                self.assertEqual(self.problems(retry(resource, name)), [])

    def test_retirement_calls_raise_their_modeled_names(self):
        """StartResourceStateUpdate models ResourceInUse and
        IdempotentParameterMismatch; GetLifecycleExecution does not model
        ResourceNotFound (its unknown id is the base exception); EC2 models
        none (OperationNotPermitted of DeregisterImage is Ec2.Ec2Exception)."""
        right = [
            (vd.SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.ResourceInUseException"),
            (vd.SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.IdempotentParameterMismatchException"),
            (vd.SDK + "imagebuilder:startResourceStateUpdate", "Imagebuilder.ResourceNotFoundException"),
            (vd.SDK + "imagebuilder:getLifecycleExecution", "Imagebuilder.ImagebuilderException"),
            (vd.SDK + "imagebuilder:listLifecycleExecutionResources", "Imagebuilder.InvalidPaginationTokenException"),
            (vd.SDK + "ec2:describeImageReferences", "Ec2.Ec2Exception"),
            (vd.SDK + "ec2:deregisterImage", "Ec2.Ec2Exception"),
        ]
        for resource, name in right:
            with self.subTest(name=name):
                self.assertEqual(self.problems(retry(resource, name)), [])
        wrong = [
            (vd.SDK + "imagebuilder:getLifecycleExecution", "Imagebuilder.ResourceNotFoundException"),
            (vd.SDK + "ec2:deregisterImage", "Ec2.OperationNotPermittedException"),
            (vd.SDK + "imagebuilder:startResourceStateUpdate", "ImageBuilder.ResourceInUseException"),
        ]
        for resource, name in wrong:
            with self.subTest(name=name):
                self.assertTrue(any(name in p for p in self.problems(retry(resource, name))), name)

    def test_state_specific_names(self):
        self.assertTrue(self.problems(retry("arn:aws:states:::sns:publish", "States.BranchFailed")))
        self.assertEqual(self.problems(retry("", "States.BranchFailed", kind="Parallel")), [])

    def test_states_all_alone_and_last(self):
        problems = self.problems(retry(vd.SDK + "ec2:runInstances", "States.ALL", "Ec2.Ec2Exception"))
        self.assertTrue(any("must be alone" in p for p in problems), problems)


class IntrinsicArgumentsTest(unittest.TestCase):
    """https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html: in an
    intrinsic's arguments `'` opens a string literal, so a JSONPath filter is not a path there."""

    @staticmethod
    def pass_state(field: str, params: dict) -> dict:
        return {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, field: params}}}

    def test_a_filter_inside_an_intrinsic_is_refused(self):
        for field in ("Parameters", "ResultSelector"):
            for value in ("States.ArrayLength($.r[?(@.State == 'Completed')])",
                          "States.MathAdd($.n, States.ArrayLength($.f[?(@.Severity == 'HIGH')]))"):
                with self.subTest(field=field, value=value):
                    problems = vd._check_definition(self.pass_state(field, {"nested": {"n.$": value}}))
                    self.assertTrue(any("filter inside an intrinsic" in p for p in problems), problems)

    def test_a_filter_in_a_plain_path_and_intrinsics_on_plain_paths_pass(self):
        params = {"kept.$": "$.r[?(@.State == 'Completed')].State",
                  "n.$": "States.MathAdd($.n, States.ArrayLength($.kept))",
                  "text.$": "States.Format('{} of {}', $.a, $.b)"}
        self.assertEqual(vd._check_definition(self.pass_state("Parameters", params)), [])


class CommandLineTest(unittest.TestCase):
    def test_self_test_and_the_shipped_definitions(self):
        out = subprocess.run([sys.executable, SCRIPT, "--self-test"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        files = sorted(glob.glob(os.path.join(ROOT, "workflows", "*.asl.json")))
        out = subprocess.run([sys.executable, SCRIPT, *files], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(f"{len(files)} definitions", out.stdout)


if __name__ == "__main__":
    unittest.main()
