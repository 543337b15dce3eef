//! Every example message of the seed documents, published through SNS to
//! its topic, arrives decoded with the right source, status, AMI id and
//! lifecycle (by lifecycle id, image ARN, AMI id or Run Command id).

use std::time::Duration;

use amiboard::lifecycle::notification::{LinkIndex, Source};
use amiboard::lifecycle::{AmiOutput, Lifecycle};

use super::{Running, create_topics, fixture, publish};
use crate::support::TestEnv;

struct Seed {
    message: &'static str,
    topic: usize,
    source: Source,
    status: &'static str,
    ami: Option<&'static str>,
    lifecycle: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_message_decodes_end_to_end_through_sns() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let topics = create_topics(&ctx).await;
    let (mut running, _) = Running::start(&ctx, None).await;
    let now = chrono::Utc::now();
    let mut build = Lifecycle::new("lc-build", "linux", "example", "1", "team", now);
    build.creation[0].outputs.image_arn = Some(
        "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3".into(),
    );
    let mut failed = Lifecycle::new("lc-failed-build", "linux", "example", "1", "team", now);
    failed.creation[0].outputs.image_arn =
        Some("arn:aws:imagebuilder:us-west-2:123456789012:image/my-example-image/1.0.0/7".into());
    let mut ec2 = Lifecycle::new("lc-ec2", "linux", "example", "1", "team", now);
    ec2.creation[0].outputs.amis.push(AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0123456789example".into(),
        name: None,
    });
    let mut smoke = Lifecycle::new("lc-smoke", "linux", "example", "1", "team", now);
    smoke.creation[1].outputs.run_command_id = Some("4fd7c1a2-8d3b-4c6e-9f0a-1b2c3d4e5f60".into());
    let mut smoke_v1 = Lifecycle::new("lc-smoke-v1", "win", "example", "1", "team", now);
    smoke_v1.creation[1].outputs.run_command_id =
        Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into());
    running.handle.set_links(LinkIndex::from_lifecycles(&[
        build, failed, ec2, smoke, smoke_v1,
    ]));

    let seed = |message, topic, source, status, ami, lifecycle| Seed {
        message,
        topic,
        source,
        status,
        ami,
        lifecycle,
    };
    let seeds = [
        seed(
            fixture!("imagebuilder-available.json"),
            1,
            Source::ImageBuilder,
            "AVAILABLE",
            Some("ami-01a23bc4def5a6789"),
            "lc-build",
        ),
        seed(
            fixture!("imagebuilder-failed.json"),
            1,
            Source::ImageBuilder,
            "FAILED",
            None,
            "lc-failed-build",
        ),
        seed(
            fixture!("ec2-ami-available.json"),
            2,
            Source::Ec2,
            "available",
            Some("ami-0123456789example"),
            "lc-ec2",
        ),
        seed(
            fixture!("ec2-ami-failed.json"),
            2,
            Source::Ec2,
            "failed",
            Some("ami-0123456789example"),
            "lc-ec2",
        ),
        seed(
            fixture!("ec2-ami-deregistered.json"),
            2,
            Source::Ec2,
            "deregistered",
            Some("ami-0123456789example"),
            "lc-ec2",
        ),
        seed(
            fixture!("run-command-summary.json"),
            3,
            Source::RunCommand,
            "Success",
            None,
            "lc-smoke",
        ),
        seed(
            fixture!("run-command-invocation.json"),
            3,
            Source::RunCommand,
            "Failed",
            None,
            "lc-smoke",
        ),
        seed(
            fixture!("run-command-summary-v1.json"),
            3,
            Source::RunCommand,
            "Timed Out",
            None,
            "lc-smoke-v1",
        ),
        seed(
            fixture!("run-command-invocation-v1.json"),
            3,
            Source::RunCommand,
            "In Progress",
            None,
            "lc-smoke-v1",
        ),
        seed(
            fixture!("amiboard-lifecycle.json"),
            0,
            Source::Amiboard,
            "COMPLETED",
            Some("ami-0abc1234def567890"),
            "2b4c443f-44fe-442f-a233-32fb5dac5e2c",
        ),
        seed(
            fixture!("amiboard-reference-name.json"),
            0,
            Source::Amiboard,
            "FAILED",
            Some("ami-0fedcba9876543210"),
            "7d0e5f7a-1c2b-4e3d-9f8a-6b5c4d3e2f1a",
        ),
    ];
    for (i, seed) in seeds.iter().enumerate() {
        publish(&ctx, &topics[seed.topic], seed.message, &[]).await;
        let got = running.arrivals(1, Duration::from_secs(5)).await;
        assert_eq!(got.len(), 1, "seed {i}");
        let n = &got[0].notification;
        assert_eq!(n.source, seed.source, "seed {i}: {}", n.summary);
        assert_eq!(n.status.as_deref(), Some(seed.status), "seed {i}");
        assert_eq!(n.ami_ids.first().map(String::as_str), seed.ami, "seed {i}");
        assert_eq!(
            got[0].lifecycle_id.as_deref(),
            Some(seed.lifecycle),
            "seed {i}"
        );
        assert_eq!(
            n.topic_arn.as_deref(),
            Some(topics[seed.topic].as_str()),
            "seed {i}"
        );
    }
    running.handle.stop().await;
}
