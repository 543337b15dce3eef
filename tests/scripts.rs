//! The scripts a new user runs first: `scripts/lib.sh` says what each step
//! does and how long it took, and finds the binary where cargo put it (a
//! `CARGO_TARGET_DIR` of the user's own), so `scripts/demo.sh` never runs a
//! hard-coded `target/debug/amiboard`.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn lib(snippet: &str) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!(". scripts/lib.sh && {snippet}"))
        .current_dir(root())
        .output()
        .expect("bash")
}

#[test]
fn each_step_says_what_it_does_and_its_seconds() {
    let out = lib("step 'installing nothing' true");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("amiboard: installing nothing..."), "{err}");
    assert!(
        err.contains("amiboard: installing nothing: done in 0 s"),
        "{err}"
    );
    let out = lib("step 'breaking' false");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("breaking: failed after 0 s (exit 1)"), "{err}");
}

#[test]
fn the_installs_show_pip_progress_and_the_demo_never_guesses_the_binary() {
    let lib = std::fs::read_to_string(root().join("scripts/lib.sh")).expect("lib.sh");
    assert!(!lib.contains("--quiet"), "pip installs are silent again");
    let demo = std::fs::read_to_string(root().join("scripts/demo.sh")).expect("demo.sh");
    assert!(
        !demo.contains("target/debug"),
        "demo.sh hard-codes the binary"
    );
    assert!(demo.contains("build_amiboard"));
    let test = std::fs::read_to_string(root().join("scripts/test.sh")).expect("test.sh");
    assert!(!test.contains("--quiet"), "test.sh installs silently");
    assert!(!test.contains("-qq"), "test.sh's apt-get is silent again");
}

/// `build_amiboard` takes the path from cargo's own build messages: a
/// stand-in `cargo` on PATH answers as cargo does with a target directory
/// of its own (no second build of the crate in the test).
#[test]
fn build_amiboard_finds_the_binary_where_cargo_put_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("elsewhere/debug");
    std::fs::create_dir_all(&target).expect("target dir");
    let exe = target.join("amiboard");
    std::fs::write(&exe, "#!/bin/sh\n").expect("binary");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let message = serde_json::json!({
        "reason": "compiler-artifact",
        "target": {"name": "amiboard", "kind": ["bin"]},
        "executable": exe,
    });
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho '   Compiling amiboard' >&2\necho '{{\"reason\":\"compiler-artifact\",\"target\":{{\"name\":\"serde\",\"kind\":[\"lib\"]}}}}'\necho '{message}'\necho '{{\"reason\":\"build-finished\",\"success\":true}}'\n"
        ),
    )
    .expect("cargo stand-in");
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(". scripts/lib.sh && build_amiboard && printf %s \"$BIN\"")
        .current_dir(root())
        .env("PATH", path)
        .output()
        .expect("bash");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        Path::new(String::from_utf8_lossy(&out.stdout).trim()),
        exe,
        "{err}"
    );
    assert!(
        err.contains("building amiboard (cargo build") && err.contains("): done in "),
        "{err}"
    );
    assert!(
        err.contains(&format!("amiboard is {}", exe.display())),
        "{err}"
    );
}
