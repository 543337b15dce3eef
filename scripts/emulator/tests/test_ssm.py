"""Systems Manager refuses what AWS refuses (ssm_commands.py): managed nodes,
Run Command's checks, GetCommandInvocation, DescribeInstanceInformation and
the SSM status-poll faults. Each wrong call fails with AWS's code, and the
right call passes. Sources: scripts/emulator/README.md, docs/conformance.md."""

import os
import time
import unittest

from botocore.exceptions import ClientError

from . import test_ec2 as helpers
from .harness import client, error_code, unique

ENV = "AMIBOARD_EMULATOR_SSM_REGISTRATION_SECONDS"
DELAY = 0.25


def managed_instance(ami=None, **extra) -> str:
    """A running instance that will be a managed node after DELAY seconds."""
    return helpers.launch(ami or helpers.plain_ami(), profile=helpers.instance_profile(), **extra)


def wait_registered(instance_id: str, timeout: float = 5.0) -> None:
    ssm = client("ssm")
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])["InstanceInformationList"]
        if found:
            return
        time.sleep(0.1)
    raise AssertionError(f"{instance_id} never registered")


def shell(instance_id: str, **extra) -> dict:
    kwargs = dict(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                  Parameters={"commands": ["true"]})
    kwargs.update(extra)
    return client("ssm").send_command(**kwargs)["Command"]


class SsmCase(helpers.Ec2Case):
    @classmethod
    def setUpClass(cls):
        cls._saved = os.environ.get(ENV)
        os.environ[ENV] = str(DELAY)

    @classmethod
    def tearDownClass(cls):
        if cls._saved is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = cls._saved


class ManagedNodeTest(SsmCase):
    def test_send_command_to_instance_without_profile_is_invalid_instance_id(self):
        instance = helpers.launch(helpers.plain_ami())
        time.sleep(DELAY + 0.1)
        self.refused(lambda: shell(instance), "InvalidInstanceId",
                     message=f"Instances [[{instance}]] not in a valid state for account 123456789012")

    def test_send_command_to_instance_whose_role_lacks_ssm_core_policy_is_invalid_instance_id(self):
        instance = helpers.launch(helpers.plain_ami(), profile=helpers.instance_profile(ssm_policy=False))
        time.sleep(DELAY + 0.1)
        self.refused(lambda: shell(instance), "InvalidInstanceId")
        self.assertEqual(client("ssm").describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance]}])["InstanceInformationList"], [])

    def test_send_command_to_unregistered_instance_is_invalid_instance_id_until_it_registers(self):
        instance = managed_instance()
        self.refused(lambda: shell(instance), "InvalidInstanceId")
        self.assertEqual(client("ssm").describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance]}])["InstanceInformationList"], [])
        wait_registered(instance)
        command = shell(instance)
        self.assertEqual(command["InstanceIds"], [instance])
        got = client("ssm").get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)
        self.assertEqual((got["Status"], got["PluginName"]), ("Success", "aws:runShellScript"))

    def test_send_command_to_terminated_instance_is_invalid_instance_id(self):
        instance = managed_instance()
        wait_registered(instance)
        client("ec2").terminate_instances(InstanceIds=[instance])
        self.refused(lambda: shell(instance), "InvalidInstanceId")
        self.assertEqual(client("ssm").describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance]}])["InstanceInformationList"], [])

    def test_send_command_to_stopped_instance_is_invalid_instance_id(self):
        instance = managed_instance()
        wait_registered(instance)
        client("ec2").stop_instances(InstanceIds=[instance])
        self.refused(lambda: shell(instance), "InvalidInstanceId")

    def test_instance_launched_into_a_subnet_is_a_managed_node(self):
        ec2 = client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
        instance = managed_instance(SubnetId=subnet)
        wait_registered(instance)
        shell(instance)

    def test_registration_delay_comes_from_the_pipeline_tag(self):
        saved = os.environ[ENV]
        os.environ[ENV] = "60"
        try:
            tagged = managed_instance(helpers.build_ami({"emulator:ssm-registration-seconds": "0.2"}))
            untagged = managed_instance()
            wait_registered(tagged, timeout=3)
            shell(tagged)
            self.refused(lambda: shell(untagged), "InvalidInstanceId")
        finally:
            os.environ[ENV] = saved

    def test_a_stack_role_with_managed_policy_arns_makes_a_managed_node(self):
        # moto's CloudFormation roles ignored ManagedPolicyArns (ssm_commands._patch_iam)
        import json

        cfn = client("cloudformation")
        name = unique("s")
        template = {"Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": helpers.EC2_TRUST,
                "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}]}},
            "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}}},
            "Outputs": {"Profile": {"Value": {"Ref": "Profile"}}}}
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
        profile = cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"][0]["OutputValue"]
        instance = helpers.launch(helpers.plain_ami(), profile=profile)
        wait_registered(instance)
        shell(instance)

    def test_targets_reach_only_managed_nodes(self):
        key = unique("k")
        ec2 = client("ec2")
        managed, unmanaged = managed_instance(), helpers.launch(helpers.plain_ami())
        ec2.create_tags(Resources=[managed, unmanaged], Tags=[{"Key": key, "Value": "x"}])
        wait_registered(managed)
        command = client("ssm").send_command(Targets=[{"Key": f"tag:{key}", "Values": ["x"]}],
                                             DocumentName="AWS-RunShellScript",
                                             Parameters={"commands": ["true"]})["Command"]
        self.assertEqual(command["InstanceIds"], [managed])


class SendCommandTest(SsmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.linux = managed_instance()
        cls.windows = managed_instance(helpers.windows_ami())
        wait_registered(cls.linux)
        wait_registered(cls.windows)

    def test_send_command_shell_script_to_windows_is_unsupported_platform_type(self):
        self.refused(lambda: shell(self.windows), "UnsupportedPlatformType")
        shell(self.windows, DocumentName="AWS-RunPowerShellScript")

    def test_send_command_powershell_to_linux_is_accepted_and_the_invocation_fails(self):
        command = shell(self.linux, DocumentName="AWS-RunPowerShellScript")
        got = client("ssm").get_command_invocation(CommandId=command["CommandId"], InstanceId=self.linux)
        self.assertEqual((got["Status"], got["PluginName"]), ("Failed", "aws:runPowerShellScript"))

    def test_send_command_timeout_seconds_out_of_range_is_validation_exception(self):
        ssm = helpers.raw_client("ssm")
        for bad in (29, 2592001):
            self.refused(lambda: ssm.send_command(InstanceIds=[self.linux], DocumentName="AWS-RunShellScript",
                                                  Parameters={"commands": ["true"]}, TimeoutSeconds=bad),
                         "ValidationException")
        shell(self.linux, TimeoutSeconds=30)
        shell(self.linux, TimeoutSeconds=2592000)

    def test_send_command_execution_timeout_out_of_range_is_invalid_parameters(self):
        for bad in ("0", "172801", "ten"):
            self.refused(lambda: shell(self.linux, Parameters={"commands": ["true"], "executionTimeout": [bad]}),
                         "InvalidParameters")
        shell(self.linux, Parameters={"commands": ["true"], "executionTimeout": ["172800"]})

    def test_send_command_with_an_undefined_or_missing_parameter_is_invalid_parameters(self):
        self.refused(lambda: shell(self.linux, Parameters={"commands": ["true"], "timeout": ["5"]}),
                     "InvalidParameters")
        self.refused(lambda: shell(self.linux, Parameters={"workingDirectory": ["/tmp"]}), "InvalidParameters")

    def test_get_command_invocation_for_an_instance_not_in_the_command_is_invocation_does_not_exist(self):
        command = shell(self.linux)
        ssm = client("ssm")
        self.refused(lambda: ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=self.windows),
                     "InvocationDoesNotExist")
        ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=self.linux)


class InvocationTest(SsmCase):
    def test_hung_invocation_ends_timed_out_after_its_execution_timeout(self):
        instance = managed_instance(helpers.build_ami({"emulator:hang-smoke-tests": "1"}))
        wait_registered(instance)
        command = shell(instance, Parameters={"commands": ["true"], "executionTimeout": ["1"]})
        ssm = client("ssm")
        got = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)
        self.assertEqual(got["Status"], "InProgress")
        time.sleep(1.4)
        got = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)
        self.assertEqual((got["Status"], got["StatusDetails"]), ("TimedOut", "ExecutionTimedOut"))
        again = shell(instance)  # the tag's N=1: the next command runs
        self.assertEqual(ssm.get_command_invocation(CommandId=again["CommandId"], InstanceId=instance)["Status"],
                         "Success")

    def test_notifications_follow_notification_events_and_report_the_timeout(self):
        import json

        sns, sqs = client("sns"), client("sqs")
        topic = sns.create_topic(Name=unique("t"))["TopicArn"]
        queue = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"RawMessageDelivery": "true"})
        instance = managed_instance(helpers.build_ami({"emulator:hang-smoke-tests": "1"}))
        wait_registered(instance)
        shell(instance, Parameters={"commands": ["true"], "executionTimeout": ["1"]},
              NotificationConfig={"NotificationArn": topic, "NotificationEvents": ["TimedOut"],
                                  "NotificationType": "Invocation"})
        time.sleep(1.4)
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        self.assertEqual([json.loads(m["Body"])["status"] for m in messages], ["TimedOut"])

    def test_fail_smoke_tests_tag_fails_the_invocation(self):
        instance = managed_instance(helpers.build_ami({"emulator:fail-smoke-tests": "1"}))
        wait_registered(instance)
        command = shell(instance)
        got = client("ssm").get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)
        self.assertEqual((got["Status"], got["ResponseCode"]), ("Failed", 1))


class DescribeInstanceInformationTest(SsmCase):
    def test_describe_instance_information_lists_managed_nodes_with_their_fields(self):
        instance = managed_instance()
        wait_registered(instance)
        ssm = client("ssm")
        info = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance]}])["InstanceInformationList"][0]
        self.assertEqual(info["InstanceId"], instance)
        self.assertEqual(info["PingStatus"], "Online")
        self.assertEqual(info["PlatformType"], "Linux")
        self.assertEqual(info["ResourceType"], "EC2Instance")
        self.assertTrue(info["PlatformName"] and info["AgentVersion"])
        self.assertIn("LastPingDateTime", info)
        legacy = ssm.describe_instance_information(
            InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": [instance]}])
        self.assertEqual([i["InstanceId"] for i in legacy["InstanceInformationList"]], [instance])
        windows = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance]}, {"Key": "PlatformTypes", "Values": ["Windows"]}])
        self.assertEqual(windows["InstanceInformationList"], [])

    def test_describe_instance_information_pages_with_max_results_and_next_token(self):
        key = unique("k")
        instances = [managed_instance() for _ in range(6)]
        client("ec2").create_tags(Resources=instances, Tags=[{"Key": key, "Value": "v"}])
        for instance in instances:
            wait_registered(instance)
        ssm = client("ssm")
        first = ssm.describe_instance_information(Filters=[{"Key": f"tag:{key}", "Values": ["v"]}], MaxResults=5)
        self.assertEqual(len(first["InstanceInformationList"]), 5)
        second = ssm.describe_instance_information(Filters=[{"Key": f"tag:{key}", "Values": ["v"]}], MaxResults=5,
                                                   NextToken=first["NextToken"])
        self.assertEqual(len(second["InstanceInformationList"]), 1)
        self.assertNotIn("NextToken", second)
        seen = {i["InstanceId"] for i in first["InstanceInformationList"] + second["InstanceInformationList"]}
        self.assertEqual(seen, set(instances))

    def test_describe_instance_information_bad_requests_are_refused(self):
        ssm = helpers.raw_client("ssm")
        self.refused(lambda: ssm.describe_instance_information(MaxResults=4), "ValidationException")
        self.refused(lambda: ssm.describe_instance_information(MaxResults=51), "ValidationException")
        self.refused(lambda: ssm.describe_instance_information(Filters=[{"Key": "Nope", "Values": ["x"]}]),
                     "InvalidFilterKey")
        self.refused(lambda: ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": ["x"]}]),
                     "InvalidInstanceInformationFilterValue")
        self.refused(lambda: ssm.describe_instance_information(NextToken="garbage"), "InvalidNextToken")
        self.refused(lambda: ssm.describe_instance_information(
            InstanceInformationFilterList=[{"key": "instanceIds", "valueSet": ["i-0aaaaaaaaaaaaaaaa"]}]),
            "ValidationException")
        ssm.describe_instance_information(MaxResults=5)


class SsmPollFaultsTest(SsmCase):
    def test_throttle_polls_tag_makes_ssm_status_calls_answer_throttling_exception(self):
        instance = managed_instance(helpers.build_ami({"emulator:throttle-polls": "2"}))
        time.sleep(DELAY + 0.1)
        ssm = helpers.no_retry_client("ssm")
        flt = [{"Key": "InstanceIds", "Values": [instance]}]
        for _ in range(2):
            self.refused(lambda: ssm.describe_instance_information(Filters=flt), "ThrottlingException", 400,
                         message="Rate exceeded")
        self.assertEqual(len(ssm.describe_instance_information(Filters=flt)["InstanceInformationList"]), 1)
        command = shell(instance)
        for _ in range(2):  # counted per operation
            self.refused(lambda: ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance),
                         "ThrottlingException", 400)
        ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)

    def test_server_error_polls_tag_makes_ssm_status_calls_answer_internal_server_error(self):
        instance = managed_instance(helpers.build_ami({"emulator:server-error-polls": "1"}))
        time.sleep(DELAY + 0.1)
        ssm = helpers.no_retry_client("ssm")
        flt = [{"Key": "InstanceIds", "Values": [instance]}]
        self.refused(lambda: ssm.describe_instance_information(Filters=flt), "InternalServerError", 500)
        ssm.describe_instance_information(Filters=flt)

    def test_ssm_status_calls_about_other_instances_are_never_faulted(self):
        helpers.build_ami({"emulator:throttle-polls": "5"})
        instance = managed_instance()
        time.sleep(DELAY + 0.1)
        ssm = helpers.no_retry_client("ssm")
        ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [instance]}])
        command = shell(instance)
        ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance)


if __name__ == "__main__":
    unittest.main()
