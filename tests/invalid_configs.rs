//! One file in `tests/invalid_configs/` per rule the configuration enforces
//! (the file, `[keys]` and `[theme]`). Each opens with `# error: <text>` (part
//! of the one line it must give) and, when TOML itself reports the problem,
//! `# line: <n>`. They load the way the binary loads them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use amiboard::cli::validate_keys_and_theme;
use amiboard::config::{Overrides, load_with};

/// How many fixtures were written: deleting one fails [`no_fixture_went_missing`].
const FIXTURES: usize = 42;

/// Environment variables that win over the file and would hide its problem.
const LAYERED_ENV: [&str; 8] = [
    "AMIBOARD_CONFIG",
    "AMIBOARD_PREFIX",
    "AMIBOARD_LOG",
    "AMIBOARD_READ_ONLY",
    "AMIBOARD_WORKFLOW_WAIT",
    "AMIBOARD_LIFECYCLE_TABLE",
    "AMIBOARD_SEMVER_TABLE",
    "AMIBOARD_LOOKUP_TABLE",
];

struct Fixture {
    path: PathBuf,
    /// Text the error line must contain.
    error: String,
    /// The line TOML names, for problems TOML reports.
    line: Option<usize>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs")
}

fn fixtures() -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = fs::read_dir(folder())
        .expect("tests/invalid_configs")
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("fixture text");
            let header = |key: &str| {
                text.lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.strip_prefix(key))
                    .map(str::trim)
                    .map(str::to_string)
            };
            let error = header("# error:")
                .unwrap_or_else(|| panic!("{} has no `# error:` line", path.display()));
            let line = header("# line:").map(|n| n.parse().expect("`# line:` is a number"));
            Fixture { path, error, line }
        })
        .collect()
}

/// The error loading `path` gives, the way `amiboard` loads it.
fn load_error(path: &Path) -> Option<String> {
    let overrides = Overrides {
        config: Some(path.to_path_buf()),
        ..Default::default()
    };
    match load_with(&overrides, None) {
        Err(err) => Some(err.to_string()),
        Ok(config) => validate_keys_and_theme(&config)
            .err()
            .map(|e| e.to_string()),
    }
}

/// What is wrong with the error a fixture gives, if anything.
fn check(fixture: &Fixture, message: Option<String>) -> Result<(), String> {
    let message = message.ok_or("loaded without an error")?;
    if message.contains(['\n', '\r']) {
        return Err(format!("more than one line: {message:?}"));
    }
    let file = fixture.path.display().to_string();
    let rest = message
        .strip_prefix(&file)
        .ok_or_else(|| format!("does not start with the file name: {message}"))?;
    let named_line = rest
        .strip_prefix(':')
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, _)| n.parse::<usize>().ok());
    match (fixture.line, named_line) {
        (Some(want), Some(got)) if want == got => {}
        (Some(want), _) => return Err(format!("does not name line {want}: {message}")),
        (None, Some(got)) => return Err(format!("names line {got}; add `# line: {got}`")),
        (None, None) if rest.starts_with(": ") => {}
        (None, None) => return Err(format!("no `: ` after the file name: {message}")),
    }
    if !message.contains(&fixture.error) {
        return Err(format!("wanted `{}` in: {message}", fixture.error));
    }
    Ok(())
}

#[test]
fn every_fixture_fails_with_its_one_line_error() {
    let problems: Vec<String> = fixtures()
        .iter()
        .filter_map(|fixture| {
            check(fixture, load_error(&fixture.path))
                .err()
                .map(|p| format!("{}: {p}", fixture.path.display()))
        })
        .collect();
    let set: Vec<&str> = LAYERED_ENV
        .into_iter()
        .filter(|v| std::env::var_os(v).is_some())
        .collect();
    assert!(
        problems.is_empty(),
        "{}{}",
        problems.join("\n"),
        if set.is_empty() {
            String::new()
        } else {
            format!("\n(set in this environment, and winning over the file: {set:?})")
        }
    );
}

#[test]
fn no_fixture_went_missing() {
    let found = fixtures().len();
    assert!(
        found >= FIXTURES,
        "{found} fixtures in tests/invalid_configs, {FIXTURES} written"
    );
}

#[test]
fn a_missing_config_file_is_one_line_naming_it() {
    let path = folder().join("no-such-file.toml");
    let message = load_error(&path).expect("an error");
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.starts_with(&format!("cannot read config file {}: ", path.display())),
        "{message}"
    );
}

#[test]
fn the_binary_exits_2_with_one_line_on_stderr() {
    let home = tempfile::tempdir().expect("temp dir");
    for name in [
        "invalid_unknown_tables_key.toml",
        "invalid_keys_duplicate_binding.toml",
    ] {
        let fixture = fixtures()
            .into_iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} exists"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_amiboard"));
        command
            .arg("--config")
            .arg(&fixture.path)
            .arg("info")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_STATE_HOME", home.path())
            .env("NO_COLOR", "1");
        for var in LAYERED_ENV {
            command.env_remove(var);
        }
        let output = command.output().expect("run amiboard");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        let line = stderr
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("{name}: ends with a newline: {stderr:?}"));
        assert!(!line.contains('\n'), "{name}: one line: {stderr:?}");
        let message = line
            .strip_prefix("amiboard: ")
            .unwrap_or_else(|| panic!("{name}: starts with `amiboard: `: {stderr:?}"));
        assert_eq!(check(&fixture, Some(message.to_string())), Ok(()), "{name}");
    }
}
