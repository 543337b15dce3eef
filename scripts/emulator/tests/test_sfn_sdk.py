"""sfn_sdk.py: an aws-sdk task's error is named as Step Functions names it on
AWS (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html):
`<Prefix>.<Error>Exception`, the prefix the AWS SDK for Java 2.x client name,
an unmodeled error the service's base exception (EC2 models none: every EC2
error is `Ec2.Ec2Exception`, https://github.com/CloudSnorkel/cdk-github-runners/issues/946).
Each test runs a tiny state machine whose task fails and whose Catch names
the error: the right name is caught, a wrong one is not."""

import json
import os
import unittest

from .harness import client, emulator_url, run_state_machine, unique



def _sdk_port() -> None:
    # moto's interpreter calls the services at localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = emulator_url().rsplit(":", 1)[1]


def run_catching(resource: str, parameters: dict, error: str) -> dict:
    """Runs Task(resource) with Catch [error] -> Caught; the execution's end."""
    _sdk_port()
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": resource, "Parameters": parameters,
                     "Catch": [{"ErrorEquals": [error], "ResultPath": "$.error", "Next": "Caught"}], "End": True},
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    return run_state_machine(definition)


SDK = "arn:aws:states:::aws-sdk:"


class ErrorNamesTest(unittest.TestCase):
    def assert_caught(self, described: dict, name: str) -> dict:
        self.assertEqual(described["status"], "SUCCEEDED", described)
        caught = json.loads(described["output"])["error"]
        self.assertEqual(caught["Error"], name)
        return caught

    def assert_not_caught(self, described: dict, name: str) -> None:
        self.assertEqual(described["status"], "FAILED", described)
        self.assertEqual(described.get("error"), name, described)

    def test_any_ec2_error_is_ec2_ec2exception(self):
        params = {"ImageIds": ["ami-0123456789abcdef0"]}
        caught = self.assert_caught(run_catching(SDK + "ec2:describeImages", params, "Ec2.Ec2Exception"), "Ec2.Ec2Exception")
        self.assertRegex(caught["Cause"], r"\(Service: Ec2, Status Code: 400, Request ID: [^)]+\)$")
        # The error code as a name never matches on AWS: the execution fails.
        self.assert_not_caught(run_catching(SDK + "ec2:describeImages", params, "Ec2.InvalidAMIIDNotFoundException"),
                               "Ec2.Ec2Exception")

    def test_a_modeled_ssm_error_gets_the_exception_suffix(self):
        params = {"CommandId": "00000000-0000-0000-0000-000000000000", "InstanceId": "i-0123456789abcdef0"}
        described = run_catching(SDK + "ssm:getCommandInvocation", params, "Ssm.InvalidCommandIdException")
        caught = self.assert_caught(described, "Ssm.InvalidCommandIdException")
        self.assertIn("(Service: Ssm, Status Code: 400", caught["Cause"])
        self.assert_not_caught(run_catching(SDK + "ssm:getCommandInvocation", params, "Ssm.InvalidCommandId"),
                               "Ssm.InvalidCommandIdException")

    def test_image_builder_prefix_is_the_java_client_name(self):
        params = {"ImagePipelineArn": "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/none",
                  "ClientToken": unique("token")}
        resource = SDK + "imagebuilder:startImagePipelineExecution"
        self.assert_caught(run_catching(resource, params, "Imagebuilder.ResourceNotFoundException"),
                           "Imagebuilder.ResourceNotFoundException")
        self.assert_not_caught(run_catching(resource, params, "ImageBuilder.ResourceNotFoundException"),
                               "Imagebuilder.ResourceNotFoundException")
        # GetImage does not model ResourceNotFoundException: the base exception.
        params = {"ImageBuildVersionArn": "arn:aws:imagebuilder:us-east-1:123456789012:image/none/1.0.0/1"}
        self.assert_caught(run_catching(SDK + "imagebuilder:getImage", params, "Imagebuilder.ImagebuilderException"),
                           "Imagebuilder.ImagebuilderException")

    def test_s3_error_without_suffix_gets_it_and_an_unmodeled_one_is_the_base(self):
        bucket = unique("bucket")
        client("s3").create_bucket(Bucket=bucket)
        described = run_catching(SDK + "s3:getObject", {"Bucket": bucket, "Key": "k"}, "S3.NoSuchKeyException")
        self.assert_caught(described, "S3.NoSuchKeyException")
        # NoSuchBucket is not among GetObject's modeled errors.
        described = run_catching(SDK + "s3:getObject", {"Bucket": unique("none"), "Key": "k"}, "S3.S3Exception")
        self.assert_caught(described, "S3.S3Exception")


class RetryTest(unittest.TestCase):
    def test_a_throttled_poll_is_retried_by_its_aws_name(self):
        """GetImage throttled twice (429) then a server error (503): a Retry
        naming Imagebuilder.CallRateLimitExceededException and
        Imagebuilder.ServiceUnavailableException gets the image."""
        from .test_imagebuilder import pipeline

        _sdk_port()
        arn = pipeline({"emulator:throttle-polls": "2", "emulator:server-error-polls": "1"}, scanning=False)
        image = client("imagebuilder").start_image_pipeline_execution(
            imagePipelineArn=arn, clientToken=unique("t"))["imageBuildVersionArn"]
        sfn = client("stepfunctions")
        definition = {"StartAt": "Poll", "States": {"Poll": {
            "Type": "Task", "Resource": SDK + "imagebuilder:getImage",
            "Parameters": {"ImageBuildVersionArn": image}, "ResultSelector": {"Status.$": "$.Image.State.Status"},
            "Retry": [{"ErrorEquals": ["Imagebuilder.CallRateLimitExceededException",
                                       "Imagebuilder.ServiceUnavailableException"],
                       "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}],
            "End": True}}}
        described = run_state_machine(definition)
        execution = described["executionArn"]
        self.assertEqual(described["status"], "SUCCEEDED", described)
        errors = [e["taskFailedEventDetails"]["error"]
                  for e in sfn.get_execution_history(executionArn=execution)["events"] if "taskFailedEventDetails" in e]
        self.assertEqual(errors, ["Imagebuilder.CallRateLimitExceededException"] * 2 + ["Imagebuilder.ServiceUnavailableException"])


class NamingTest(unittest.TestCase):
    def test_names_without_a_server(self):
        from emulator import sfn_sdk

        name = sfn_sdk.sdk_error_name
        self.assertEqual(name("ec2", "RunInstances", "RequestLimitExceeded"), "Ec2.Ec2Exception")
        self.assertEqual(name("ssm", "SendCommand", "InvalidInstanceId"), "Ssm.InvalidInstanceIdException")
        self.assertEqual(name("ssm", "SendCommand", "ThrottlingException"), "Ssm.SsmException")
        self.assertEqual(name("ssm", "GetParameter", "AccessDeniedException"), "Ssm.SsmException")
        self.assertEqual(name("imagebuilder", "GetImage", "CallRateLimitExceededException"),
                         "Imagebuilder.CallRateLimitExceededException")
        self.assertEqual(sfn_sdk.sdk_prefix("acm-pca"), "AcmPca")  # the documentation's example
        self.assertEqual(sfn_sdk.sdk_prefix("dynamodb"), "DynamoDb")


if __name__ == "__main__":
    unittest.main()


class TimestampsTest(unittest.TestCase):
    """An aws-sdk task's timestamps are ISO 8601 text on AWS, so
    States.JsonToString of a result holding one works."""

    def test_a_result_with_timestamps_goes_through_json_to_string(self):
        _sdk_port()
        definition = {
            "StartAt": "Call",
            "States": {
                "Call": {"Type": "Task", "Resource": SDK + "sfn:listStateMachines", "Parameters": {},
                         "ResultSelector": {"machines.$": "$.StateMachines"}, "ResultPath": "$.listed", "Next": "Text"},
                "Text": {"Type": "Pass", "Parameters": {"text.$": "States.JsonToString($.listed.machines)"}, "End": True},
            },
        }
        described = run_state_machine(definition)
        self.assertEqual(described["status"], "SUCCEEDED", described)
        machines = json.loads(json.loads(described["output"])["text"])
        self.assertTrue(machines, "at least the machine that runs this test")
        self.assertRegex(machines[0]["CreationDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_naive_and_aware_datetimes_become_utc_text(self):
        import datetime
        from ..sfn_sdk import iso_timestamp, _timestamps_as_text
        aware = datetime.datetime(2026, 12, 7, 11, 0, 0, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
        self.assertEqual(iso_timestamp(aware), "2026-12-07T10:00:00.123Z")
        value = {"a": [{"t": datetime.datetime(2026, 1, 2, 3, 4, 5)}], "b": 1}
        _timestamps_as_text(value)
        self.assertEqual(value, {"a": [{"t": "2026-01-02T03:04:05.000Z"}], "b": 1})
