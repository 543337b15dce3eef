//! Proof that the workflows do the real work on the local stack: after a
//! lifecycle reaches production, everything it recorded exists in the
//! services that did the work, and the Image Builder and EC2 notifications
//! came from those services (the emulator), not from amiboard.

use std::process::Command;
use std::time::Duration;

use amiboard::lifecycle::EventKind;
use amiboard::lifecycle::notification::Source;
use amiboard::ops::listener::{self, StreamEvent, StreamOptions};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{create, creation, ready, to_production};
use crate::support::{TestEnv, moto};

/// Asks the emulator, through boto3 from the emulator's own Python, what
/// exists: prints one JSON object.
fn inspect(amis: &[String], instances_of: &str, objects: &[String]) -> serde_json::Value {
    let python = std::env::var("AMIBOARD_PYTHON")
        .unwrap_or_else(|_| format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR")));
    let script = r#"
import json, sys, boto3
url, amis, image, objects = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, s3 = boto3.client("ec2", **kw), boto3.client("s3", **kw)
found = [i["ImageId"] for i in ec2.describe_images(ImageIds=amis)["Images"]] if amis else []
states = [i["State"]["Name"]
          for r in ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [image]}])["Reservations"]
          for i in r["Instances"]]
present = []
for url_ in objects:
    bucket, key = url_[len("s3://"):].split("/", 1)
    try:
        s3.head_object(Bucket=bucket, Key=key)
        present.append(url_)
    except Exception:
        pass
print(json.dumps({"amis": found, "instances": states, "objects": present}))
"#;
    let out = Command::new(python)
        .args([
            "-c",
            script,
            &moto().url,
            &serde_json::to_string(amis).expect("json"),
            instances_of,
            &serde_json::to_string(objects).expect("json"),
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect json")
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_recorded_on_the_way_to_production_exists_in_the_services() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    // Listen to every topic while the lifecycle runs, as the dashboard does.
    let (tx, mut events) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let stream = listener::spawn(
        ctx.sdk().expect("sdk").clients.clone(),
        ctx.config.clone(),
        StreamOptions::default(),
        tx,
        cancel.clone(),
    );
    let connected = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = events.recv().await {
            if matches!(event, StreamEvent::Connected { .. }) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(connected, Ok(true), "the stream connects");

    let id = create(&env, "proof", &[]);
    let lc = to_production(&env, &ctx, &id).await;

    let build = lc.record(creation(EventKind::AmiBuild)).expect("build");
    let amis: Vec<String> = build
        .outputs
        .amis
        .iter()
        .map(|a| a.ami_id.clone())
        .collect();
    assert!(!amis.is_empty(), "the build recorded its AMIs");
    // The image ARN answers GetImage, AVAILABLE.
    let image_arn = build.outputs.image_arn.clone().expect("image ARN");
    let image = ctx.images.image(&image_arn).await.expect("GetImage");
    let amiboard::lifecycle::image::ServiceAnswer::Found(image) = image else {
        panic!("the emulator has Image Builder")
    };
    assert_eq!(image.state.name(), "AVAILABLE");
    // Every lookup row's AMI is a recorded AMI.
    let rows = amiboard::ops::lookup_rows(&ctx, "proof")
        .await
        .expect("rows");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| amis.contains(&r.ami_id)), "{rows:?}");

    let export = lc
        .record(creation(EventKind::QaCertificationRequest))
        .and_then(|r| r.outputs.export_location.clone())
        .expect("export location");
    let backup = lc
        .record(creation(EventKind::MarkForProduction))
        .and_then(|r| r.outputs.backup_object.clone())
        .expect("backup object");
    let seen = inspect(&amis, &amis[0], &[export.clone(), backup.clone()]);
    assert_eq!(
        seen["amis"].as_array().map(Vec::len),
        Some(amis.len()),
        "{seen}"
    );
    let instances = seen["instances"].as_array().expect("instances");
    assert!(
        !instances.is_empty(),
        "a smoke-test instance was launched: {seen}"
    );
    assert!(
        instances.iter().all(|s| s == "terminated"),
        "every smoke-test instance is terminated: {seen}"
    );
    assert_eq!(
        seen["objects"],
        serde_json::json!([export, backup]),
        "the export and the backup exist in S3"
    );

    // The Image Builder and EC2 notifications arrived, tied to the lifecycle.
    let mut sources = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while sources.len() < 2 && tokio::time::Instant::now() < deadline {
        if let Ok(Some(StreamEvent::Notifications(arrivals))) =
            tokio::time::timeout(Duration::from_secs(2), events.recv()).await
        {
            for a in arrivals {
                let about_it = a.notification.ami_ids.iter().any(|x| amis.contains(x))
                    || a.notification.image_arn.as_deref() == Some(image_arn.as_str());
                if about_it && matches!(a.notification.source, Source::ImageBuilder | Source::Ec2) {
                    sources.insert(a.notification.source.label());
                }
            }
        }
    }
    cancel.cancel();
    stream.stop().await;
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        vec!["EC2", "Image Builder"],
        "the services' own notifications arrived"
    );
}
