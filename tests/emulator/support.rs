//! The test harness: one moto server per test binary on a free 127.0.0.1
//! port, unique resource names per test, and helpers to run the real binary.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use amiboard::config::{self, Config, Overrides};
use amiboard::ops::Context;

/// The running emulator.
pub struct Moto {
    pub url: String,
    _child: Child,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

pub fn python() -> PathBuf {
    if let Ok(python) = std::env::var("AMIBOARD_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// The shared moto server, started on first use. It dies with the test
/// process: a watcher shell kills it when its parent is gone.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(|| {
        let python = python();
        let ok = Command::new(&python)
            .args(["-c", "import moto.server, flask"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "moto is not installed for {}: run scripts/test.sh (it installs it into .venv) or pip install 'moto[server]'",
            python.display()
        );
        let port = free_port();
        let parent = std::process::id();
        let script = format!(
            "\"{py}\" \"{script}\" -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
             while kill -0 {parent} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.5; done; kill $m 2>/dev/null",
            py = python.display(),
            // moto.server with the Step Functions fix described in the script.
            script = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scripts/moto_server.py")
                .display()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .spawn()
            .expect("cannot start sh for moto");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if enable_sfn_execution(port) {
                break;
            }
            assert!(Instant::now() < deadline, "moto did not start on {url} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { url, _child: child }
    })
}

/// POSTs moto's config switch that makes Step Functions run state machines.
fn enable_sfn_execution(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let body = r#"{"stepfunctions":{"execute_state_machine":true}}"#;
    let request = format!(
        "POST /moto-api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 2") || response.starts_with("HTTP/1.0 2")
}

/// One test's world: its own resource prefix and XDG directories.
pub struct TestEnv {
    pub prefix: String,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        TestEnv {
            prefix: format!("t{}-", &id[..10]),
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The environment every amiboard process of this test gets.
    pub fn vars(&self) -> Vec<(String, String)> {
        let moto = moto();
        vec![
            ("AWS_ENDPOINT_URL".into(), moto.url.clone()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_SESSION_TOKEN".into(), "testing".into()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AMIBOARD_PREFIX".into(), self.prefix.clone()),
            ("AMIBOARD_WORKFLOW_WAIT".into(), "1".into()),
            ("AMIBOARD_PIPELINE_ARN".into(), self.pipeline_arn()),
            (
                "XDG_CONFIG_HOME".into(),
                self.dir.path().join("config").display().to_string(),
            ),
            (
                "XDG_STATE_HOME".into(),
                self.dir.path().join("state").display().to_string(),
            ),
        ]
    }

    /// The real binary, with this test's environment and nothing inherited
    /// from the developer's AWS setup.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amiboard"));
        for var in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AMIBOARD_CONFIG",
            "AMIBOARD_READ_ONLY",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_CONFIG_FILE", self.dir.path().join("aws-config"));
        cmd.env(
            "AWS_SHARED_CREDENTIALS_FILE",
            self.dir.path().join("aws-credentials"),
        );
        cmd.envs(self.vars());
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs the binary and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().expect("run amiboard");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the binary and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "amiboard {args:?} failed: {err}");
        out
    }

    /// A configuration pointing at the emulator with this test's prefix.
    pub fn config(&self) -> Config {
        let mut config = config::load_with(&Overrides::default(), None).expect("default config");
        config.region = Some("us-east-1".into());
        config.endpoint_url = Some(moto().url.clone());
        config.prefix.clone_from(&self.prefix);
        config.tables = config::Tables::with_prefix(&self.prefix);
        config.topics = config::Topics::with_prefix(&self.prefix);
        config.workflow_wait_seconds = 1;
        config.workflows.pipeline_arn = Some(self.pipeline_arn());
        config
    }

    /// The demo pipeline `provision` creates on the emulator for this prefix,
    /// which every lifecycle of the test builds with.
    pub fn pipeline_arn(&self) -> String {
        format!(
            "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/{}demo",
            self.prefix
        )
    }

    /// A connected context for library-level tests.
    pub async fn context(&self) -> Context {
        let config = self.config();
        let clients = amiboard::aws::client::connect_with_static_credentials(
            &amiboard::ops::connect_settings(&config),
            "testing",
            "testing",
        )
        .await
        .expect("connect");
        Context::from_clients(config, clients)
    }

    /// A connected context with the tables provisioned.
    pub async fn provisioned(&self) -> Context {
        let ctx = self.context().await;
        amiboard::aws::dynamodb::provision_tables(&ctx.sdk().expect("sdk").store)
            .await
            .expect("provision tables");
        ctx
    }
}

/// Runs a Python snippet with boto3 against the emulator (for what the
/// binary has no client of, such as EC2) and returns its standard output.
/// The snippet gets `ec2(region)`, `sfn()` and `json` ready to use.
pub fn boto3(snippet: &str) -> String {
    let prelude = format!(
        "import boto3, json\n\
         def ec2(region='us-east-1'):\n    return boto3.client('ec2', region_name=region, endpoint_url='{url}')\n\
         def sfn():\n    return boto3.client('stepfunctions', region_name='us-east-1', endpoint_url='{url}')\n",
        url = moto().url
    );
    let out = Command::new(python())
        .args(["-c", &format!("{prelude}{snippet}")])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "boto3 snippet failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
