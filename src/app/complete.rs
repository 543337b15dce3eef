//! Tab completion in the `:` palette, as k9s completes `:ctx`: the command
//! words, then a command's argument (profiles from the AWS files read at
//! start-up, regions, the stack tags and statuses of the loaded rows).
//! Pure: the candidates come from the state.

use super::state::State;

/// The palette's command words; those that take an argument end in a space.
const COMMANDS: [&str; 13] = [
    "inbox",
    "production",
    "notifications",
    "list",
    "error",
    "failed",
    "running",
    "waiting",
    "lost",
    "profile ",
    "region ",
    "stack ",
    "status ",
];

/// The statuses `:status` and the list filter know.
const STATUSES: [&str; 5] = ["error", "failed", "running", "completed", "not_started"];

/// The commercial regions, for `:region`.
const REGIONS: [&str; 34] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-west-1",
];

/// What Tab did to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The line after Tab.
    pub line: String,
    /// The candidates when more than one fits (shown under the bar).
    pub choices: Vec<String>,
}

/// Completes `line`: one candidate is written out, several extend the line
/// to what they share and are listed, none leaves it as it is.
pub fn complete(state: &State, line: &str) -> Completion {
    let (head, word, candidates): (&str, &str, Vec<String>) = match line.split_once(' ') {
        None => (
            "",
            line,
            COMMANDS.iter().map(|c| (*c).to_string()).collect(),
        ),
        Some((command, arg)) => {
            let head = &line[..=command.len()];
            let arg = arg.trim_start();
            let candidates = match command.to_ascii_lowercase().as_str() {
                "profile" => state.profiles.clone(),
                "region" => REGIONS.iter().map(|r| (*r).to_string()).collect(),
                "stack" => stack_tags(state),
                "status" => STATUSES.iter().map(|s| (*s).to_string()).collect(),
                _ => Vec::new(),
            };
            (head, arg, candidates)
        }
    };
    let lower = word.to_ascii_lowercase();
    let fits: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match fits.as_slice() {
        [] => Completion {
            line: line.to_string(),
            choices: Vec::new(),
        },
        [one] => Completion {
            line: format!("{head}{one}"),
            choices: Vec::new(),
        },
        many => {
            let shared = shared_prefix(many);
            let word = if shared.len() > word.len() {
                shared
            } else {
                word.to_string()
            };
            Completion {
                line: format!("{head}{word}"),
                choices: many.iter().map(|c| c.trim_end().to_string()).collect(),
            }
        }
    }
}

/// The distinct stack tags of the loaded rows, sorted.
fn stack_tags(state: &State) -> Vec<String> {
    let mut tags: Vec<String> = state.rows.iter().map(|r| r.stack_tag.to_string()).collect();
    tags.sort();
    tags.dedup();
    tags
}

fn shared_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in &words[1..] {
        len = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(len);
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::Keymap;
    use crate::app::state::Connection;
    use crate::lifecycle::Lifecycle;
    use chrono::Utc;

    fn state() -> State {
        let now = Utc::now();
        let mut state = State::new(Keymap::default(), false, Connection::default(), now);
        state.profiles = vec!["default".into(), "prod-admin".into(), "prod-read".into()];
        state.upsert(vec![
            Lifecycle::new("a", "production-eu", "web", "1", "x", now),
            Lifecycle::new("b", "dev", "web", "1", "x", now),
            Lifecycle::new("c", "production-eu", "api", "1", "x", now),
        ]);
        state
    }

    fn tab(line: &str) -> (String, Vec<String>) {
        let c = complete(&state(), line);
        (c.line, c.choices)
    }

    #[test]
    fn tab_completes_commands_and_their_arguments() {
        assert_eq!(tab("inb"), ("inbox".into(), vec![]));
        assert_eq!(tab("prof"), ("profile ".into(), vec![]));
        // Several fit: the line grows to what they share, and they are listed.
        let (line, choices) = tab("pro");
        assert_eq!(line, "pro");
        assert_eq!(choices, ["production", "profile"]);
        assert_eq!(tab("profile prod-a"), ("profile prod-admin".into(), vec![]));
        assert_eq!(
            tab("profile p"),
            (
                "profile prod-".into(),
                vec!["prod-admin".into(), "prod-read".into()]
            )
        );
        assert_eq!(
            tab("region eu-we").1,
            ["eu-west-1", "eu-west-2", "eu-west-3"]
        );
        assert_eq!(tab("region eu-west-3"), ("region eu-west-3".into(), vec![]));
        assert_eq!(tab("stack prod"), ("stack production-eu".into(), vec![]));
        assert_eq!(tab("status f"), ("status failed".into(), vec![]));
        // Nothing fits: the line stays.
        assert_eq!(tab("frob"), ("frob".into(), vec![]));
        assert_eq!(tab("profile nosuch"), ("profile nosuch".into(), vec![]));
    }

    #[test]
    fn tab_in_the_palette_bar_completes_and_lists() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut s = state();
        let press = |s: &mut State, code| {
            crate::app::update::update(
                s,
                crate::app::action::Action::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            )
        };
        for code in [':', 's', 't', 'a', 'c'].map(KeyCode::Char) {
            press(&mut s, code);
        }
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.palette_input.as_deref(), Some("stack "));
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.palette_choices, ["dev", "production-eu"]);
        press(&mut s, KeyCode::Char('d'));
        assert!(s.palette_choices.is_empty());
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.palette_input.as_deref(), Some("stack dev"));
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.filter.text, "stack:dev");
        assert_eq!(s.view.len(), 1);
    }
}
