//! An endpoint that answers HTML (a proxy's error page, a captive portal) or
//! nothing at all is named in one line, "the endpoint URL answered HTTP
//! STATUS (CONTENT-TYPE), not an AWS API", by the CLI and doctor, never as a
//! raw parse error.

use crate::fault_proxy::{Fault, FaultProxy};
use crate::support::{TestEnv, moto};

const PORTAL: &str = "<!DOCTYPE html><html><head><title>Sign in to the guest Wi-Fi</title></head><body><form>…</form></body></html>";

/// Runs the binary against `endpoint` off the async workers.
async fn run_at(env: &TestEnv, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let mut cmd = env.cmd();
    cmd.env("AWS_ENDPOINT_URL", endpoint).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run amiboard"))
        .await
        .expect("joined");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_or_empty_answer_is_named_as_not_an_aws_api() {
    let env = TestEnv::new();
    let proxy = FaultProxy::start(&moto().url).await;
    env.ok(&["provision"]);

    // A captive portal: 200 with an HTML page to every call.
    proxy.inject(
        "*",
        Fault::Answer {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: PORTAL.into(),
        },
        None,
    );
    let (code, out, err) = run_at(&env, &proxy.url, &["list"]).await;
    assert_eq!(code, 1, "{out}{err}");
    let line = format!(
        "the endpoint {} answered HTTP 200 (text/html; charset=utf-8), not an AWS API",
        proxy.url
    );
    assert!(err.contains(&line), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for raw in ["Error", "expected", "parse", "<html", "deserial"] {
        assert!(!err.contains(raw), "no raw parse error ({raw}): {err}");
    }
    let (code, out, err) = run_at(&env, &proxy.url, &["doctor"]).await;
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("not an AWS API"),
        "doctor names it: {out}{err}"
    );

    // A proxy that answers 502 with an empty body.
    proxy.clear();
    proxy.inject(
        "*",
        Fault::Answer {
            status: 502,
            content_type: String::new(),
            body: String::new(),
        },
        None,
    );
    let (code, out, err) = run_at(&env, &proxy.url, &["list"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!(
            "the endpoint {} answered HTTP 502 (empty, no content type), not an AWS API",
            proxy.url
        )),
        "{err}"
    );

    // The same endpoint answering as AWS again: list works.
    proxy.clear();
    let (code, _, err) = run_at(&env, &proxy.url, &["list"]).await;
    assert_eq!(code, 0, "{err}");
}
