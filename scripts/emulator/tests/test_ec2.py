"""EC2 refuses what AWS refuses (ec2_strict.py, ec2_tasks.py): each rule's
wrong call fails with AWS's code and message, and the right call passes.
The sources are cited in scripts/emulator/README.md and docs/conformance.md."""

import json
import time
import unittest

from botocore.config import Config
from botocore.exceptions import ClientError

from .harness import client, emulator_url, error_code, unique

SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
VMIE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "vmie.amazonaws.com"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:Externalid": "vmimport"}}}]}


# --- helpers shared with test_ssm --------------------------------------------


def build_ami(tags: dict, region: str = "us-east-1") -> str:
    """An AMI built by the emulator's Image Builder from a pipeline with `tags`."""
    ib = client("imagebuilder", region)
    name = unique("p")
    recipe = ib.create_image_recipe(
        name=name, semanticVersion="1.0.0", parentImage="ami-0123456789abcdef0",
        components=[{"componentArn": f"arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x"}],
    )["imageRecipeArn"]
    infra = ib.create_infrastructure_configuration(name=name, instanceProfileName="builder")[
        "infrastructureConfigurationArn"]
    pipeline = ib.create_image_pipeline(
        name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
        tags=dict({"emulator:build-seconds": "0.2"}, **tags))["imagePipelineArn"]
    image = ib.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    deadline = time.time() + 15
    while time.time() < deadline:
        try:  # GetImage may be throttled by the same pipeline tags (another rule)
            got = ib.get_image(imageBuildVersionArn=image)["image"]
        except ClientError:
            time.sleep(0.1)
            continue
        if got["state"]["status"] == "AVAILABLE":
            return got["outputResources"]["amis"][0]["image"]
        time.sleep(0.1)
    raise AssertionError(f"image {image} not AVAILABLE")


def instance_profile(ssm_policy: bool = True) -> str:
    """An instance profile whose role has AmazonSSMManagedInstanceCore (or not)."""
    iam = client("iam")
    name = unique("prof")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    if ssm_policy:
        iam.attach_role_policy(RoleName=name, PolicyArn=SSM_CORE)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def plain_ami(region: str = "us-east-1") -> str:
    return client("ec2", region).register_image(Name=unique("ami"))["ImageId"]


def windows_ami(region: str = "us-east-1") -> str:
    images = client("ec2", region).describe_images(
        Owners=["amazon"], Filters=[{"Name": "platform", "Values": ["windows"]}])["Images"]
    return images[0]["ImageId"]


def launch(ami: str, profile=None, region: str = "us-east-1", **extra) -> str:
    kwargs = dict(ImageId=ami, MinCount=1, MaxCount=1, **extra)
    if profile:
        kwargs["IamInstanceProfile"] = {"Name": profile}
    return client("ec2", region).run_instances(**kwargs)["Instances"][0]["InstanceId"]


def bucket() -> str:
    name = unique("b")
    client("s3").create_bucket(Bucket=name)
    return name


def vmie_role(trust=VMIE_TRUST) -> str:
    name = unique("vmie")
    client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return name


def raw_client(service: str, region: str = "us-east-1"):
    """A client that sends what botocore's own validation would stop."""
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=emulator_url(),
                        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                      parameter_validation=False))


def no_retry_client(service: str, region: str = "us-east-1"):
    """A client that makes exactly one attempt (the harness's client retries
    once: botocore's `max_attempts` counts retries), to count faulted calls."""
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=emulator_url(),
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


class Ec2Case(unittest.TestCase):
    def refused(self, call, code: str, status: int = 400, message=None) -> ClientError:
        with self.assertRaises(ClientError) as caught:
            call()
        err = caught.exception
        self.assertEqual(error_code(err), code, err.response)
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertEqual(err.response["Error"]["Message"], message)
        return err


# --- CreateTags --------------------------------------------------------------


class CreateTagsTest(Ec2Case):
    def test_create_tags_on_an_unknown_ami_is_invalid_amiid_not_found(self):
        ec2 = client("ec2")
        self.refused(lambda: ec2.create_tags(Resources=["ami-0aaaaaaaaaaaaaaaa"], Tags=[{"Key": "k", "Value": "v"}]),
                     "InvalidAMIID.NotFound", message="The image id '[ami-0aaaaaaaaaaaaaaaa]' does not exist")
        ami = plain_ami()
        ec2.create_tags(Resources=[ami], Tags=[{"Key": "k", "Value": "v"}])

    def test_create_tags_on_another_regions_ami_is_invalid_amiid_not_found(self):
        ami = plain_ami("us-east-1")
        west = client("ec2", "us-west-2")
        self.refused(lambda: west.create_tags(Resources=[ami], Tags=[{"Key": "k", "Value": "v"}]),
                     "InvalidAMIID.NotFound", message=f"The image id '[{ami}]' does not exist")

    def test_create_tags_on_an_unknown_instance_is_invalid_instance_id_not_found(self):
        ec2 = client("ec2")
        self.refused(lambda: ec2.create_tags(Resources=["i-0aaaaaaaaaaaaaaaa"], Tags=[{"Key": "k", "Value": "v"}]),
                     "InvalidInstanceID.NotFound", message="The instance ID 'i-0aaaaaaaaaaaaaaaa' does not exist")
        ec2.create_tags(Resources=[launch(plain_ami())], Tags=[{"Key": "k", "Value": "v"}])

    def test_create_tags_on_an_unknown_snapshot_is_invalid_snapshot_not_found(self):
        ec2 = client("ec2")
        self.refused(lambda: ec2.create_tags(Resources=["snap-0aaaaaaaaaaaaaaaa"], Tags=[{"Key": "k", "Value": "v"}]),
                     "InvalidSnapshot.NotFound", message="The snapshot 'snap-0aaaaaaaaaaaaaaaa' does not exist.")
        snapshot = ec2.describe_images(ImageIds=[plain_ami()])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        ec2.create_tags(Resources=[snapshot], Tags=[{"Key": "k", "Value": "v"}])


# --- RunInstances ------------------------------------------------------------


class RunInstancesTest(Ec2Case):
    def test_run_instances_with_an_unknown_ami_is_invalid_amiid_not_found(self):
        ec2 = client("ec2")
        self.refused(lambda: ec2.run_instances(ImageId="ami-0aaaaaaaaaaaaaaaa", MinCount=1, MaxCount=1),
                     "InvalidAMIID.NotFound", message="The image id '[ami-0aaaaaaaaaaaaaaaa]' does not exist")
        launch(plain_ami())

    def test_run_instances_with_another_regions_ami_is_invalid_amiid_not_found(self):
        ami = plain_ami("us-east-1")
        self.refused(lambda: launch(ami, region="us-west-2"), "InvalidAMIID.NotFound")

    def test_run_instances_with_an_unknown_profile_name_is_invalid_parameter_value(self):
        ami = plain_ami()
        self.refused(lambda: launch(ami, profile="no-such-profile"), "InvalidParameterValue",
                     message="Value (no-such-profile) for parameter iamInstanceProfile.name is invalid. "
                             "Invalid IAM Instance Profile name")
        launch(ami, profile=instance_profile())

    def test_run_instances_with_an_unknown_profile_arn_is_invalid_parameter_value(self):
        arn = "arn:aws:iam::123456789012:instance-profile/no-such-profile"
        self.refused(lambda: client("ec2").run_instances(ImageId=plain_ami(), MinCount=1, MaxCount=1,
                                                         IamInstanceProfile={"Arn": arn}),
                     "InvalidParameterValue",
                     message=f"Value ({arn}) for parameter iamInstanceProfile.arn is invalid. "
                             "Invalid IAM Instance Profile ARN")

    def test_run_instances_in_an_unknown_subnet_is_invalid_subnet_id_not_found(self):
        ec2 = client("ec2")
        ami = plain_ami()
        self.refused(lambda: launch(ami, SubnetId="subnet-0aaaaaaaaaaaaaaaa"), "InvalidSubnetID.NotFound")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        launch(ami, SubnetId=subnet)


# --- encrypted AMIs ----------------------------------------------------------


class EncryptedAmiTest(Ec2Case):
    def test_register_image_with_an_encrypted_mapping_makes_an_encrypted_ami(self):
        ec2 = client("ec2")
        ami = ec2.register_image(Name=unique("enc"), RootDeviceName="/dev/xvda", BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": "alias/mine"}}])["ImageId"]
        ebs = ec2.describe_images(ImageIds=[ami])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
        self.assertTrue(ebs["Encrypted"])
        self.assertEqual(ebs["KmsKeyId"], "alias/mine")
        plain = ec2.describe_images(ImageIds=[plain_ami()])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
        self.assertFalse(plain["Encrypted"])

    def test_copy_image_encrypted_makes_an_encrypted_copy(self):
        ec2 = client("ec2")
        source = plain_ami()
        copy = ec2.copy_image(SourceImageId=source, SourceRegion="us-east-1", Name=unique("c"),
                              Encrypted=True)["ImageId"]
        ebs = ec2.describe_images(ImageIds=[copy])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
        self.assertTrue(ebs["Encrypted"])
        again = ec2.copy_image(SourceImageId=copy, SourceRegion="us-east-1", Name=unique("c"))["ImageId"]
        self.assertTrue(ec2.describe_images(ImageIds=[again])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["Encrypted"])


# --- ExportImage -------------------------------------------------------------


class ExportImageTest(Ec2Case):
    def export(self, ami, bucket_name, role=None, region="us-east-1"):
        kwargs = dict(ImageId=ami, DiskImageFormat="VMDK", S3ExportLocation={"S3Bucket": bucket_name})
        if role:
            kwargs["RoleName"] = role
        return client("ec2", region).export_image(**kwargs)

    def test_export_image_of_an_unknown_ami_is_invalid_amiid_not_found(self):
        self.refused(lambda: self.export("ami-0aaaaaaaaaaaaaaaa", bucket(), vmie_role()), "InvalidAMIID.NotFound")
        ami = plain_ami("us-east-1")
        self.refused(lambda: self.export(ami, bucket(), vmie_role(), region="us-west-2"), "InvalidAMIID.NotFound")

    def test_export_image_to_a_missing_bucket_is_invalid_parameter(self):
        self.refused(lambda: self.export(plain_ami(), unique("nobucket"), vmie_role()), "InvalidParameter")

    def test_export_image_of_an_encrypted_ami_is_invalid_parameter(self):
        ec2 = client("ec2")
        ami = ec2.copy_image(SourceImageId=plain_ami(), SourceRegion="us-east-1", Name=unique("c"),
                             Encrypted=True)["ImageId"]
        err = self.refused(lambda: self.export(ami, bucket(), vmie_role()), "InvalidParameter")
        self.assertIn("encrypted", err.response["Error"]["Message"])

    def test_export_image_of_a_windows_ami_is_invalid_parameter(self):
        err = self.refused(lambda: self.export(windows_ami(), bucket(), vmie_role()), "InvalidParameter")
        self.assertIn("third-party software", err.response["Error"]["Message"])

    def test_export_image_with_a_missing_role_is_invalid_parameter(self):
        self.refused(lambda: self.export(plain_ami(), bucket(), "no-such-role"), "InvalidParameter",
                     message="The service role no-such-role provided does not exist or does not have sufficient "
                             "permissions")

    def test_export_image_with_the_default_role_missing_is_invalid_parameter(self):
        try:
            client("iam").get_role(RoleName="vmimport")
            self.skipTest("a vmimport role exists in this emulator")
        except ClientError:
            pass
        self.refused(lambda: self.export(plain_ami(), bucket()), "InvalidParameter",
                     message="The service role vmimport provided does not exist or does not have sufficient "
                             "permissions")

    def test_export_image_with_a_role_not_trusting_vmie_is_invalid_parameter(self):
        role = vmie_role(trust=EC2_TRUST)
        self.refused(lambda: self.export(plain_ami(), bucket(), role), "InvalidParameter",
                     message=f"The service role {role} provided does not exist or does not have sufficient "
                             "permissions")

    def test_export_image_of_an_unencrypted_linux_ami_with_a_vmie_role_completes(self):
        ec2 = client("ec2")
        name = bucket()
        task = self.export(plain_ami(), name, vmie_role())["ExportImageTaskId"]
        deadline = time.time() + 10
        while time.time() < deadline:
            state = ec2.describe_export_image_tasks(ExportImageTaskIds=[task])["ExportImageTasks"][0]["Status"]
            if state == "completed":
                break
            time.sleep(0.2)
        self.assertEqual(state, "completed")
        keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket=name).get("Contents", [])]
        self.assertEqual(keys, [f"{task}.vmdk"])


# --- CreateStoreImageTask ----------------------------------------------------


class StoreImageTaskTest(Ec2Case):
    def test_create_store_image_task_to_a_missing_bucket_is_invalid_parameter(self):
        ec2 = client("ec2")
        self.refused(lambda: ec2.create_store_image_task(ImageId=plain_ami(), Bucket=unique("nobucket")),
                     "InvalidParameter")
        self.refused(lambda: ec2.create_store_image_task(ImageId="ami-0aaaaaaaaaaaaaaaa", Bucket=bucket()),
                     "InvalidAMIID.NotFound")

    def test_describe_store_image_tasks_lists_every_task_of_an_ami_oldest_first(self):
        ec2 = client("ec2")
        ami, first, second = plain_ami(), bucket(), bucket()
        ec2.create_store_image_task(ImageId=ami, Bucket=first)
        time.sleep(1.1)  # TaskStartTime has a resolution of seconds on the wire
        ec2.create_store_image_task(ImageId=ami, Bucket=second)
        tasks = ec2.describe_store_image_tasks(ImageIds=[ami])["StoreImageTaskResults"]
        self.assertEqual([t["Bucket"] for t in tasks], [first, second])
        self.assertLess(tasks[0]["TaskStartTime"], tasks[1]["TaskStartTime"])
        only = ec2.describe_store_image_tasks(ImageIds=[ami], Filters=[{"Name": "bucket", "Values": [second]}])
        self.assertEqual([t["Bucket"] for t in only["StoreImageTaskResults"]], [second])
        time.sleep(1.2)
        done = ec2.describe_store_image_tasks(ImageIds=[ami], Filters=[{"Name": "task-state", "Values": ["Completed"]}])
        self.assertEqual(len(done["StoreImageTaskResults"]), 2)
        none = ec2.describe_store_image_tasks(ImageIds=[ami], Filters=[{"Name": "task-state", "Values": ["Failed"]}])
        self.assertEqual(none["StoreImageTaskResults"], [])
        other = ec2.describe_store_image_tasks(ImageIds=[plain_ami()])["StoreImageTaskResults"]
        self.assertEqual(other, [])


# --- faults on status polls --------------------------------------------------


class PollFaultsTest(Ec2Case):
    def test_throttle_polls_tag_makes_ec2_status_calls_answer_request_limit_exceeded(self):
        ec2 = no_retry_client("ec2")
        ami = build_ami({"emulator:throttle-polls": "2"})
        instance = launch(ami)
        for _ in range(2):
            self.refused(lambda: ec2.describe_images(ImageIds=[ami]), "RequestLimitExceeded", 503,
                         message="Request limit exceeded.")
        ec2.describe_images(ImageIds=[ami])
        for _ in range(2):  # counted per operation
            self.refused(lambda: ec2.describe_instances(InstanceIds=[instance]), "RequestLimitExceeded", 503)
        ec2.describe_instances(InstanceIds=[instance])
        task = ec2.export_image(ImageId=ami, DiskImageFormat="VMDK", S3ExportLocation={"S3Bucket": bucket()},
                                RoleName=vmie_role())["ExportImageTaskId"]
        for _ in range(2):
            self.refused(lambda: ec2.describe_export_image_tasks(ExportImageTaskIds=[task]), "RequestLimitExceeded", 503)
        ec2.describe_export_image_tasks(ExportImageTaskIds=[task])
        ec2.create_store_image_task(ImageId=ami, Bucket=bucket())
        for _ in range(2):
            self.refused(lambda: ec2.describe_store_image_tasks(ImageIds=[ami]), "RequestLimitExceeded", 503)
        ec2.describe_store_image_tasks(ImageIds=[ami])

    def test_server_error_polls_tag_makes_ec2_status_calls_answer_internal_error_and_unavailable(self):
        ec2 = no_retry_client("ec2")
        ami = build_ami({"emulator:server-error-polls": "2"})
        self.refused(lambda: ec2.describe_images(ImageIds=[ami]), "InternalError", 500,
                     message="An internal error has occurred.")
        self.refused(lambda: ec2.describe_images(ImageIds=[ami]), "Unavailable", 503)
        ec2.describe_images(ImageIds=[ami])

    def test_the_image_id_filter_and_image_references_are_faulted_as_the_where_used_workflow_calls_them(self):
        ec2 = no_retry_client("ec2")
        ami = build_ami({"emulator:throttle-polls": "1"})
        by_filter = lambda: ec2.describe_images(  # noqa: E731
            Filters=[{"Name": "image-id", "Values": [ami]}], IncludeDeprecated=True, IncludeDisabled=True)
        self.refused(by_filter, "RequestLimitExceeded", 503)
        self.assertEqual([i["ImageId"] for i in by_filter()["Images"]], [ami])
        references = lambda: ec2.describe_image_references(  # noqa: E731
            ImageIds=[ami], IncludeAllResourceTypes=True)
        self.refused(references, "RequestLimitExceeded", 503)
        self.assertEqual(references()["ImageReferences"], [])

    def test_status_calls_about_resources_not_built_by_the_emulator_are_never_faulted(self):
        ec2 = no_retry_client("ec2")
        build_ami({"emulator:throttle-polls": "5"})
        ami = plain_ami()
        ec2.describe_images(ImageIds=[ami])
        ec2.describe_images(Filters=[{"Name": "image-id", "Values": [ami]}])
        ec2.describe_image_references(ImageIds=[ami], IncludeAllResourceTypes=True)
        ec2.describe_instances(InstanceIds=[launch(ami)])
        ec2.describe_store_image_tasks(ImageIds=[ami])


if __name__ == "__main__":
    unittest.main()
