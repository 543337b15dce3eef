//! Keys are data: each [`Command`] has default keys, the config file's `[keys]`
//! table may replace them, and duplicate bindings are refused at start-up.
//! The footer and the help overlay are generated from the live keymap.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Declares [`Command`] and [`Command::ALL`] from one list, so a new command
/// cannot be left out of `ALL` (and with it out of the default keymap, the
/// `[keys]` names, the footer and the help). [`Command::name`],
/// [`Command::label`] and the default keys are exhaustive matches, so the
/// compiler asks for those too.
macro_rules! commands {
    ($($variant:ident),+ $(,)?) => {
        /// A named thing a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $($variant),+
        }

        impl Command {
            /// Every command, in the order declared (the order of the help).
            pub const ALL: [Command; [$(Command::$variant),+].len()] =
                [$(Command::$variant),+];
        }
    };
}

commands! {
    Quit,
    Help,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Refresh,
    Filter,
    SortNext,
    SortReverse,
    SortProblems,
    Detail,
    Notices,
    CopyAmi,
    CopyId,
    Trigger,
    Certify,
    Reject,
    Promote,
    StartPatch,
    Retry,
    Reconcile,
    NewLifecycle,
    NotificationsPane,
    NotificationsFull,
    Pause,
    Autoscroll,
    Attempts,
    Logs,
    NextLink,
    Palette,
    Inbox,
    Production,
    WhereUsed,
    Retire,
}

/// Where a command applies, for the footer and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    List,
    Lifecycle,
    Detail,
    /// The notifications pane and its full screen.
    Notifications,
}

impl Command {
    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Open => "open",
            Command::Back => "back",
            Command::Refresh => "refresh",
            Command::Filter => "filter",
            Command::SortNext => "sort",
            Command::SortReverse => "sort_reverse",
            Command::SortProblems => "sort_problems",
            Command::Detail => "detail",
            Command::Notices => "notices",
            Command::CopyAmi => "copy_ami",
            Command::CopyId => "copy_id",
            Command::Trigger => "trigger",
            Command::Certify => "certify",
            Command::Reject => "reject",
            Command::Promote => "promote",
            Command::StartPatch => "start_patch",
            Command::Retry => "retry",
            Command::Reconcile => "reconcile",
            Command::NewLifecycle => "new_lifecycle",
            Command::NotificationsPane => "notifications_pane",
            Command::NotificationsFull => "notifications_full",
            Command::Pause => "pause",
            Command::Autoscroll => "autoscroll",
            Command::Attempts => "attempts",
            Command::Logs => "logs",
            Command::NextLink => "next_link",
            Command::Palette => "palette",
            Command::Inbox => "inbox",
            Command::Production => "production",
            Command::WhereUsed => "where_used",
            Command::Retire => "retire",
        }
    }

    /// A few words for the footer and help.
    pub fn label(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "first",
            Command::Bottom => "last",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Open => "timeline",
            Command::Back => "back",
            Command::Refresh => "refresh",
            Command::Filter => "filter",
            Command::SortNext => "sort column",
            Command::SortReverse => "reverse sort",
            Command::SortProblems => "problems first",
            Command::Detail => "record JSON",
            Command::Notices => "notices",
            Command::CopyAmi => "copy AMI id",
            Command::CopyId => "copy lifecycle id",
            Command::Trigger => "trigger next",
            Command::Certify => "certify",
            Command::Reject => "reject",
            Command::Promote => "promote",
            Command::StartPatch => "start patch",
            Command::Retry => "retry",
            Command::Reconcile => "reconcile",
            Command::NewLifecycle => "new",
            Command::NotificationsPane => "feed pane",
            Command::NotificationsFull => "feed",
            Command::Pause => "pause feed",
            Command::Autoscroll => "autoscroll",
            Command::Attempts => "earlier attempts",
            Command::Logs => "execution log",
            Command::NextLink => "next link (execution log)",
            Command::Palette => "command palette",
            Command::Inbox => "approval inbox",
            Command::Production => "production view",
            Command::WhereUsed => "where used",
            Command::Retire => "retire (deprecate)",
        }
    }

    /// Whether the command changes lifecycle state (hidden when read-only).
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Command::Trigger
                | Command::Certify
                | Command::Reject
                | Command::Promote
                | Command::StartPatch
                | Command::Retry
                | Command::Reconcile
                | Command::NewLifecycle
                | Command::Retire
        )
    }

    pub fn scope(self) -> Scope {
        match self {
            Command::Open
            | Command::Filter
            | Command::SortNext
            | Command::SortReverse
            | Command::SortProblems
            | Command::NewLifecycle => Scope::List,
            Command::Pause | Command::Autoscroll => Scope::Notifications,
            Command::CopyAmi
            | Command::CopyId
            | Command::Detail
            | Command::Attempts
            | Command::Logs
            | Command::NextLink
            | Command::WhereUsed => Scope::Lifecycle,
            c if c.is_mutating() => Scope::Lifecycle,
            _ => Scope::Everywhere,
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Command::Quit => &["q", "ctrl-c"],
            Command::Help => &["?"],
            Command::Up => &["Up", "k"],
            Command::Down => &["Down", "j"],
            Command::Top => &["g", "Home"],
            Command::Bottom => &["G", "End"],
            Command::PageUp => &["PageUp", "ctrl-b"],
            Command::PageDown => &["PageDown", "ctrl-f"],
            Command::Open => &["Enter"],
            Command::Back => &["Esc"],
            Command::Refresh => &["r"],
            Command::Filter => &["/"],
            Command::SortNext => &["s"],
            Command::SortReverse => &["S"],
            Command::SortProblems => &["!"],
            Command::Detail => &["d"],
            Command::Notices => &["N"],
            Command::CopyAmi => &["y"],
            Command::CopyId => &["Y"],
            Command::Trigger => &["t"],
            Command::Certify => &["c"],
            Command::Reject => &["x"],
            Command::Promote => &["p"],
            Command::StartPatch => &["P"],
            Command::Retry => &["R"],
            Command::Reconcile => &["e"],
            Command::NewLifecycle => &["+"],
            Command::NotificationsPane => &["n"],
            Command::NotificationsFull => &["F"],
            Command::Pause => &["Space"],
            Command::Autoscroll => &["a"],
            Command::Attempts => &["h"],
            Command::Logs => &["l"],
            Command::NextLink => &["Tab"],
            Command::Palette => &[":"],
            Command::Inbox => &["i"],
            Command::Production => &["W"],
            Command::WhereUsed => &["u"],
            Command::Retire => &["X"],
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One key with its modifiers, as written in the config (`ctrl-c`, `G`, `PageUp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// Parses `q`, `G`, `?`, `ctrl-c`, `Enter`, `Esc`, `Up`, `PageDown`, `F1`…
    pub fn parse(text: &str) -> Option<Key> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-").or(text.strip_prefix("C-")) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "tab" => KeyCode::Tab,
                "backspace" => KeyCode::Backspace,
                "space" => KeyCode::Char(' '),
                other => {
                    let n = other.strip_prefix('f')?.parse::<u8>().ok()?;
                    KeyCode::F(n)
                }
            },
        };
        Some(Key { code, ctrl })
    }

    /// The key a terminal event stands for.
    pub fn from_event(event: &KeyEvent) -> Key {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key { code, ctrl }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The live keymap: each command's keys, in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Command, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Command::ALL
            .into_iter()
            .map(|c| {
                let keys = c.defaults().iter().filter_map(|k| Key::parse(k)).collect();
                (c, keys)
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with the config file's `[keys]` table applied. A command
    /// given in the table loses its default keys. Errors are one line.
    pub fn from_config(table: &BTreeMap<String, toml::Value>) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (name, value) in table {
            let command = Command::from_name(name).ok_or_else(|| {
                format!(
                    "[keys]: unknown action `{name}`; known: {}",
                    Command::ALL.map(Command::name).join(", ")
                )
            })?;
            let not_keys = || format!("[keys]: `{name}` must be a key or a list of keys");
            let texts: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(toml::Value::as_str)
                    .collect::<Option<_>>()
                    .ok_or_else(not_keys)?,
                _ => return Err(not_keys()),
            };
            if command == Command::Quit && texts.is_empty() {
                return Err(
                    "[keys]: `quit` needs at least one key, or nothing could leave the dashboard"
                        .to_string(),
                );
            }
            let mut keys = Vec::new();
            for text in texts {
                keys.push(
                    Key::parse(text)
                        .ok_or_else(|| format!("[keys]: `{name}`: cannot read key `{text}`"))?,
                );
            }
            keymap.bindings.insert(command, keys);
        }
        keymap.validate()?;
        Ok(keymap)
    }

    /// Refuses a key bound to two commands.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen: std::collections::HashMap<Key, Command> = std::collections::HashMap::new();
        for (command, keys) in &self.bindings {
            for key in keys {
                if let Some(other) = seen.insert(*key, *command)
                    && other != *command
                {
                    return Err(format!(
                        "[keys]: `{key}` is bound to both `{}` and `{}`",
                        other.name(),
                        command.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The command a key press means, if any.
    pub fn command_for(&self, event: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(event);
        self.bindings
            .iter()
            .find_map(|(command, keys)| keys.contains(&key).then_some(*command))
    }

    pub fn keys(&self, command: Command) -> &[Key] {
        self.bindings.get(&command).map_or(&[], Vec::as_slice)
    }

    /// The first key of a command as text, for the footer ("" when unbound).
    pub fn first_key(&self, command: Command) -> String {
        self.keys(command)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn defect_20_an_empty_quit_binding_is_refused() {
        let mut table = BTreeMap::new();
        table.insert("quit".to_string(), toml::Value::Array(Vec::new()));
        let err = Keymap::from_config(&table).expect_err("no way to quit");
        assert!(err.contains("`quit` needs at least one key"), "{err}");
        // Another command may be unbound on purpose.
        let mut table = BTreeMap::new();
        table.insert("reconcile".to_string(), toml::Value::Array(Vec::new()));
        assert!(Keymap::from_config(&table).is_ok());
    }

    #[test]
    fn all_lists_every_command_once_in_declaration_order() {
        // `ALL` comes from the enum's own list (see `commands!`); the derived
        // `Ord` follows declaration order, so sorted and distinct means each
        // variant once, in order.
        assert!(Command::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Command::ALL.first(), Some(&Command::Quit));
    }

    #[test]
    fn names_are_distinct_and_read_back() {
        let names: HashSet<_> = Command::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Command::ALL.len());
        for command in Command::ALL {
            assert_eq!(Command::from_name(command.name()), Some(command));
            assert!(!command.label().is_empty(), "{command:?} has a label");
        }
    }

    #[test]
    fn every_default_key_parses_and_no_two_commands_share_one() {
        for command in Command::ALL {
            assert!(!command.defaults().is_empty(), "{command:?} has a key");
            for text in command.defaults() {
                assert!(Key::parse(text).is_some(), "{command:?}: `{text}`");
            }
        }
        let keymap = Keymap::default();
        assert_eq!(keymap.validate(), Ok(()));
        for command in Command::ALL {
            assert_eq!(keymap.keys(command).len(), command.defaults().len());
        }
    }

    #[test]
    fn a_list_with_a_non_key_is_refused() {
        let table: BTreeMap<String, toml::Value> =
            toml::from_str("quit = [\"q\", 1]").expect("toml");
        assert_eq!(
            Keymap::from_config(&table),
            Err("[keys]: `quit` must be a key or a list of keys".to_string())
        );
    }
}
