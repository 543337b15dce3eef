//! `amiboard man`: the man page from the clap definitions, with the
//! sections clap cannot know (EXIT STATUS, ENVIRONMENT, EXAMPLES, and the
//! dashboard's keys from the live keymap's defaults). On a terminal it is
//! shown through a pager; otherwise it is written as roff.

use std::io::{IsTerminal, Write};
use std::process::{Command as Process, Stdio};

use super::CliError;
use crate::app::keymap::{Command as Key, Keymap};

/// The exit codes every command uses (`cli::error::Exit`).
const EXIT_STATUS: [(&str, &str); 5] = [
    ("0", "success (for doctor: no check failed)."),
    (
        "1",
        "failure: an AWS call failed, a followed event (--wait, wait, logs --follow) ended FAILED or ERROR, or doctor found a failed check.",
    ),
    (
        "2",
        "usage: a bad flag, argument, filter, cycle, attempt or configuration value, an id shorter than 4 characters, a decision without --reason; nothing was called or changed.",
    ),
    ("3", "not found: no lifecycle has that id or prefix."),
    (
        "4",
        "refused: the lifecycle's rules, read-only mode, a cancelled confirmation or a wrong --confirm-ami refused the change; nothing was changed.",
    ),
];

/// Every AMIBOARD_* and AWS_* variable amiboard itself reads, then the ones
/// the AWS SDK reads for it, and the few others.
pub const ENVIRONMENT: [(&str, &str); 24] = [
    (
        "AMIBOARD_CONFIG",
        "the config file (else $XDG_CONFIG_HOME/amiboard/config.toml).",
    ),
    (
        "AMIBOARD_PREFIX",
        "the prefix of every table, topic and state machine name (default amiboard-).",
    ),
    (
        "AMIBOARD_LIFECYCLE_TABLE",
        "the lifecycle table's name (else PREFIX + lifecycles).",
    ),
    (
        "AMIBOARD_SEMVER_TABLE",
        "the version seed table's name (else PREFIX + semver-seeds).",
    ),
    (
        "AMIBOARD_LOOKUP_TABLE",
        "the AMI lookup table's name (else PREFIX + ami-lookup).",
    ),
    (
        "AMIBOARD_READ_ONLY",
        "1/true: refuse every change, as --read-only does.",
    ),
    (
        "AMIBOARD_LOG",
        "the log level (error, warn, info, debug, trace; else --log-level); the log goes to $XDG_STATE_HOME/amiboard, never to the terminal.",
    ),
    (
        "AMIBOARD_PIPELINE_ARN",
        "the Image Builder pipeline lifecycles build with (else [workflows] pipeline_arn).",
    ),
    (
        "AMIBOARD_WORKFLOW_ROLE_ARN",
        "the Step Functions execution role provision gives the state machines and doctor checks (else PREFIX + workflows).",
    ),
    (
        "AMIBOARD_WORKFLOW_WAIT",
        "seconds the workflows wait between polls (else [workflows] wait_seconds).",
    ),
    (
        "AMIBOARD_PAGE_TIMEOUT",
        "seconds one page of a table read may take, retries included (1-3600, default 60).",
    ),
    (
        "AWS_PROFILE",
        "the AWS profile (else --profile, else default).",
    ),
    (
        "AWS_REGION",
        "the region (else --region, the profile, the config file).",
    ),
    (
        "AWS_ENDPOINT_URL",
        "one endpoint for every service, e.g. the local emulator (else --endpoint-url).",
    ),
    (
        "AWS_ENDPOINT_URL_<SERVICE>",
        "one service's endpoint (AWS_ENDPOINT_URL_DYNAMODB, ..._SFN, ...); errors name it.",
    ),
    (
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "true: ignore the configured endpoints, as the SDK does.",
    ),
    (
        "AWS_CONFIG_FILE",
        "the shared config file (else ~/.aws/config); profiles are read from it.",
    ),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "the shared credentials file (else ~/.aws/credentials).",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
        "static credentials, read by the AWS SDK's credential chain (then the profile, SSO, web identity, container and instance metadata).",
    ),
    (
        "NO_COLOR",
        "set and not empty: the dashboard draws without colour.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_STATE_HOME",
        "where the config file and the log live.",
    ),
    (
        "MANPAGER, PAGER",
        "the pager amiboard man uses on a terminal (through man -l when man is installed).",
    ),
    (
        "HOSTNAME",
        "part of the name of the dashboard's temporary notification queue.",
    ),
    ("HOME", "where ~/.aws is."),
];

const EXAMPLES: [(&str, &str); 9] = [
    ("amiboard", "open the dashboard."),
    (
        "amiboard list --filter status:failed,error",
        "the lifecycles that need someone, with their reasons.",
    ),
    (
        "amiboard create --stack-tag main --product-name web --product-version 3.2 --yes --wait",
        "start a lifecycle and follow its build.",
    ),
    (
        "amiboard trigger 2bc3 --yes --wait",
        "run the next event of lifecycle 2bc3... and wait for its result.",
    ),
    (
        "amiboard logs 2bc3 SMOKE_TESTS --cycle creation --attempt 1",
        "the first try of the creation's smoke tests.",
    ),
    (
        "amiboard logs 2bc3 --follow",
        "follow the running execution state by state.",
    ),
    (
        "amiboard certify 2bc3 --reason 'QA signed off' --yes",
        "record QA's certification.",
    ),
    (
        "amiboard select --stack-tag main --product-name web",
        "the AMI id of the best match, for scripts.",
    ),
    (
        "amiboard man --dir ~/.local/share/man/man1",
        "install one page per command.",
    ),
];

/// Escapes text for roff: backslashes, hyphens, and a leading `.` or `'`.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn tagged(out: &mut String, tag: &str, text: &str) {
    out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(tag), escape(text)));
}

/// The sections after OPTIONS and SUBCOMMANDS of the main page.
pub fn extra_sections(keymap: &Keymap) -> String {
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        tagged(&mut out, code, meaning);
    }
    out.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        tagged(&mut out, name, meaning);
    }
    out.push_str(".SH EXAMPLES\n");
    for (command, what) in EXAMPLES {
        tagged(&mut out, command, what);
    }
    out.push_str(
        ".SH \"DASHBOARD KEYS\"\nThe default keys; a [keys] table in the config file rebinds them (by the name in brackets), and ? in the dashboard shows the keys in effect.\n",
    );
    for command in Key::ALL {
        let keys: Vec<String> = keymap
            .keys(command)
            .iter()
            .map(ToString::to_string)
            .collect();
        if keys.is_empty() {
            continue;
        }
        tagged(
            &mut out,
            &keys.join(", "),
            &format!("{} [{}]", command.label(), command.name()),
        );
    }
    out
}

/// The main page: clap's sections, then [`extra_sections`], then the version.
pub fn main_page(command: clap::Command) -> Result<Vec<u8>, CliError> {
    let man = clap_mangen::Man::new(command);
    let fail = |e: std::io::Error| CliError::failure(format!("cannot render the man page: {e}"));
    let mut out = Vec::new();
    man.render_title(&mut out).map_err(fail)?;
    man.render_name_section(&mut out).map_err(fail)?;
    man.render_synopsis_section(&mut out).map_err(fail)?;
    man.render_description_section(&mut out).map_err(fail)?;
    man.render_options_section(&mut out).map_err(fail)?;
    man.render_subcommands_section(&mut out).map_err(fail)?;
    out.extend_from_slice(extra_sections(&Keymap::default()).as_bytes());
    man.render_version_section(&mut out).map_err(fail)?;
    Ok(out)
}

/// How a page reaches a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Showing {
    /// Not a terminal: the roff itself.
    Roff,
    /// `man -l -` formats it and pages it (honouring $MANPAGER / $PAGER).
    Man,
    /// No `man`: a plain-text rendering through this pager command.
    Pager(String),
}

/// Picks how to show the page: raw roff unless stdout is a terminal; then
/// `man -l -` when man is installed (it runs $MANPAGER or $PAGER itself),
/// else $MANPAGER, $PAGER, or `less -R` over plain text.
pub fn showing(
    terminal: bool,
    has_man: bool,
    manpager: Option<&str>,
    pager: Option<&str>,
) -> Showing {
    let set = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if !terminal {
        Showing::Roff
    } else if has_man {
        Showing::Man
    } else {
        Showing::Pager(
            set(manpager)
                .or_else(|| set(pager))
                .unwrap_or_else(|| "less -R".to_string()),
        )
    }
}

/// A readable text form of the roff this module and clap_mangen write, for
/// a pager when man is not installed.
pub fn plain_text(roff: &str) -> String {
    let mut out = String::new();
    for line in roff.lines() {
        let text = |s: &str| {
            s.replace("\\fB", "")
                .replace("\\fI", "")
                .replace("\\fR", "")
                .replace("\\fP", "")
                .replace("\\-", "-")
                .replace("\\&", "")
                .replace("\\e", "\\")
                .replace("\\(bu", "*")
        };
        if let Some(title) = line.strip_prefix(".SH ") {
            out.push_str(&format!("\n{}\n", text(title).trim_matches('"')));
        } else if line.starts_with(".TP") || line.starts_with(".PP") || line.starts_with(".br") {
            out.push('\n');
        } else if line.starts_with(".TH") || line.starts_with(".ie") || line.starts_with(".el") {
        } else if let Some(rest) = line
            .strip_prefix(".B ")
            .or_else(|| line.strip_prefix(".I "))
            .or_else(|| line.strip_prefix(".IP "))
        {
            out.push_str(&format!("  {}\n", text(rest)));
        } else if line.starts_with('.') || line.starts_with('\'') {
        } else {
            out.push_str(&format!("  {}\n", text(line)));
        }
    }
    out
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Writes the page to standard output, or through a pager on a terminal.
pub fn show(roff: &[u8]) -> Result<(), CliError> {
    let plan = showing(
        std::io::stdout().is_terminal(),
        on_path("man"),
        std::env::var("MANPAGER").ok().as_deref(),
        std::env::var("PAGER").ok().as_deref(),
    );
    let (mut child, input) = match plan {
        Showing::Roff => return super::completions::write_out(roff),
        Showing::Man => (
            Process::new("man")
                .args(["-l", "-"])
                .stdin(Stdio::piped())
                .spawn(),
            roff.to_vec(),
        ),
        Showing::Pager(pager) => (
            Process::new("sh")
                .args(["-c", &pager])
                .stdin(Stdio::piped())
                .spawn(),
            plain_text(&String::from_utf8_lossy(roff)).into_bytes(),
        ),
    };
    let Ok(child) = child.as_mut() else {
        // No pager could start: the page is still worth printing.
        return super::completions::write_out(roff);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit early (q) closes its input: not an error.
        let _ = stdin.write_all(&input);
    }
    let _ = child.wait();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_only_off_a_terminal_then_man_then_the_pagers() {
        assert_eq!(showing(false, true, Some("most"), None), Showing::Roff);
        assert_eq!(
            showing(true, true, Some("most"), Some("more")),
            Showing::Man
        );
        assert_eq!(
            showing(true, false, Some("most"), Some("more")),
            Showing::Pager("most".into())
        );
        assert_eq!(
            showing(true, false, Some(" "), Some("more")),
            Showing::Pager("more".into())
        );
        assert_eq!(
            showing(true, false, None, None),
            Showing::Pager("less -R".into())
        );
    }

    #[test]
    fn the_keys_section_comes_from_the_keymap() {
        let keymap = Keymap::default();
        let roff = extra_sections(&keymap);
        for command in Key::ALL {
            if let Some(key) = keymap.keys(command).first() {
                assert!(
                    roff.contains(&format!("[{}]", command.name())),
                    "{command:?} missing"
                );
                assert!(roff.contains(&escape(&key.to_string())), "{key} missing");
            }
        }
    }

    #[test]
    fn plain_text_drops_the_markup() {
        let text = plain_text(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nsuccess \\- all\n");
        assert_eq!(text, "\nEXIT STATUS\n\n  0\n  success - all\n");
    }
}
