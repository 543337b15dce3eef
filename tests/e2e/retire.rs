//! The end of the lifecycle in the dashboard, in tmux against the emulator
//! at 80x24 and 160x48: `u` opens a lifecycle's where-used screen, `U`
//! starts the where-used workflow and its recorded answer appears with its
//! age; `X` opens the retire dialog, its preview names the AMIs, delete
//! asks for the AMI id, a deprecation goes through the override and starts
//! the retire workflow; read-only opens the screen and names the commands.
//! On a lifecycle built on the local stack (helper 21app's case, kept in
//! the merge): `X`, Enter, `y` deprecates and the AMI is deprecated in EC2.

use std::time::Duration;

use crate::Tmux;
use crate::support::{TestEnv, boto3, moto, python};

/// Seeds demo lifecycles and gives the first whose build made an AMI in
/// us-east-1 (nothing running, no patch cycle) an Image Builder image ARN (the demo records none; Image
/// Builder retires an image's AMIs by its ARN). Returns its id and AMI.
fn seeded(env: &TestEnv) -> (String, String) {
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "40"]);
    let out = boto3(&format!(
        "t = boto3.resource('dynamodb', region_name='us-east-1', endpoint_url='{url}').Table('{p}lifecycles')\n\
         items = sorted(t.scan()['Items'], key=lambda i: i['lifecycle_id'])\n\
         for it in [i for i in items if len(i.get('creation_events', [])) > 5]:\n\
         \x20   c = it['creation_events'][0]\n\
         \x20   amis = [a for a in c.get('outputs', {{}}).get('amis', []) if a['region'] == 'us-east-1']\n\
         \x20   statuses = [e.get('status') for e in it['creation_events']]\n\
         \x20   if amis and statuses[0] == 'COMPLETED' and 'IN_PROGRESS' not in statuses and not it.get('patch_cycles'):\n\
         \x20       t.update_item(Key={{'lifecycle_id': it['lifecycle_id']}},\n\
         \x20           UpdateExpression='SET creation_events[0].outputs.image_arn = :a ADD item_version :one',\n\
         \x20           ExpressionAttributeValues={{':a': 'arn:aws:imagebuilder:us-east-1:123456789012:image/e2e/1.0.0/1', ':one': 1}})\n\
         \x20       print(it['lifecycle_id'], amis[0]['ami_id'])\n\
         \x20       break\n\
         else:\n\
         \x20   print('none', [i.get('creation_events', [])[5:6] for i in items[:3]])\n",
        url = moto().url,
        p = env.prefix
    ));
    assert!(!out.starts_with("none"), "no seeded lifecycle fits: {out}");
    let mut words = out.split_whitespace();
    let id = words
        .next()
        .expect("a production lifecycle with an AMI in us-east-1");
    let ami = words.next().expect("its AMI");
    (id.to_string(), ami.to_string())
}

/// Waits until `needle` shows, whatever the wrapping (at 80 columns a
/// sentence breaks where its spaces are).
fn wait_text(tmux: &Tmux, needle: &str) -> String {
    tmux.wait_until(needle, Duration::from_secs(30), |s| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(needle)
    })
}

fn where_used_and_retire(size: (u16, u16), name: &str) {
    let env = TestEnv::new();
    let (id, ami) = seeded(&env);
    let short: String = id.chars().take(8).collect();
    let tmux = Tmux::start(&env, name, size, &format!("--lifecycle {id}"));
    tmux.wait_for("Creation");

    // The where-used screen: nothing asked yet, then the workflow's answer.
    tmux.keys(&["u"]);
    tmux.wait_for("Where used");
    wait_text(&tmux, "no where-used answer recorded yet");
    tmux.keys(&["U"]);
    let screen = tmux.wait_until("the recorded answer", Duration::from_mins(1), |s| {
        s.contains("EC2 answered") && s.contains("in us-east-1")
    });
    // The seeded AMI is not in EC2: deregistered outside amiboard.
    assert!(screen.contains("deregistered/missing"), "{screen}");
    assert!(
        screen.contains("ago in us-east-1"),
        "the answer's age:\n{screen}"
    );
    assert!(!screen.contains("Asking EC2"), "{screen}");

    // The retire dialog: delete shows the preview and asks for the AMI id.
    tmux.keys(&["X"]);
    tmux.wait_for("What should happen");
    for _ in 0..3 {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["Enter"]);
    // The whole preview step, not a capture taken while the terminal was
    // still being written (a big dialog is more than one write): the keys
    // line at the dialog's foot is drawn last.
    let preview = tmux.wait_until("the delete preview", Duration::from_secs(30), |s| {
        s.contains("RETIRE_DELETE:") && s.contains("cancels")
    });
    assert!(preview.contains(&ami), "{preview}");
    assert!(preview.contains("DELETE is final: type"), "{preview}");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the dialog closed", Duration::from_secs(10), |s| {
        !s.contains("RETIRE_DELETE:")
    });

    // Deprecate in a week (in production: the glass is broken with a reason).
    tmux.keys(&["X"]);
    tmux.wait_for("What should happen");
    tmux.keys(&["Down"]);
    tmux.keys(&["-l", "+7d"]);
    tmux.keys(&["Enter"]);
    let preview = tmux.wait_until("the deprecate preview", Duration::from_secs(30), |s| {
        s.contains("RETIRE_DEPRECATE at") && s.contains("cancels")
    });
    if preview.contains("✘ in production") {
        tmux.keys(&["-l", "override"]);
        tmux.keys(&["Tab"]);
        tmux.keys(&["-l", "e2e: replaced next week"]);
        tmux.keys(&["Enter"]);
    } else {
        tmux.keys(&["y"]);
    }
    tmux.keys(&["N"]);
    let notices = tmux.wait_until("the retirement started", Duration::from_mins(1), |s| {
        s.contains("Started RETIRE_DEPRECATE") || s.contains("Could not")
    });
    assert!(
        notices.contains(&format!("Started RETIRE_DEPRECATE of {short}")),
        "{notices}"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

fn read_only(size: (u16, u16), name: &str) {
    let env = TestEnv::new();
    let (id, _) = seeded(&env);
    let short: String = id.chars().take(8).collect();
    let tmux = Tmux::start(&env, name, size, &format!("--read-only --lifecycle {id}"));
    tmux.wait_for("Creation");
    tmux.keys(&["u"]);
    tmux.wait_for("Where used");
    wait_text(&tmux, &format!("`amiboard where-used {short} --refresh`"));
    // U and X: one line each naming the command, no dialog. The lines are
    // passing notices (a loaded machine can miss one on screen, and the
    // screen's own hint says the same words): read them in the notices
    // history, which keeps both. A dialog opened by X would take the `N`.
    tmux.keys(&["U"]);
    tmux.keys(&["X"]);
    tmux.keys(&["N"]);
    wait_text(
        &tmux,
        &format!(
            "Nothing was changed: a writer would run `amiboard where-used {short} --refresh`."
        ),
    );
    let screen = wait_text(
        &tmux,
        &format!(
            "Nothing was changed: a writer would run `amiboard retire {short} --deprecate-at T | --disable | --delete`, or `amiboard restore {short}`."
        ),
    );
    assert!(!screen.contains("What should happen"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

#[test]
fn where_used_and_retire_dialog_80x24() {
    where_used_and_retire((80, 24), "eol80");
}

#[test]
fn where_used_and_retire_dialog_160x48() {
    where_used_and_retire((160, 48), "eol160");
}

#[test]
fn read_only_where_used_and_retire_80x24() {
    read_only((80, 24), "eolro80");
}

#[test]
fn read_only_where_used_and_retire_160x48() {
    read_only((160, 48), "eolro160");
}

/// A lifecycle whose build completed on the local stack, with a where-used
/// answer recorded by the workflow.
fn built_and_answered(env: &TestEnv, tag: &str) -> String {
    env.ok(&["provision"]);
    let created: serde_json::Value = serde_json::from_str(&env.ok(&[
        "create",
        "--stack-tag",
        tag,
        "--product-name",
        "web",
        "--product-version",
        "1.0",
        "--yes",
        "--wait",
        "--json",
    ]))
    .expect("create --json");
    let id = created["lifecycle_id"].as_str().expect("an id").to_string();
    env.ok(&["where-used", &id, "--refresh"]);
    id
}

/// The EC2 deprecation time of `ami` (empty when none).
fn deprecation(ami: &str) -> String {
    let script = format!(
        "import boto3\nr = boto3.client('ec2', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\
         .describe_images(ImageIds=['{ami}'], IncludeDeprecated=True)['Images']\n\
         print(r[0].get('DeprecationTime', '') if r else '')",
        moto().url
    );
    let out = std::process::Command::new(python())
        .args(["-c", &script])
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_built_ami_deprecated_from_the_dialog_is_deprecated_in_ec2_80x24() {
    let env = TestEnv::new();
    let id = built_and_answered(&env, "e2eretire");
    let shown: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", &id, "--json"])).expect("show --json");
    let ami = shown["creation_events"][0]["outputs"]["amis"][0]["ami_id"]
        .as_str()
        .expect("an AMI")
        .to_string();
    let tmux = Tmux::start(&env, "retire80", (80, 24), &format!("--lifecycle {id}"));
    tmux.wait_for("Timeline");
    tmux.keys(&["u"]);
    let screen = wait_text(&tmux, &format!("us-east-1 {ami}: available"));
    assert!(screen.contains("EC2 answered"), "{screen}");
    assert!(screen.contains("no references"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Timeline");
    tmux.keys(&["X"]);
    tmux.wait_for("What should happen");
    // Deprecate now is the first choice.
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("RETIRE_DEPRECATE");
    assert!(
        dialog.contains("y confirms"),
        "nothing holds it back:\n{dialog}"
    );
    tmux.keys(&["y"]);
    tmux.wait_for("Started RETIRE_DEPRECATE");
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    while deprecation(&ami).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "{ami} was never deprecated"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    tmux.keys(&["q"]);
}
