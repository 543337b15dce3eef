"""imagebuilder.py: Image Builder answers only in the documented shapes and
refuses what the service refuses. Sources are in the module's docstrings:
API_ListImageScanFindingAggregations, API_ImageScanFindingAggregation,
API_ListImageScanFindings, API_ImageScanFinding, API_AmiDistributionConfiguration,
image-lifecycle-rules, botocore's imagebuilder model (errors and codes)."""

import time
import unittest

from botocore.exceptions import ClientError

from .harness import client, emulator_url, error_code, unique

ACCOUNT = "123456789012"
FINDING_KEYS = {"awsAccountId", "imageBuildVersionArn", "type", "severity", "title", "description",
                "firstObservedAt", "updatedAt", "inspectorScore", "inspectorScoreDetails",
                "packageVulnerabilityDetails", "remediation", "fixAvailable"}
TERMINAL = {"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"}


def pipeline(tags: dict = None, regions=("us-east-1",), kms: dict = None, scanning: bool = True,
             parent: str = "ami-0123456789abcdef0", block_devices: list = None) -> str:
    """A pipeline building fast; its ARN."""
    ib = client("imagebuilder")
    name = unique("p")
    recipe = ib.create_image_recipe(name=name, semanticVersion="1.0.0", parentImage=parent,
                                    components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
                                    **({"blockDeviceMappings": block_devices} if block_devices else {}))["imageRecipeArn"]
    infra = ib.create_infrastructure_configuration(name=name, instanceProfileName="profile")["infrastructureConfigurationArn"]
    distributions = []
    for region in regions:
        ami = {"name": f"{name}-{{{{imagebuilder:buildDate}}}}"}
        if kms and region in kms:
            ami["kmsKeyId"] = kms[region]
        distributions.append({"region": region, "amiDistributionConfiguration": ami})
    dist = ib.create_distribution_configuration(name=name, distributions=distributions)["distributionConfigurationArn"]
    return ib.create_image_pipeline(
        name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
        distributionConfigurationArn=dist,
        imageScanningConfiguration={"imageScanningEnabled": scanning},
        tags=dict({"emulator:build-seconds": "0.2"}, **(tags or {})))["imagePipelineArn"]


def build(pipeline_arn: str, scanned: bool = True) -> dict:
    """Starts a build and waits for its end (and its scan's); the image."""
    ib = client("imagebuilder")
    arn = ib.start_image_pipeline_execution(imagePipelineArn=pipeline_arn, clientToken=unique("t"))["imageBuildVersionArn"]
    deadline = time.time() + 15
    while time.time() < deadline:
        image = ib.get_image(imageBuildVersionArn=arn)["image"]
        done = image["state"]["status"] in TERMINAL
        scan = image.get("scanState", {}).get("status")
        if done and (not scanned or image["state"]["status"] == "DELETED" or scan in ("COMPLETED", "FAILED")):
            return image
        time.sleep(0.05)
    raise AssertionError(f"{arn} did not end: {image}")


def all_findings(**kwargs) -> list:
    ib = client("imagebuilder")
    findings, token = [], None
    while True:
        page = ib.list_image_scan_findings(**kwargs, **({"nextToken": token} if token else {}))
        findings += page["findings"]
        token = page.get("nextToken")
        if not token:
            return findings


class ScanFindingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pipeline = pipeline({"emulator:critical-findings": "1"})
        cls.image = build(cls.pipeline)
        cls.clean_pipeline = pipeline({"emulator:no-findings": "1"})
        cls.clean = build(cls.clean_pipeline)

    def setUp(self):
        self.ib = client("imagebuilder")

    def findings(self) -> list:
        return all_findings(filters=[{"name": "imageBuildVersionArn", "values": [self.image["arn"]]}], maxResults=2)

    def test_findings_have_the_documented_shape_and_counts(self):
        findings = self.findings()
        self.assertEqual(sum(1 for f in findings if f["severity"] == "CRITICAL"), 2)
        for finding in findings:
            self.assertTrue(FINDING_KEYS <= set(finding), set(finding) ^ FINDING_KEYS)
            self.assertEqual(finding["type"], "PACKAGE_VULNERABILITY")
            self.assertIn(finding["severity"], ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNTRIAGED"))
            self.assertEqual(finding["imagePipelineArn"], self.pipeline)
            self.assertIn("vulnerabilityId", finding["packageVulnerabilityDetails"])
            self.assertIn(finding["fixAvailable"], ("YES", "NO", "PARTIAL"))
        high = all_findings(filters=[{"name": "severity", "values": ["HIGH"]}])
        self.assertEqual({f["imageBuildVersionArn"] for f in high if f["imageBuildVersionArn"] == self.image["arn"]} or set(),
                         {self.image["arn"]} if any(f["severity"] == "HIGH" for f in findings) else set())

    def test_aggregation_by_image_is_one_image_aggregation(self):
        answer = self.ib.list_image_scan_finding_aggregations(
            filter={"name": "imageBuildVersionArn", "values": [self.image["arn"]]})
        self.assertEqual(answer["aggregationType"], "imageBuildVersionArn")
        self.assertEqual(len(answer["responses"]), 1)
        item = answer["responses"][0]
        self.assertEqual(list(item), ["imageAggregation"])
        findings = self.findings()
        counts = item["imageAggregation"]["severityCounts"]
        self.assertEqual(counts["all"], len(findings))
        self.assertEqual(counts["critical"], 2)
        self.assertEqual(counts["high"], sum(1 for f in findings if f["severity"] == "HIGH"))

    def test_other_filters_give_their_own_aggregation_type(self):
        answer = self.ib.list_image_scan_finding_aggregations(filter={"name": "imagePipelineArn", "values": [self.pipeline]})
        self.assertEqual(answer["aggregationType"], "imagePipelineArn")
        self.assertEqual([list(r) for r in answer["responses"]], [["imagePipelineAggregation"]])
        answer = self.ib.list_image_scan_finding_aggregations()
        self.assertEqual(answer["aggregationType"], "accountId")
        self.assertEqual([list(r) for r in answer["responses"]], [["accountAggregation"]])
        cve = self.findings()[0]["packageVulnerabilityDetails"]["vulnerabilityId"]
        answer = self.ib.list_image_scan_finding_aggregations(filter={"name": "vulnerabilityId", "values": [cve]})
        self.assertEqual(answer["aggregationType"], "vulnerabilityId")
        self.assertEqual(answer["responses"][0]["vulnerabilityIdAggregation"]["vulnerabilityId"], cve)

    def test_a_clean_image_has_no_findings_and_no_aggregation(self):
        self.assertEqual(self.clean["scanState"]["status"], "COMPLETED")
        answer = self.ib.list_image_scan_finding_aggregations(
            filter={"name": "imageBuildVersionArn", "values": [self.clean["arn"]]})
        self.assertEqual(answer["responses"], [])
        self.assertEqual(all_findings(filters=[{"name": "imageBuildVersionArn", "values": [self.clean["arn"]]}]), [])
        # Only the first N scans are clean.
        again = build(self.clean_pipeline)
        self.assertTrue(all_findings(filters=[{"name": "imageBuildVersionArn", "values": [again["arn"]]}]))

    def test_wrong_calls_are_refused(self):
        def refused(call, code, **kwargs):
            with self.assertRaises(ClientError) as caught:
                call(**kwargs)
            self.assertEqual(error_code(caught.exception), code)
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

        flt = [{"name": "imageBuildVersionArn", "values": [self.image["arn"]]}]
        refused(self.ib.list_image_scan_findings, "InvalidRequestException", filters=flt, maxResults=26)
        refused(self.ib.list_image_scan_findings, "InvalidRequestException", filters=flt * 2)
        refused(self.ib.list_image_scan_findings, "InvalidRequestException", filters=[{"name": "image", "values": ["x"]}])
        refused(self.ib.list_image_scan_findings, "InvalidPaginationTokenException", filters=flt, nextToken="nonsense")
        refused(self.ib.list_image_scan_finding_aggregations, "InvalidRequestException",
                filter={"name": "IMAGE", "values": [self.image["arn"]]})
        self.assertLessEqual(len(self.ib.list_image_scan_findings(filters=flt, maxResults=25)["findings"]), 25)


class ImageStatesTest(unittest.TestCase):
    def test_end_builds_as_each_state_with_the_amis_as_aws_leaves_them(self):
        pipelines = {state: pipeline({"emulator:end-builds-as": state}, scanning=False)
                     for state in ("DEPRECATED", "DISABLED", "DELETED")}
        images = {state: build(arn, scanned=False) for state, arn in pipelines.items()}
        ec2 = client("ec2")
        for state, image in images.items():
            self.assertEqual(image["state"]["status"], state)
            ami = image["outputResources"]["amis"][0]["image"]
            if state == "DELETED":  # deregistered: not found (an error or no image, as EC2 answers)
                try:
                    self.assertEqual(ec2.describe_images(ImageIds=[ami])["Images"], [])
                except ClientError as err:
                    self.assertTrue(error_code(err).startswith("InvalidAMIID"), error_code(err))
                continue
            # A disabled AMI is listed only with IncludeDisabled (API_DescribeImages).
            described = ec2.describe_images(ImageIds=[ami], IncludeDisabled=True)["Images"][0]
            if state == "DEPRECATED":
                self.assertIn("DeprecationTime", described)
                self.assertEqual(described["State"], "available")
                self.assertIn("deprecationTime", image)
            else:
                self.assertEqual(described["State"], "disabled")
                self.assertEqual(ec2.describe_images(ImageIds=[ami])["Images"], [])
        # Only the first image: the next build is AVAILABLE.
        self.assertEqual(build(pipelines["DISABLED"], scanned=False)["state"]["status"], "AVAILABLE")


class DistributionTest(unittest.TestCase):
    def test_one_ami_per_region_in_the_distribution_order(self):
        image = build(pipeline(regions=("eu-west-1", "us-east-1"), scanning=False), scanned=False)
        amis = image["outputResources"]["amis"]
        self.assertEqual([a["region"] for a in amis], ["eu-west-1", "us-east-1"])
        for ami in amis:
            found = client("ec2", ami["region"]).describe_images(ImageIds=[ami["image"]])["Images"]
            self.assertEqual(len(found), 1)
            other = "us-east-1" if ami["region"] == "eu-west-1" else "eu-west-1"
            with self.assertRaises(ClientError):
                client("ec2", other).describe_images(ImageIds=[ami["image"]])

    def test_a_kms_key_gives_encrypted_snapshots(self):
        key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
        image = build(pipeline(regions=("eu-west-1", "us-east-1"), kms={"eu-west-1": key}, scanning=False), scanned=False)
        encrypted, plain = image["outputResources"]["amis"]
        ebs = client("ec2", "eu-west-1").describe_images(ImageIds=[encrypted["image"]])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
        self.assertTrue(ebs["Encrypted"])
        self.assertEqual(ebs["KmsKeyId"], key)
        snapshot = client("ec2", "eu-west-1").describe_snapshots(SnapshotIds=[ebs["SnapshotId"]])["Snapshots"][0]
        self.assertTrue(snapshot["Encrypted"])
        ebs = client("ec2").describe_images(ImageIds=[plain["image"]])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
        self.assertFalse(ebs["Encrypted"])

    def test_recipe_encryption_and_windows(self):
        windows = "arn:aws:imagebuilder:us-east-1:aws:image/windows-server-2022-english-full-base-x86/x.x.x"
        image = build(pipeline(parent=windows, scanning=False,
                               block_devices=[{"deviceName": "/dev/sda1", "ebs": {"encrypted": True}}]), scanned=False)
        self.assertEqual(image["platform"], "Windows")
        described = client("ec2").describe_images(ImageIds=[image["outputResources"]["amis"][0]["image"]])["Images"][0]
        self.assertEqual(described.get("Platform"), "windows")
        self.assertTrue(described["BlockDeviceMappings"][0]["Ebs"]["Encrypted"])


class FaultsTest(unittest.TestCase):
    def test_throttle_then_server_error_per_operation(self):
        import boto3
        from botocore.config import Config

        arn = pipeline({"emulator:throttle-polls": "2", "emulator:server-error-polls": "1"}, scanning=False)
        # One attempt per call: botocore itself retries a 503 otherwise.
        ib = boto3.client("imagebuilder", region_name="us-east-1", endpoint_url=emulator_url(),
                          config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        image = ib.start_image_pipeline_execution(imagePipelineArn=arn, clientToken=unique("t"))["imageBuildVersionArn"]

        def fails(call, code, status, **kwargs):
            with self.assertRaises(ClientError) as caught:
                call(**kwargs)
            self.assertEqual(error_code(caught.exception), code)
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)

        for _ in range(2):
            fails(ib.get_image, "CallRateLimitExceededException", 429, imageBuildVersionArn=image)
        fails(ib.get_image, "ServiceUnavailableException", 503, imageBuildVersionArn=image)
        ib.get_image(imageBuildVersionArn=image)
        # ListImageScanFindings has its own count.
        flt = [{"name": "imageBuildVersionArn", "values": [image]}]
        for _ in range(2):
            fails(ib.list_image_scan_findings, "CallRateLimitExceededException", 429, filters=flt)
        fails(ib.list_image_scan_findings, "ServiceUnavailableException", 503, filters=flt)
        ib.list_image_scan_findings(filters=flt)
        # Another pipeline's images are not affected.
        other = ib.start_image_pipeline_execution(imagePipelineArn=pipeline(scanning=False),
                                                  clientToken=unique("t"))["imageBuildVersionArn"]
        ib.get_image(imageBuildVersionArn=other)


if __name__ == "__main__":
    unittest.main()
