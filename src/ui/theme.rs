//! The theme: one struct of semantically named styles. Render code asks for
//! `theme.status_failed`, never for a colour. Presets for dark and light
//! terminals, a colourless one for `NO_COLOR`, and overrides from `[theme]`.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::lifecycle::EventStatus;

/// Every style the screens use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub badge_read_write: Style,
    pub badge_read_only: Style,
    pub title: Style,
    pub border: Style,
    pub column_header: Style,
    pub row_selected: Style,
    pub dim: Style,
    pub next_event: Style,
    pub stale: Style,
    pub key: Style,
    pub status_completed: Style,
    pub status_running: Style,
    pub status_failed: Style,
    pub status_error: Style,
    pub status_not_started: Style,
    pub notice_info: Style,
    pub notice_warn: Style,
    pub notice_error: Style,
    pub dialog: Style,
    pub button_focused: Style,
}

fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

impl Theme {
    /// For dark backgrounds (the default). Uses the terminal's own background.
    pub fn dark() -> Theme {
        Theme {
            base: Style::new(),
            header: Style::new().add_modifier(Modifier::BOLD),
            badge_read_write: Style::new().fg(Color::Black).bg(Color::Yellow),
            badge_read_only: Style::new().fg(Color::Black).bg(Color::Cyan),
            title: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            border: fg(Color::DarkGray),
            column_header: fg(Color::Gray).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            row_selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: fg(Color::DarkGray),
            next_event: fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            stale: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            status_completed: fg(Color::Green),
            status_running: fg(Color::LightBlue),
            status_failed: fg(Color::LightRed),
            status_error: fg(Color::Magenta),
            status_not_started: fg(Color::Gray),
            notice_info: fg(Color::Cyan),
            notice_warn: fg(Color::Yellow),
            notice_error: fg(Color::LightRed).add_modifier(Modifier::BOLD),
            dialog: Style::new(),
            button_focused: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    /// For light backgrounds: darker foregrounds.
    pub fn light() -> Theme {
        Theme {
            title: fg(Color::Blue).add_modifier(Modifier::BOLD),
            column_header: fg(Color::Black).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            border: fg(Color::Gray),
            dim: fg(Color::Gray),
            next_event: fg(Color::Green).add_modifier(Modifier::BOLD),
            stale: fg(Color::Red).add_modifier(Modifier::BOLD),
            key: fg(Color::Blue).add_modifier(Modifier::BOLD),
            status_completed: fg(Color::Green),
            status_running: fg(Color::Blue),
            status_failed: fg(Color::Red),
            status_error: fg(Color::Magenta),
            status_not_started: fg(Color::DarkGray),
            notice_info: fg(Color::Blue),
            notice_warn: fg(Color::Red),
            notice_error: fg(Color::Red).add_modifier(Modifier::BOLD),
            ..Theme::dark()
        }
    }

    /// No colour at all (`NO_COLOR`): meaning rests on glyphs, words and modifiers.
    pub fn mono() -> Theme {
        let none = Style::new();
        Theme {
            base: none,
            header: none.add_modifier(Modifier::BOLD),
            badge_read_write: none.add_modifier(Modifier::REVERSED),
            badge_read_only: none.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            title: none.add_modifier(Modifier::BOLD),
            border: none,
            column_header: none.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            row_selected: none.add_modifier(Modifier::REVERSED),
            dim: none.add_modifier(Modifier::DIM),
            next_event: none.add_modifier(Modifier::BOLD),
            stale: none.add_modifier(Modifier::BOLD),
            key: none.add_modifier(Modifier::BOLD),
            status_completed: none,
            status_running: none.add_modifier(Modifier::BOLD),
            status_failed: none.add_modifier(Modifier::BOLD),
            status_error: none.add_modifier(Modifier::BOLD),
            status_not_started: none.add_modifier(Modifier::DIM),
            notice_info: none,
            notice_warn: none.add_modifier(Modifier::BOLD),
            notice_error: none.add_modifier(Modifier::BOLD),
            dialog: none,
            button_focused: none.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    pub fn status(&self, status: EventStatus) -> Style {
        match status {
            EventStatus::NotStarted => self.status_not_started,
            EventStatus::InProgress => self.status_running,
            EventStatus::Completed => self.status_completed,
            EventStatus::Failed => self.status_failed,
            EventStatus::Error => self.status_error,
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "base" => &mut self.base,
            "header" => &mut self.header,
            "badge_read_write" => &mut self.badge_read_write,
            "badge_read_only" => &mut self.badge_read_only,
            "title" => &mut self.title,
            "border" => &mut self.border,
            "column_header" => &mut self.column_header,
            "row_selected" => &mut self.row_selected,
            "dim" => &mut self.dim,
            "next_event" => &mut self.next_event,
            "stale" => &mut self.stale,
            "key" => &mut self.key,
            "status_completed" => &mut self.status_completed,
            "status_running" => &mut self.status_running,
            "status_failed" => &mut self.status_failed,
            "status_error" => &mut self.status_error,
            "status_not_started" => &mut self.status_not_started,
            "notice_info" => &mut self.notice_info,
            "notice_warn" => &mut self.notice_warn,
            "notice_error" => &mut self.notice_error,
            "dialog" => &mut self.dialog,
            "button_focused" => &mut self.button_focused,
            _ => return None,
        })
    }

    /// The config's `[theme]` table: `preset = "dark" | "light"` and style
    /// names set to e.g. `"red on black bold"`. With `no_color` every colour is
    /// dropped (modifiers stay). Errors are one line.
    pub fn from_config(
        table: &BTreeMap<String, toml::Value>,
        no_color: bool,
    ) -> Result<Theme, String> {
        let mut theme = match table.get("preset").map(|v| v.as_str()) {
            None | Some(Some("dark")) => Theme::dark(),
            Some(Some("light")) => Theme::light(),
            Some(Some("mono")) => Theme::mono(),
            Some(other) => {
                let given = table.get("preset").map_or_else(String::new, |v| {
                    other.map_or_else(|| v.to_string(), str::to_string)
                });
                return Err(format!(
                    "[theme]: preset `{given}` is not one of dark, light, mono"
                ));
            }
        };
        if no_color {
            theme = Theme::mono();
        }
        for (name, value) in table {
            if name == "preset" {
                continue;
            }
            let text = value
                .as_str()
                .ok_or_else(|| format!("[theme]: `{name}` must be a string like \"red bold\""))?;
            let style = parse_style(text).map_err(|e| format!("[theme]: `{name}`: {e}"))?;
            let slot = theme
                .slot(name)
                .ok_or_else(|| format!("[theme]: unknown style `{name}`"))?;
            *slot = if no_color {
                Style::new().add_modifier(style.add_modifier)
            } else {
                style
            };
        }
        Ok(theme)
    }
}

/// Parses `"fg [on bg] [bold] [dim] [italic] [underlined] [reversed]"`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace();
    let mut first_colour = true;
    while let Some(word) = words.next() {
        let modifier = match word.to_ascii_lowercase().as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(modifier) = modifier {
            style = style.add_modifier(modifier);
        } else if word == "on" {
            let bg = words.next().ok_or("`on` needs a colour")?;
            style = style.bg(Color::from_str(bg).map_err(|_| format!("unknown colour `{bg}`"))?);
        } else if first_colour {
            style =
                style.fg(Color::from_str(word).map_err(|_| format!("unknown colour `{word}`"))?);
            first_colour = false;
        } else {
            return Err(format!("cannot read `{word}`"));
        }
    }
    Ok(style)
}
