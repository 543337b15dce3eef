"""imagebuilder_lifecycle.py: StartResourceStateUpdate, GetLifecycleExecution,
ListLifecycleExecutionResources as the API reference documents them; each
rule's right call works and its wrong call fails with Image Builder's error.
Sources: API_StartResourceStateUpdate, API_GetLifecycleExecution,
API_ListLifecycleExecutionResources, image-lifecycle-prerequisites."""

import json
import time
import unittest
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

from .harness import client, error_code, run_state_machine, unique
from .test_imagebuilder import build, pipeline

LIFECYCLE_POLICY = "arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "imagebuilder.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
REGIONS = ("us-east-1", "eu-west-1")


def role(trust=TRUST, policy: bool = True) -> str:
    name = unique("lifecycle")
    iam = client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if policy:
        iam.attach_role_policy(RoleName=name, PolicyArn=LIFECYCLE_POLICY)
    return name


def image(regions=REGIONS) -> dict:
    return build(pipeline(regions=regions, scanning=False), scanned=False)


def wait(execution_id: str) -> dict:
    ib = client("imagebuilder")
    deadline = time.time() + 15
    while time.time() < deadline:
        execution = ib.get_lifecycle_execution(lifecycleExecutionId=execution_id)["lifecycleExecution"]
        if execution["state"]["status"] not in ("PENDING", "IN_PROGRESS"):
            return execution
        time.sleep(0.05)
    raise AssertionError(f"{execution_id} did not end")


def amis_of(img: dict) -> list:
    return [(a["region"], a["image"]) for a in img["outputResources"]["amis"]]


def described(region: str, ami: str) -> dict:
    found = client("ec2", region).describe_images(ImageIds=[ami], IncludeDisabled=True)["Images"]
    return found[0] if found else {}


def snapshot(region: str, ami: str) -> str:
    return described(region, ami)["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]


class LifecycleCase(unittest.TestCase):
    def setUp(self):
        self.ib = client("imagebuilder")

    def refused(self, call, code: str, status: int = 400) -> ClientError:
        with self.assertRaises(ClientError) as caught:
            call()
        self.assertEqual(error_code(caught.exception), code, caught.exception.response)
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        return caught.exception

    def update(self, img: dict, status: str, **kwargs) -> dict:
        return self.ib.start_resource_state_update(resourceArn=img["arn"], state={"status": status}, **kwargs)


class StateUpdateTest(LifecycleCase):
    def test_delete_deregisters_every_regions_ami_and_deletes_their_snapshots(self):
        img = image()
        snaps = {ami: snapshot(region, ami) for region, ami in amis_of(img)}
        started = self.update(img, "DELETED", executionRole=role(), includeResources={"amis": True, "snapshots": True})
        execution = wait(started["lifecycleExecutionId"])
        self.assertEqual(execution["state"]["status"], "SUCCESS")
        for region, ami in amis_of(img):
            self.assertEqual(described(region, ami), {})
            with self.assertRaises(ClientError):
                client("ec2", region).describe_snapshots(SnapshotIds=[snaps[ami]])
        self.assertEqual(self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]["state"]["status"], "DELETED")
        top = self.ib.list_lifecycle_execution_resources(lifecycleExecutionId=started["lifecycleExecutionId"])
        self.assertEqual([r["resourceId"] for r in top["resources"]], [img["arn"]])
        per_ami = self.ib.list_lifecycle_execution_resources(
            lifecycleExecutionId=started["lifecycleExecutionId"], parentResourceId=img["arn"])["resources"]
        self.assertEqual({(r["region"], r["resourceId"]) for r in per_ami}, set(amis_of(img)))
        for resource in per_ami:
            self.assertEqual(resource["action"]["name"], "DELETE")
            self.assertEqual(resource["state"]["status"], "SUCCESS")
            self.assertEqual(resource["snapshots"], [{"snapshotId": snaps[resource["resourceId"]],
                                                      "state": {"status": "SUCCESS"}}])
        other = self.ib.list_lifecycle_execution_resources(
            lifecycleExecutionId=started["lifecycleExecutionId"],
            parentResourceId=img["arn"].rsplit("/", 1)[0] + "/99")["resources"]
        self.assertEqual(other, [])

    def test_delete_fails_for_an_ami_with_deregistration_protection(self):
        img = image()
        (protected_region, protected), (free_region, free) = amis_of(img)
        client("ec2", protected_region).enable_image_deregistration_protection(ImageId=protected)
        started = self.update(img, "DELETED", executionRole=role(), includeResources={"amis": True, "snapshots": True})
        execution = wait(started["lifecycleExecutionId"])
        self.assertEqual(execution["state"]["status"], "FAILED")
        self.assertIn(protected, execution["state"]["reason"])
        resources = {r["resourceId"]: r for r in self.ib.list_lifecycle_execution_resources(
            lifecycleExecutionId=started["lifecycleExecutionId"], parentResourceId=img["arn"])["resources"]}
        self.assertEqual(resources[protected]["state"]["status"], "FAILED")
        self.assertIn("OperationNotPermitted", resources[protected]["state"]["reason"])
        self.assertEqual(resources[free]["state"]["status"], "SUCCESS")
        self.assertNotEqual(described(protected_region, protected), {})
        self.assertEqual(described(free_region, free), {})
        self.assertEqual(self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]["state"]["status"], "AVAILABLE")

    def test_disable_then_available_disables_and_restores_every_ami(self):
        img = image()
        wait(self.update(img, "DISABLED", executionRole=role(), includeResources={"amis": True})["lifecycleExecutionId"])
        self.assertEqual({described(r, a)["State"] for r, a in amis_of(img)}, {"disabled"})
        self.assertEqual(self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]["state"]["status"], "DISABLED")
        back = self.update(img, "AVAILABLE", executionRole=role(), includeResources={"amis": True})
        self.assertEqual(wait(back["lifecycleExecutionId"])["state"]["status"], "SUCCESS")
        self.assertEqual({described(r, a)["State"] for r, a in amis_of(img)}, {"available"})
        self.assertEqual(self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]["state"]["status"], "AVAILABLE")

    def test_deprecate_at_update_at_sets_the_ec2_deprecation_time_now_and_the_image_later(self):
        img = image()
        at = datetime.now(timezone.utc) + timedelta(days=2)
        started = self.update(img, "DEPRECATED", executionRole=role(), includeResources={"amis": True}, updateAt=at)
        self.assertEqual(wait(started["lifecycleExecutionId"])["state"]["status"], "SUCCESS")
        expected = (at + timedelta(seconds=30)).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:00.000Z")
        for region, ami in amis_of(img):
            self.assertEqual(described(region, ami)["DeprecationTime"], expected)
        got = self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]
        self.assertEqual(got["state"]["status"], "AVAILABLE")  # until updateAt
        self.assertAlmostEqual(got["deprecationTime"].timestamp(), at.timestamp(), delta=1)

    def test_exclusion_rules_skip_matching_amis(self):
        img = image()
        started = self.update(img, "DISABLED", executionRole=role(), includeResources={"amis": True},
                              exclusionRules={"amis": {"regions": ["eu-west-1"]}})
        wait(started["lifecycleExecutionId"])
        states = {r: described(r, a)["State"] for r, a in amis_of(img)}
        self.assertEqual(states, {"us-east-1": "disabled", "eu-west-1": "available"})
        resources = self.ib.list_lifecycle_execution_resources(
            lifecycleExecutionId=started["lifecycleExecutionId"], parentResourceId=img["arn"])["resources"]
        self.assertEqual({r["region"]: r["state"]["status"] for r in resources},
                         {"us-east-1": "SUCCESS", "eu-west-1": "SKIPPED"})

    def test_without_resources_the_image_alone_changes_at_once(self):
        img = image()
        answer = self.update(img, "DEPRECATED")
        self.assertNotIn("lifecycleExecutionId", answer)
        self.assertEqual(self.ib.get_image(imageBuildVersionArn=img["arn"])["image"]["state"]["status"], "DEPRECATED")
        self.assertNotIn("DeprecationTime", described(*amis_of(img)[0]))

    def test_a_role_without_the_lifecycle_permissions_fails_each_ami(self):
        img = image()
        started = self.update(img, "DISABLED", executionRole=role(policy=False), includeResources={"amis": True})
        execution = wait(started["lifecycleExecutionId"])
        self.assertEqual(execution["state"]["status"], "FAILED")
        self.assertIn("ec2:DisableImage", execution["state"]["reason"])
        self.assertEqual({described(r, a)["State"] for r, a in amis_of(img)}, {"available"})

    def test_the_lifecycle_policy_acts_only_on_amis_created_by_image_builder(self):
        img = image(("us-east-1",))
        region, ami = amis_of(img)[0]
        client("ec2", region).delete_tags(Resources=[ami], Tags=[{"Key": "CreatedBy"}])
        execution = wait(self.update(img, "DISABLED", executionRole=role(),
                                     includeResources={"amis": True})["lifecycleExecutionId"])
        self.assertEqual(execution["state"]["status"], "FAILED")

    def test_the_same_client_token_returns_the_first_answer_and_other_parameters_mismatch(self):
        img = image(("us-east-1",))
        name, token = role(), unique("tok")
        first = self.update(img, "DISABLED", executionRole=name, includeResources={"amis": True}, clientToken=token)
        again = self.update(img, "DISABLED", executionRole=name, includeResources={"amis": True}, clientToken=token)
        self.assertEqual(first["lifecycleExecutionId"], again["lifecycleExecutionId"])
        self.refused(lambda: self.update(img, "DEPRECATED", clientToken=token), "IdempotentParameterMismatchException")


class StateUpdateRefusalTest(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        cls.img = image(("us-east-1",))
        cls.role = role()

    def test_role_without_resources_or_resources_without_role_is_invalid_request(self):
        self.refused(lambda: self.update(self.img, "DISABLED", executionRole=self.role), "InvalidRequestException")
        self.refused(lambda: self.update(self.img, "DISABLED", includeResources={"amis": True}),
                     "InvalidRequestException")

    def test_a_role_that_does_not_exist_or_does_not_trust_image_builder_is_invalid_request(self):
        for name in (unique("missing"), role(trust=EC2_TRUST)):
            with self.subTest(role=name):
                self.refused(lambda: self.update(self.img, "DISABLED", executionRole=name,
                                                 includeResources={"amis": True}), "InvalidRequestException")

    def test_deleted_without_resources_or_snapshots_for_another_state_is_invalid_request(self):
        self.refused(lambda: self.update(self.img, "DELETED"), "InvalidRequestException")
        self.refused(lambda: self.update(self.img, "DISABLED", executionRole=self.role,
                                         includeResources={"amis": True, "snapshots": True}), "InvalidRequestException")
        self.refused(lambda: self.update(self.img, "DISABLED", executionRole=self.role,
                                         includeResources={"containers": True}), "InvalidRequestException")

    def test_update_at_other_than_deprecated_or_in_the_past_is_invalid_request(self):
        future = datetime.now(timezone.utc) + timedelta(days=1)
        self.refused(lambda: self.update(self.img, "DISABLED", updateAt=future), "InvalidRequestException")
        self.refused(lambda: self.update(self.img, "DEPRECATED", updateAt=datetime.now(timezone.utc) - timedelta(hours=1)),
                     "InvalidRequestException")

    def test_a_client_token_over_64_characters_is_invalid_request(self):
        self.refused(lambda: self.update(self.img, "DEPRECATED", clientToken="x" * 65), "InvalidRequestException")

    def test_an_unknown_image_is_resource_not_found(self):
        arn = self.img["arn"].rsplit("/", 1)[0] + "/999"
        self.refused(lambda: self.ib.start_resource_state_update(resourceArn=arn, state={"status": "DISABLED"}),
                     "ResourceNotFoundException", 404)

    def test_a_failed_image_goes_only_to_deleted_and_a_building_one_nowhere(self):
        failed = build(pipeline({"emulator:fail-builds": "1"}, scanning=False), scanned=False)
        self.assertEqual(failed["state"]["status"], "FAILED")
        self.refused(lambda: self.update(failed, "DISABLED"), "InvalidRequestException")
        done = self.update(failed, "DELETED", executionRole=self.role, includeResources={"amis": True})
        self.assertEqual(wait(done["lifecycleExecutionId"])["state"]["status"], "SUCCESS")
        building = self.ib.start_image_pipeline_execution(
            imagePipelineArn=pipeline({"emulator:hang-builds": "1"}, scanning=False))["imageBuildVersionArn"]
        self.refused(lambda: self.ib.start_resource_state_update(resourceArn=building, state={"status": "DISABLED"}),
                     "InvalidRequestException")

    def test_a_second_execution_while_one_runs_is_resource_in_use(self):
        img = image(("us-east-1",))
        first = self.update(img, "DISABLED", executionRole=self.role, includeResources={"amis": True})
        self.refused(lambda: self.update(img, "DELETED", executionRole=self.role, includeResources={"amis": True}),
                     "ResourceInUseException")
        wait(first["lifecycleExecutionId"])

    def test_execution_resources_and_executions_page(self):
        img = image()
        started = self.update(img, "DISABLED", executionRole=self.role, includeResources={"amis": True})
        execution_id = started["lifecycleExecutionId"]
        wait(execution_id)
        first = self.ib.list_lifecycle_execution_resources(lifecycleExecutionId=execution_id,
                                                           parentResourceId=img["arn"], maxResults=1)
        self.assertEqual(len(first["resources"]), 1)
        second = self.ib.list_lifecycle_execution_resources(lifecycleExecutionId=execution_id,
                                                            parentResourceId=img["arn"], maxResults=1,
                                                            nextToken=first["nextToken"])
        self.assertEqual(len(second["resources"]), 1)
        self.assertNotIn("nextToken", second)
        self.assertNotEqual(first["resources"][0]["region"], second["resources"][0]["region"])
        self.refused(lambda: self.ib.list_lifecycle_execution_resources(
            lifecycleExecutionId=execution_id, parentResourceId=img["arn"], nextToken="garbage"),
            "InvalidPaginationTokenException")
        listed = self.ib.list_lifecycle_executions(resourceArn=img["arn"])["lifecycleExecutions"]
        self.assertEqual([e["lifecycleExecutionId"] for e in listed], [execution_id])
        self.assertEqual(listed[0]["state"]["status"], "SUCCESS")

    def test_reading_an_unknown_or_malformed_execution_is_refused(self):
        self.refused(lambda: self.ib.get_lifecycle_execution(lifecycleExecutionId="lce-00000000-0000-0000-0000-000000000000"),
                     "ResourceNotFoundException", 404)
        self.refused(lambda: self.ib.list_lifecycle_execution_resources(lifecycleExecutionId="nope"),
                     "InvalidRequestException")


class StepFunctionsTest(LifecycleCase):
    def test_a_workflow_deletes_through_the_sdk_integration_and_catches_resource_in_use(self):
        img = image(("us-east-1",))
        name = role()
        task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:imagebuilder:startResourceStateUpdate",
                "Parameters": {"ResourceArn.$": "$.arn", "State": {"Status": "DELETED"}, "ExecutionRole.$": "$.role",
                               "IncludeResources": {"Amis": True, "Snapshots": True}}}
        definition = {"StartAt": "First", "States": {
            "First": dict(task, ResultPath="$.first", Next="Second"),
            "Second": dict(task, ResultPath="$.second", End=True, Catch=[{
                "ErrorEquals": ["Imagebuilder.ResourceInUseException"], "ResultPath": "$.error", "Next": "Busy"}]),
            "Busy": {"Type": "Pass", "End": True}}}
        out = run_state_machine(definition, {"arn": img["arn"], "role": name})
        self.assertEqual(out["status"], "SUCCEEDED", out)
        output = json.loads(out["output"])
        self.assertTrue(output["first"]["LifecycleExecutionId"].startswith("lce-"))
        self.assertEqual(output["error"]["Error"], "Imagebuilder.ResourceInUseException")
        self.assertEqual(wait(output["first"]["LifecycleExecutionId"])["state"]["status"], "SUCCESS")

    def test_a_workflow_reads_references_and_deprecates_an_ami(self):
        ec2 = client("ec2")
        ami = ec2.register_image(Name=unique("ami"))["ImageId"]
        ec2.create_launch_template(LaunchTemplateName=unique("lt"), LaunchTemplateData={"ImageId": ami})
        definition = {"StartAt": "Refs", "States": {
            "Refs": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeImageReferences",
                     "Parameters": {"ImageIds.$": "States.Array($.ami)", "IncludeAllResourceTypes": True},
                     "ResultPath": "$.refs", "Next": "Deprecate"},
            "Deprecate": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:enableImageDeprecation",
                          "Parameters": {"ImageId.$": "$.ami", "DeprecateAt.$": "$.at"},
                          "ResultPath": "$.deprecated", "End": True}}}
        at = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out = run_state_machine(definition, {"ami": ami, "at": at})
        self.assertEqual(out["status"], "SUCCEEDED", out)
        refs = json.loads(out["output"])["refs"]["ImageReferences"]
        self.assertEqual([r["ResourceType"] for r in refs], ["ec2:LaunchTemplate"])
        self.assertIn("DeprecationTime", ec2.describe_images(ImageIds=[ami])["Images"][0])


if __name__ == "__main__":
    unittest.main()
