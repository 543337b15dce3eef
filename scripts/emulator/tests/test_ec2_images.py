"""ec2_images.py: the end of an AMI's life in EC2 as AWS documents it. Each
rule: the right call works, the wrong call fails with EC2's code. Sources in
the module's docstring, scripts/emulator/README.md and docs/conformance.md."""

import unittest
from datetime import datetime, timedelta, timezone

from .harness import client, unique
from .test_ec2 import Ec2Case, build_ami, launch


def ami(region: str = "us-east-1") -> str:
    return client("ec2", region).register_image(Name=unique("ami"))["ImageId"]


def snapshot_of(ec2, ami_id: str) -> str:
    image = ec2.describe_images(ImageIds=[ami_id], IncludeDisabled=True)["Images"][0]
    return image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]


def amazon_ami() -> str:
    """One of moto's public Amazon AMIs (not this account's)."""
    images = client("ec2").describe_images(Owners=["amazon"])["Images"]
    return images[0]["ImageId"]


def refs(ec2, ami_id, **kwargs) -> set:
    found, token = [], None
    while True:
        page = ec2.describe_image_references(ImageIds=[ami_id], **kwargs, **({"NextToken": token} if token else {}))
        found += page["ImageReferences"]
        token = page.get("NextToken")
        if not token:
            return {(r["ResourceType"], r["Arn"]) for r in found}


class ImageReferencesTest(Ec2Case):
    def setUp(self):
        self.ec2 = client("ec2")

    def test_references_list_instances_launch_templates_parameters_and_recipes(self):
        image = ami()
        instance = launch(image)
        template = self.ec2.create_launch_template(LaunchTemplateName=unique("lt"),
                                                   LaunchTemplateData={"ImageId": image})["LaunchTemplate"]
        name = "/" + unique("golden") + "/ami"
        client("ssm").put_parameter(Name=name, Value=image, Type="String", DataType="aws:ec2:image")
        client("ssm").put_parameter(Name=unique("other"), Value=ami(), Type="String")  # another AMI
        recipe = client("imagebuilder").create_image_recipe(
            name=unique("r"), semanticVersion="1.0.0", parentImage=image,
            components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
        )["imageRecipeArn"]
        found = refs(self.ec2, image, IncludeAllResourceTypes=True)
        self.assertEqual(found, {
            ("ec2:Instance", f"arn:aws:ec2:us-east-1:123456789012:instance/{instance}"),
            ("ec2:LaunchTemplate", f"arn:aws:ec2:us-east-1:123456789012:launch-template/{template['LaunchTemplateId']}"),
            ("ssm:Parameter", f"arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
            ("imagebuilder:ImageRecipe", recipe),
        })
        only = refs(self.ec2, image, ResourceTypes=[{"ResourceType": "ssm:Parameter"}])
        self.assertEqual({t for t, _ in only}, {"ssm:Parameter"})

    def test_an_unreferenced_ami_has_no_references(self):
        self.assertEqual(refs(self.ec2, ami(), IncludeAllResourceTypes=True), set())

    def test_state_name_option_filters_instances(self):
        image = ami()
        instance = launch(image)
        self.ec2.terminate_instances(InstanceIds=[instance])
        running = [{"ResourceType": "ec2:Instance",
                    "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["running"]}]}]
        self.assertEqual(refs(self.ec2, image, ResourceTypes=running), set())
        terminated = [{"ResourceType": "ec2:Instance",
                       "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["terminated"]}]}]
        self.assertEqual(len(refs(self.ec2, image, ResourceTypes=terminated)), 1)

    def test_version_depth_checks_only_the_most_recent_versions(self):
        image, newer = ami(), ami()
        name = unique("lt")
        self.ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": image})
        self.ec2.create_launch_template_version(LaunchTemplateName=name, LaunchTemplateData={"ImageId": newer})
        depth = lambda n: [{"ResourceType": "ec2:LaunchTemplate",  # noqa: E731
                            "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": [str(n)]}]}]
        self.assertEqual(refs(self.ec2, image, ResourceTypes=depth(1)), set())
        self.assertEqual(len(refs(self.ec2, image, ResourceTypes=depth(2))), 1)
        self.assertEqual(len(refs(self.ec2, image, IncludeAllResourceTypes=True)), 1)  # default depth 10

    def test_references_page_with_max_results(self):
        image = ami()
        instances = [launch(image) for _ in range(6)]
        page = self.ec2.describe_image_references(ImageIds=[image], IncludeAllResourceTypes=True, MaxResults=5)
        self.assertEqual(len(page["ImageReferences"]), 5)
        self.assertIn("NextToken", page)
        self.assertEqual(len(refs(self.ec2, image, IncludeAllResourceTypes=True, MaxResults=5)), len(instances))

    def test_references_of_another_regions_ami_are_invalid_amiid_not_found(self):
        remote = ami("eu-west-1")
        self.refused(lambda: self.ec2.describe_image_references(ImageIds=[remote], IncludeAllResourceTypes=True),
                     "InvalidAMIID.NotFound")

    def test_references_of_a_deregistered_ami_are_invalid_amiid_not_found(self):
        image = ami()
        self.ec2.deregister_image(ImageId=image)
        self.refused(lambda: self.ec2.describe_image_references(ImageIds=[image], IncludeAllResourceTypes=True),
                     "InvalidAMIID.NotFound")

    def test_references_without_resource_types_are_missing_parameter(self):
        self.refused(lambda: self.ec2.describe_image_references(ImageIds=[ami()]), "MissingParameter")

    def test_references_with_an_option_on_the_wrong_type_or_value_are_invalid_parameter_value(self):
        image = ami()
        for request in (
            {"ResourceType": "ssm:Parameter",
             "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["running"]}]},
            {"ResourceType": "ec2:Instance",
             "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["sleeping"]}]},
            {"ResourceType": "ec2:LaunchTemplate",
             "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["10001"]}]},
        ):
            with self.subTest(request=request):
                self.refused(lambda: self.ec2.describe_image_references(ImageIds=[image], ResourceTypes=[request]),
                             "InvalidParameterValue")

    def test_references_with_max_results_below_5_or_over_10_ids_are_invalid_parameter_value(self):
        from .test_ec2 import raw_client

        raw = raw_client("ec2")
        image = ami()
        self.refused(lambda: raw.describe_image_references(ImageIds=[image], IncludeAllResourceTypes=True,
                                                           MaxResults=4), "InvalidParameterValue")
        self.refused(lambda: raw.describe_image_references(ImageIds=[image] * 11, IncludeAllResourceTypes=True),
                     "InvalidParameterValue")

    def test_references_with_a_foreign_token_are_invalid_next_token(self):
        self.refused(lambda: self.ec2.describe_image_references(ImageIds=[ami()], IncludeAllResourceTypes=True,
                                                                NextToken="garbage"), "InvalidNextToken")


class LastLaunchedTest(Ec2Case):
    def test_run_instances_records_last_launched_time(self):
        ec2 = client("ec2")
        image = ami()
        self.assertEqual(ec2.describe_image_attribute(ImageId=image, Attribute="lastLaunchedTime")["LastLaunchedTime"], {})
        self.assertNotIn("LastLaunchedTime", ec2.describe_images(ImageIds=[image])["Images"][0])
        before = datetime.now(timezone.utc).replace(microsecond=0)
        launch(image)
        value = ec2.describe_image_attribute(ImageId=image, Attribute="lastLaunchedTime")["LastLaunchedTime"]["Value"]
        launched = datetime.fromisoformat(value.replace("Z", "+00:00"))
        self.assertGreaterEqual(launched, before)
        self.assertEqual(ec2.describe_images(ImageIds=[image])["Images"][0]["LastLaunchedTime"], value)

    def test_last_launched_time_of_a_deregistered_ami_is_invalid_amiid_unavailable(self):
        ec2 = client("ec2")
        image = ami()
        ec2.deregister_image(ImageId=image)
        self.refused(lambda: ec2.describe_image_attribute(ImageId=image, Attribute="lastLaunchedTime"),
                     "InvalidAMIID.Unavailable")
        self.refused(lambda: client("ec2", "eu-west-1").describe_image_attribute(
            ImageId=ami(), Attribute="lastLaunchedTime"), "InvalidAMIID.NotFound")


class DeprecationTest(Ec2Case):
    def setUp(self):
        self.ec2 = client("ec2")

    def test_deprecate_at_is_rounded_to_the_minute_and_can_be_cancelled(self):
        image = ami()
        at = (datetime.now(timezone.utc) + timedelta(days=3)).replace(second=40, microsecond=0)
        self.ec2.enable_image_deprecation(ImageId=image, DeprecateAt=at)
        rounded = (at + timedelta(seconds=20)).strftime("%Y-%m-%dT%H:%M:00.000Z")
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"][0]["DeprecationTime"], rounded)
        self.ec2.disable_image_deprecation(ImageId=image)
        self.assertNotIn("DeprecationTime", self.ec2.describe_images(ImageIds=[image])["Images"][0])

    def test_deprecate_at_in_the_past_is_invalid_parameter_value(self):
        self.refused(lambda: self.ec2.enable_image_deprecation(
            ImageId=ami(), DeprecateAt=datetime.now(timezone.utc) - timedelta(hours=1)), "InvalidParameterValue")

    def test_deprecate_at_beyond_ten_years_is_invalid_parameter_value(self):
        image = ami()
        self.ec2.enable_image_deprecation(ImageId=image, DeprecateAt=datetime.now(timezone.utc) + timedelta(days=9 * 365))
        self.refused(lambda: self.ec2.enable_image_deprecation(
            ImageId=image, DeprecateAt=datetime.now(timezone.utc) + timedelta(days=11 * 365)), "InvalidParameterValue")

    def test_deprecate_at_of_a_public_ami_beyond_two_years_is_invalid_parameter_value(self):
        image = ami()
        self.ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
        self.refused(lambda: self.ec2.enable_image_deprecation(
            ImageId=image, DeprecateAt=datetime.now(timezone.utc) + timedelta(days=3 * 365)), "InvalidParameterValue")

    def test_a_public_ami_is_deprecated_two_years_after_its_creation_by_default(self):
        image = ami()
        created = self.ec2.describe_images(ImageIds=[image])["Images"][0]["CreationDate"]
        self.ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
        deprecation = self.ec2.describe_images(ImageIds=[image])["Images"][0]["DeprecationTime"]
        self.assertEqual(deprecation[:4], str(int(created[:4]) + 2))
        self.assertEqual(deprecation[4:16], created[4:16])

    def test_deprecating_another_accounts_ami_is_auth_failure(self):
        self.refused(lambda: self.ec2.enable_image_deprecation(
            ImageId=amazon_ami(), DeprecateAt=datetime.now(timezone.utc) + timedelta(days=1)), "AuthFailure")

    def test_owner_sees_deprecated_amis_without_include_deprecated(self):
        from emulator import ec2_images

        image = ami()
        self.ec2.enable_image_deprecation(ImageId=image, DeprecateAt=datetime.now(timezone.utc) + timedelta(minutes=2))
        # The time passes: the AMI is deprecated now (set in-process, as a clock would).
        from moto.ec2.models import ec2_backends

        ec2_backends["123456789012"]["us-east-1"].amis[image].deprecation_time = ec2_images.iso(
            datetime.now(timezone.utc) - timedelta(minutes=1))
        owned = {i["ImageId"] for i in self.ec2.describe_images(Owners=["self"])["Images"]}
        self.assertIn(image, owned)

    def test_deprecated_amis_of_others_are_hidden_unless_included_or_named(self):
        from emulator import ec2_images
        from moto.ec2.models import ec2_backends

        theirs = amazon_ami()
        backend_ami = ec2_backends["123456789012"]["us-east-1"].amis[theirs]
        backend_ami.deprecation_time = ec2_images.iso(datetime.now(timezone.utc) - timedelta(days=1))
        try:
            listed = {i["ImageId"] for i in self.ec2.describe_images(Owners=["amazon"])["Images"]}
            self.assertNotIn(theirs, listed)
            included = {i["ImageId"] for i in self.ec2.describe_images(Owners=["amazon"], IncludeDeprecated=True)["Images"]}
            self.assertIn(theirs, included)
            self.assertEqual(len(self.ec2.describe_images(ImageIds=[theirs])["Images"]), 1)
        finally:
            backend_ami.deprecation_time = None


class DisableImageTest(Ec2Case):
    def setUp(self):
        self.ec2 = client("ec2")

    def test_disable_hides_the_ami_refuses_launches_and_enable_brings_it_back(self):
        image = ami()
        self.ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
        self.ec2.disable_image(ImageId=image)
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"], [])
        described = self.ec2.describe_images(ImageIds=[image], IncludeDisabled=True)["Images"][0]
        self.assertEqual(described["State"], "disabled")
        self.assertFalse(described["Public"])  # "If an AMI was public ..., it is made private"
        self.refused(lambda: launch(image), "InvalidAMIID.Unavailable")
        self.ec2.enable_image(ImageId=image)
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"][0]["State"], "available")
        self.assertFalse(self.ec2.describe_images(ImageIds=[image])["Images"][0]["Public"])  # not given back
        launch(image)

    def test_sharing_a_disabled_ami_is_invalid_amiid_unavailable(self):
        image = ami()
        self.ec2.disable_image(ImageId=image)
        self.refused(lambda: self.ec2.modify_image_attribute(
            ImageId=image, LaunchPermission={"Add": [{"UserId": "111122223333"}]}), "InvalidAMIID.Unavailable")

    def test_deleting_the_snapshot_of_a_disabled_ami_is_invalid_snapshot_in_use(self):
        image = ami()
        self.ec2.disable_image(ImageId=image)
        snap = snapshot_of(self.ec2, image)
        self.refused(lambda: self.ec2.delete_snapshot(SnapshotId=snap), "InvalidSnapshot.InUse")

    def test_disabling_another_accounts_ami_is_auth_failure(self):
        self.refused(lambda: self.ec2.disable_image(ImageId=amazon_ami()), "AuthFailure")

    def test_disabling_an_unknown_ami_is_invalid_amiid_not_found(self):
        self.refused(lambda: self.ec2.disable_image(ImageId="ami-0123456789abcdef9"), "InvalidAMIID.NotFound")


class DeregistrationTest(Ec2Case):
    def setUp(self):
        self.ec2 = client("ec2")

    def test_deregister_with_associated_snapshots_deletes_them(self):
        image = ami()
        snap = snapshot_of(self.ec2, image)
        answer = self.ec2.deregister_image(ImageId=image, DeleteAssociatedSnapshots=True)
        self.assertEqual(answer["DeleteSnapshotResults"], [{"SnapshotId": snap, "ReturnCode": "success"}])
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"], [])
        self.refused(lambda: self.ec2.describe_snapshots(SnapshotIds=[snap]), "InvalidSnapshot.NotFound")

    def test_deregister_without_the_option_keeps_the_snapshots(self):
        image = ami()
        snap = snapshot_of(self.ec2, image)
        self.assertNotIn("DeleteSnapshotResults", self.ec2.deregister_image(ImageId=image))
        self.assertEqual(len(self.ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"]), 1)

    def test_deregistering_a_protected_ami_is_operation_not_permitted(self):
        image = ami()
        self.ec2.enable_image_deregistration_protection(ImageId=image)
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"][0]["DeregistrationProtection"],
                         "enabled-without-cooldown")
        self.refused(lambda: self.ec2.deregister_image(ImageId=image), "OperationNotPermitted")
        self.ec2.disable_image_deregistration_protection(ImageId=image)
        self.assertEqual(self.ec2.describe_images(ImageIds=[image])["Images"][0]["DeregistrationProtection"], "disabled")
        self.ec2.deregister_image(ImageId=image)

    def test_the_cooldown_keeps_the_protection_for_24_hours_after_disabling(self):
        image = ami()
        self.ec2.enable_image_deregistration_protection(ImageId=image, WithCooldown=True)
        self.ec2.disable_image_deregistration_protection(ImageId=image)
        value = self.ec2.describe_image_attribute(ImageId=image, Attribute="deregistrationProtection")
        self.assertTrue(value["DeregistrationProtection"]["Value"].startswith("disabled-until "), value)
        self.refused(lambda: self.ec2.deregister_image(ImageId=image), "OperationNotPermitted")
        # 24 hours later (the clock moved in-process).
        from moto.ec2.models import ec2_backends

        ec2_backends["123456789012"]["us-east-1"].amis[image].protection_cooldown_until = \
            datetime.now(timezone.utc) - timedelta(seconds=1)
        self.ec2.deregister_image(ImageId=image)

    def test_deregistering_twice_is_invalid_amiid_unavailable(self):
        image = ami()
        self.ec2.deregister_image(ImageId=image)
        self.refused(lambda: self.ec2.deregister_image(ImageId=image), "InvalidAMIID.Unavailable")

    def test_deregistering_another_accounts_ami_is_auth_failure(self):
        self.refused(lambda: self.ec2.deregister_image(ImageId=amazon_ami()), "AuthFailure")

    def test_an_image_builder_ami_deregisters_with_its_snapshot(self):
        image = build_ami({})
        snap = snapshot_of(self.ec2, image)
        self.ec2.deregister_image(ImageId=image, DeleteAssociatedSnapshots=True)
        self.refused(lambda: self.ec2.describe_snapshots(SnapshotIds=[snap]), "InvalidSnapshot.NotFound")


if __name__ == "__main__":
    unittest.main()


class AmiEventsTest(Ec2Case):
    def test_disable_enable_and_deregister_send_ec2_ami_state_change_events(self):
        """EC2 sends "EC2 AMI State Change" `disabled`, `available` (EnableImage) and `deregistered`
        (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitor-ami-events.html)."""
        import json
        import time

        sns, sqs, events = client("sns"), client("sqs"), client("events")
        topic = sns.create_topic(Name=unique("t"))["TopicArn"]
        queue = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        rule = unique("r")
        events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["aws.ec2"],
                                                            "detail-type": ["EC2 AMI State Change"]}))
        events.put_targets(Rule=rule, Targets=[{"Id": "t", "Arn": topic}])
        image = ami()
        client("ec2").disable_image(ImageId=image)
        client("ec2").enable_image(ImageId=image)
        client("ec2").deregister_image(ImageId=image)
        seen, deadline = [], time.time() + 5
        while time.time() < deadline and len(seen) < 3:
            for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
                detail = json.loads(json.loads(message["Body"])["Message"])["detail"]
                if detail["ImageId"] == image:
                    seen.append(detail["State"])
        events.remove_targets(Rule=rule, Ids=["t"])
        events.delete_rule(Name=rule)
        self.assertEqual(seen, ["disabled", "available", "deregistered"])
