"""workflows/local-setup.asl.json on the emulator: it makes the Image Builder
lifecycle execution role `<prefix>image-lifecycle` (trusting
imagebuilder.amazonaws.com, with EC2ImageBuilderLifecycleExecutionPolicy),
as the prerequisites page asks
(https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html),
and StartResourceStateUpdate accepts that role. An input without the name
(an older binary) still runs the rest of the setup."""

import json
import os
import unittest

from .harness import client, run_state_machine, unique
from .test_imagebuilder import build, pipeline

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LIFECYCLE_POLICY = "arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy"


def definition() -> dict:
    with open(os.path.join(ROOT, "workflows", "local-setup.asl.json")) as f:
        return json.load(f)


def setup_input(prefix: str, with_lifecycle: bool = True) -> dict:
    """What `src/ops/observe.rs` (local_setup_input) gives the machine."""
    region, account = "us-east-1", "123456789012"
    sns = client("sns")
    name = f"{prefix}demo"
    arn = lambda kind, tail="": f"arn:aws:imagebuilder:{region}:{account}:{kind}/{name}{tail}"  # noqa: E731
    names = {"recipe": name, "infrastructure": name, "distribution": name, "pipeline": name,
             "smoke_instance": f"{prefix}smoke-instance", "vmimport": f"{prefix}vmimport"}
    if with_lifecycle:
        names["image_lifecycle"] = f"{prefix}image-lifecycle"
    return {
        "region": region,
        "export_bucket": f"{prefix}exports",
        "backup_bucket": f"{prefix}backups",
        "rule_name": f"{prefix}ec2-ami-events",
        "ec2_topic_arn": sns.create_topic(Name=f"{prefix}ec2")["TopicArn"],
        "imagebuilder_topic_arn": sns.create_topic(Name=f"{prefix}ib")["TopicArn"],
        "parent_image": f"arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x",
        "components": [{"ComponentArn": f"arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x"}],
        "names": names,
        "arns": {"recipe": arn("image-recipe", "/1.0.0"), "infrastructure": arn("infrastructure-configuration"),
                 "distribution": arn("distribution-configuration")},
    }


class LocalSetupTest(unittest.TestCase):
    def test_local_setup_makes_the_lifecycle_role_image_builder_accepts(self):
        prefix = unique("p") + "-"
        out = run_state_machine(definition(), setup_input(prefix), seconds=60)
        self.assertEqual(out["status"], "SUCCEEDED", out)
        iam = client("iam")
        role = iam.get_role(RoleName=f"{prefix}image-lifecycle")["Role"]
        self.assertEqual(role["Arn"], f"arn:aws:iam::123456789012:role/{prefix}image-lifecycle")
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        self.assertEqual(trust["Statement"][0]["Principal"], {"Service": "imagebuilder.amazonaws.com"})
        attached = iam.list_attached_role_policies(RoleName=f"{prefix}image-lifecycle")["AttachedPolicies"]
        self.assertEqual([p["PolicyArn"] for p in attached], [LIFECYCLE_POLICY])
        # Image Builder takes it, and it may act on the images Image Builder made.
        image = build(pipeline(scanning=False), scanned=False)
        ib = client("imagebuilder")
        started = ib.start_resource_state_update(resourceArn=image["arn"], state={"status": "DISABLED"},
                                                 executionRole=role["Arn"], includeResources={"amis": True})
        from .test_imagebuilder_lifecycle import wait

        self.assertEqual(wait(started["lifecycleExecutionId"])["state"]["status"], "SUCCESS")
        # Run again: every step is skipped when its resource exists.
        again = run_state_machine(definition(), setup_input(prefix), seconds=60)
        self.assertEqual(again["status"], "SUCCEEDED", again)

    def test_an_input_without_the_lifecycle_name_still_sets_up_the_rest(self):
        prefix = unique("p") + "-"
        out = run_state_machine(definition(), setup_input(prefix, with_lifecycle=False), seconds=60)
        self.assertEqual(out["status"], "SUCCEEDED", out)
        client("iam").get_role(RoleName=f"{prefix}vmimport")
        self.assertTrue(client("imagebuilder").get_image_pipeline(
            imagePipelineArn=f"arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/{prefix}demo"))


if __name__ == "__main__":
    unittest.main()
