//! The command line documents itself: every flag and argument has help text,
//! subcommand help shows its own flags before the global ones, and the
//! completion scripts and man pages come from the same definitions.

use std::process::Command;

use clap::CommandFactory;

use amiboard::cli::Cli;

fn amiboard(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("empty config");
    Command::new(env!("CARGO_BIN_EXE_amiboard"))
        .args(args)
        .env("AMIBOARD_CONFIG", &config)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run amiboard")
}

fn undocumented(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            missing.push(format!("{path} {id}"));
        }
    }
    for sub in command.get_subcommands() {
        if sub.get_about().is_none() {
            missing.push(format!("{path} {} (no about)", sub.get_name()));
        }
        undocumented(sub, &format!("{path} {}", sub.get_name()), missing);
    }
}

#[test]
fn every_flag_and_argument_has_help_text() {
    let mut missing = Vec::new();
    undocumented(&Cli::command(), "amiboard", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:#?}");
}

#[test]
fn subcommand_help_lists_its_own_flags_before_the_global_ones() {
    let out = amiboard(&["list", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let own = help.find("--status").expect("--status in list help");
    let global_heading = help
        .find("Global options:")
        .expect("a Global options heading");
    let profile = help.find("--profile").expect("--profile in list help");
    assert!(own < global_heading && global_heading < profile, "{help}");
}

#[test]
fn completions_need_no_configuration() {
    let out = Command::new(env!("CARGO_BIN_EXE_amiboard"))
        .args(["completions", "bash"])
        .env("AMIBOARD_CONFIG", "/nonexistent/amiboard.toml")
        .output()
        .expect("run amiboard");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn completions_and_man_pages_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = amiboard(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8_lossy(&out.stdout);
        for command in ["list", "trigger", "certify", "promote", "watch"] {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    let out = amiboard(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let page = amiboard(&["man"]);
    assert!(page.status.success());
    let text = String::from_utf8_lossy(&page.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH amiboard 1"),
        "{text}"
    );
    assert!(text.contains("trigger"));

    let dir = tempfile::tempdir().expect("tempdir");
    let out = amiboard(&["man", "--dir", dir.path().to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    for command in Cli::command().get_subcommands() {
        let path = dir
            .path()
            .join(format!("amiboard-{}.1", command.get_name()));
        let page = std::fs::read_to_string(&path).expect("one page per command");
        assert!(page.contains(".TH"), "{} is not a man page", path.display());
    }
    let list = std::fs::read_to_string(dir.path().join("amiboard-list.1")).expect("list page");
    assert!(list.contains("status"), "the list page documents --status");
}

#[test]
fn a_bad_list_filter_is_a_usage_error_before_any_aws_call() {
    // No region and no endpoint: had it tried AWS, it would say so instead.
    let out = amiboard(&["list", "--status", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown status `bogus`"), "{err}");
    let out = amiboard(&["list", "--filter", "colour:red"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `colour`"));
}

#[test]
fn trust_06_config_from_stack_refuses_an_endless_input_with_one_line() {
    // /dev/zero never ends: the command stops at 1 MiB instead of reading it all.
    let started = std::time::Instant::now();
    let out = amiboard(&["config-from-stack", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("larger than 1024 KiB"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn certify_without_a_reason_is_a_usage_error_and_or_filters_parse() {
    // Exit 2 (usage), not 4 (refused), and before any AWS call.
    for args in [
        &["certify", "2bc3", "--yes"][..],
        &["certify", "2bc3", "--reason", "  ", "--yes"][..],
    ] {
        let out = amiboard(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Pass --reason TEXT"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // `,` is "or" within a term: a bad alternative is still the one sentence.
    let out = amiboard(&["list", "--filter", "status:failed,bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown status `bogus`"));
    // `promote` names the AMI on the command line; `wait` follows an event.
    for (command, flag) in [
        ("promote", "--confirm-ami"),
        ("wait", "EVENT"),
        ("create", "--wait"),
    ] {
        let out = amiboard(&[command, "--help"]);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(flag), "{command} --help: {help}");
    }
}

/// Every `"AMIBOARD_…"` / `"AWS_…"` literal in the source.
fn variables_read(dir: &std::path::Path, found: &mut std::collections::BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            variables_read(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            for start in ["\"AMIBOARD_", "\"AWS_"] {
                for (at, _) in text.match_indices(start) {
                    let name: String = text[at + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if text[at + 1 + name.len()..].starts_with('"') {
                        found.insert(name);
                    }
                }
            }
        }
    }
}

/// `amiboard man` (not a terminal here: roff) has EXIT STATUS with every
/// exit code, ENVIRONMENT with every AMIBOARD_*/AWS_* variable the source
/// reads, EXAMPLES, and the dashboard's keys from the keymap.
#[test]
fn the_man_page_has_exit_status_environment_examples_and_the_keys() {
    let out = amiboard(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH"),
        "roff: {page}"
    );
    for section in [
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH EXAMPLES",
        ".SH \"DASHBOARD KEYS\"",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    let section = |title: &str| {
        let start = page.find(title).expect("section");
        let rest = &page[start + title.len()..];
        rest[..rest.find(".SH ").unwrap_or(rest.len())].to_string()
    };
    let exits = section(".SH \"EXIT STATUS\"");
    for code in 0..=4 {
        assert!(exits.contains(&format!("\\fB{code}\\fR")), "exit {code}");
    }
    let environment = section(".SH ENVIRONMENT").replace("\\-", "-");
    let mut read = std::collections::BTreeSet::new();
    variables_read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut read,
    );
    assert!(read.len() > 10, "{read:?}");
    for name in &read {
        assert!(
            environment.contains(name.as_str()),
            "{name} is not in ENVIRONMENT"
        );
    }
    let examples = section(".SH EXAMPLES").replace("\\-", "-");
    assert!(examples.contains("amiboard logs 2bc3 SMOKE_TESTS --cycle creation --attempt 1"));
    let keys = section(".SH \"DASHBOARD KEYS\"");
    let keymap = amiboard::app::keymap::Keymap::default();
    for command in amiboard::app::keymap::Command::ALL {
        if !keymap.keys(command).is_empty() {
            assert!(
                keys.contains(&format!("[{}]", command.name())),
                "{} has no line",
                command.name()
            );
        }
    }
}
