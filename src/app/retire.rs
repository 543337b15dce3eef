//! The retire dialog (`X`): choose deprecate (now or at a time), disable,
//! delete or restore; read the preview (every AMI, snapshot, region and
//! reference it touches, `lifecycle::retire::preview_lines`); break the glass
//! when a rule holds it back (type `override` and a reason, recorded like
//! four eyes); confirm (`y`, or the AMI id typed for delete). The rules are
//! `lifecycle::retire::check_retire`'s; `ops::retire` checks them again on
//! the records as read when it runs.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::action::{Effect, Op};
use super::approval::OVERRIDE_WORD;
use super::keymap::Command;
use super::state::{Dialog, Level, State};
use crate::lifecycle::retire::{
    Preview, RetireAction, RetireRefusal, RetireRequest, RetireRule, check_retire, retire_target,
    superseded_in,
};
use crate::lifecycle::{Lifecycle, Stage};

/// What the person picks in the first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Deprecate,
    DeprecateAt,
    Disable,
    Delete,
    Restore,
}

impl Choice {
    pub const ALL: [Choice; 5] = [
        Choice::Deprecate,
        Choice::DeprecateAt,
        Choice::Disable,
        Choice::Delete,
        Choice::Restore,
    ];

    pub fn action(self) -> RetireAction {
        match self {
            Choice::Deprecate | Choice::DeprecateAt => RetireAction::Deprecate,
            Choice::Disable => RetireAction::Disable,
            Choice::Delete => RetireAction::Delete,
            Choice::Restore => RetireAction::Restore,
        }
    }

    /// The line of the choice list.
    pub fn label(self) -> &'static str {
        match self {
            Choice::Deprecate => "deprecate now (still launches by id; lookup rows kept)",
            Choice::DeprecateAt => "deprecate at a time",
            Choice::Disable => "disable (no launches; lookup rows removed)",
            Choice::Delete => "delete AMIs and snapshots, every region (final)",
            Choice::Restore => "restore (back to available; lookup rows written again)",
        }
    }

    fn step(self, by: isize) -> Choice {
        let i = Choice::ALL.iter().position(|c| *c == self).unwrap_or(0);
        let len = Choice::ALL.len().cast_signed();
        let next = (i.cast_signed() + by).rem_euclid(len);
        Choice::ALL[next.cast_unsigned()]
    }
}

/// Which step of the dialog is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Choose,
    Preview,
}

/// A text field of the preview step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `override`, typed to break the glass.
    Word,
    Reason,
    /// The AMI id, typed to confirm a delete.
    Ami,
}

/// The dialog's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetireForm {
    pub lifecycle_id: String,
    pub stage: Stage,
    pub choice: Choice,
    /// The time typed for "deprecate at".
    pub at: String,
    pub step: Step,
    /// What it touches, once chosen (before any override).
    pub preview: Option<Preview>,
    /// The rules that hold it back (break glass to go ahead).
    pub rules: Vec<RetireRule>,
    pub word: String,
    pub reason: String,
    pub typed_ami: String,
    pub focus: Option<Field>,
    /// Scroll of the preview's lines.
    pub scroll: u16,
    pub error: Option<String>,
}

impl RetireForm {
    /// The fields the preview step asks for, in Tab order.
    pub fn fields(&self) -> Vec<Field> {
        let mut fields = Vec::new();
        if !self.rules.is_empty() {
            fields.extend([Field::Word, Field::Reason]);
        }
        if self.choice == Choice::Delete {
            fields.push(Field::Ami);
        }
        fields
    }

    /// The AMI id a delete asks to be typed: the stage's first.
    pub fn expected_ami(&self) -> Option<&str> {
        self.preview
            .as_ref()
            .and_then(|p| p.amis.first())
            .map(|a| a.ami_id.as_str())
    }

    /// The command line a writer runs for the same retirement.
    pub fn command_line(&self) -> String {
        command_line(
            &self.lifecycle_id,
            self.choice,
            &self.at,
            !self.rules.is_empty(),
        )
    }
}

/// `amiboard retire <id> --delete --override-in-use --reason TEXT`, as asked.
pub fn command_line(id: &str, choice: Choice, at: &str, overriding: bool) -> String {
    let short: String = id.chars().take(8).collect();
    let mut line = match choice {
        Choice::Restore => return format!("amiboard restore {short}"),
        Choice::Deprecate => format!("amiboard retire {short}"),
        Choice::DeprecateAt => {
            let at = if at.trim().is_empty() {
                "TIME"
            } else {
                at.trim()
            };
            format!("amiboard retire {short} --deprecate-at {at}")
        }
        Choice::Disable => format!("amiboard retire {short} --disable"),
        Choice::Delete => format!("amiboard retire {short} --delete"),
    };
    if overriding {
        line.push_str(" --override-in-use --reason TEXT");
    }
    line
}

/// Reads a deprecation time: RFC 3339 (`2026-12-31T00:00:00Z`), a date
/// (midnight UTC), or `+7d` / `+12h` from now.
pub fn parse_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Type when to deprecate: 2026-12-31T00:00:00Z, 2026-12-31 or +7d.".into());
    }
    if let Some(rest) = text.strip_prefix('+') {
        let (n, unit) = rest.split_at(rest.len().saturating_sub(1));
        let n: i64 = n
            .parse()
            .map_err(|_| format!("`{text}`: write +7d or +12h"))?;
        let span = match unit {
            "d" => Duration::try_days(n),
            "h" => Duration::try_hours(n),
            _ => None,
        }
        .ok_or_else(|| format!("`{text}`: write +7d or +12h"))?;
        return now
            .checked_add_signed(span)
            .ok_or_else(|| format!("`{text}` is too far away"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!("`{text}` is not a time: use 2026-12-31T00:00:00Z, 2026-12-31 or +7d")
        })
}

/// `X`, or `U` on the where-used screen, on the focused lifecycle (read-only
/// was refused before: `flow::begin`). `None` for other commands.
pub fn begin(state: &mut State, command: Command, lc: &Lifecycle) -> Option<Vec<Effect>> {
    match command {
        Command::Retire => {
            let ami = super::end_of_life::focused_ami(state);
            open(state, lc, ami.as_deref());
            Some(Vec::new())
        }
        Command::RefreshWhereUsed => Some(super::end_of_life::refresh(state, lc)),
        _ => None,
    }
}

/// Opens the dialog on the stage holding `ami`, else the newest stage that
/// built AMIs; a lifecycle with none is refused at once.
pub fn open(state: &mut State, lc: &Lifecycle, ami: Option<&str>) {
    let Some(target) = retire_target(lc, ami) else {
        let sentence = RetireRefusal::NothingBuilt {
            stage: Stage::Creation,
        }
        .to_string();
        state.notify(Level::Warn, format!("Refused: {sentence}"));
        state.dialog = Some(Dialog::Refused {
            title: "Cannot retire".to_string(),
            sentence,
        });
        return;
    };
    let choice = match lc
        .retirement(target)
        .map(crate::lifecycle::retire::Retirement::state)
    {
        Some(
            crate::lifecycle::retire::AmiState::Disabled
            | crate::lifecycle::retire::AmiState::Deprecated { .. },
        ) => Choice::Restore,
        _ => Choice::Deprecate,
    };
    state.dialog = Some(Dialog::Retire(Box::new(RetireForm {
        lifecycle_id: lc.lifecycle_id.clone(),
        stage: target,
        choice,
        at: String::new(),
        step: Step::Choose,
        preview: None,
        rules: Vec::new(),
        word: String::new(),
        reason: String::new(),
        typed_ami: String::new(),
        focus: None,
        scroll: 0,
        error: None,
    })));
}

fn actor(state: &State) -> String {
    state
        .connection
        .actor
        .clone()
        .unwrap_or_else(|| "unknown".to_string())
}

/// The stage's supersessions among the held records of its stack tag and
/// product (`ops::retire` reads them all again when it runs).
fn supersessions(
    state: &State,
    lc: &Lifecycle,
    at: Stage,
) -> Vec<crate::lifecycle::retire::Supersession> {
    let mut peers: Vec<Lifecycle> = state
        .records
        .iter()
        .filter(|p| {
            p.stack_tag == lc.stack_tag
                && p.product_name == lc.product_name
                && p.lifecycle_id != lc.lifecycle_id
        })
        .cloned()
        .collect();
    peers.push(lc.clone());
    superseded_in(&peers, &lc.lifecycle_id, at)
}

/// Checks the form's choice with `override_reason`.
fn check(
    state: &State,
    form: &RetireForm,
    lc: &Lifecycle,
    override_reason: Option<String>,
) -> Result<Preview, String> {
    let deprecate_at = match form.choice {
        Choice::DeprecateAt => Some(parse_at(&form.at, state.now)?),
        _ => None,
    };
    let request = RetireRequest {
        action: form.choice.action(),
        deprecate_at,
        override_reason,
        actor: actor(state),
        now: state.now,
    };
    check_retire(
        lc,
        form.stage,
        &supersessions(state, lc, form.stage),
        &request,
    )
    .map_err(|r| match r {
        RetireRefusal::Guarded { .. } => r.to_string(),
        other => format!("Refused: {other}"),
    })
}

/// Enter on the choice: the preview, with the rules that hold it back.
fn to_preview(state: &State, form: &mut RetireForm, lc: &Lifecycle) {
    let deprecate_at = match form.choice {
        Choice::DeprecateAt => match parse_at(&form.at, state.now) {
            Ok(at) => Some(at),
            Err(e) => {
                form.error = Some(e);
                return;
            }
        },
        _ => None,
    };
    let mut request = RetireRequest {
        action: form.choice.action(),
        deprecate_at,
        override_reason: None,
        actor: actor(state),
        now: state.now,
    };
    let sup = supersessions(state, lc, form.stage);
    let (preview, rules) = match check_retire(lc, form.stage, &sup, &request) {
        Ok(preview) => (preview, Vec::new()),
        Err(RetireRefusal::Guarded { rules }) => {
            // What it would touch, shown before anyone breaks the glass: the
            // same check with a reason, its override dropped from the view.
            request.override_reason = Some("preview".to_string());
            match check_retire(lc, form.stage, &sup, &request) {
                Ok(mut preview) => {
                    preview.approval_override = None;
                    (preview, rules)
                }
                Err(other) => {
                    form.error = Some(format!("Refused: {other}"));
                    return;
                }
            }
        }
        Err(other) => {
            form.error = Some(format!("Refused: {other}"));
            return;
        }
    };
    form.preview = Some(preview);
    form.rules = rules;
    form.step = Step::Preview;
    form.scroll = 0;
    form.error = None;
    form.focus = form.fields().first().copied();
}

/// Keys of the dialog. Nothing changes until the last confirmation.
pub fn key(
    state: &mut State,
    mut form: Box<RetireForm>,
    key: &KeyEvent,
    code: KeyCode,
) -> Vec<Effect> {
    if code == KeyCode::Esc {
        state.notify(Level::Info, "Retirement cancelled: nothing was changed.");
        return Vec::new();
    }
    let Some(lc) = state.lifecycle(&form.lifecycle_id).cloned() else {
        state.notify(
            Level::Warn,
            format!(
                "{} is no longer held: nothing was changed.",
                form.lifecycle_id
            ),
        );
        return Vec::new();
    };
    match form.step {
        Step::Choose => match code {
            KeyCode::Up | KeyCode::BackTab => form.choice = form.choice.step(-1),
            KeyCode::Down | KeyCode::Tab => form.choice = form.choice.step(1),
            KeyCode::Enter => to_preview(state, &mut form, &lc),
            _ if form.choice == Choice::DeprecateAt => {
                super::input::edit_text(&mut form.at, key);
                form.error = None;
            }
            _ => {}
        },
        Step::Preview => match code {
            KeyCode::Up => form.scroll = form.scroll.saturating_sub(1),
            KeyCode::Down => form.scroll = form.scroll.saturating_add(1),
            KeyCode::PageUp => form.scroll = form.scroll.saturating_sub(10),
            KeyCode::PageDown => form.scroll = form.scroll.saturating_add(10),
            KeyCode::Tab | KeyCode::BackTab => {
                let fields = form.fields();
                if let Some(i) = form.focus.and_then(|f| fields.iter().position(|x| *x == f)) {
                    let by = if code == KeyCode::Tab {
                        1
                    } else {
                        fields.len() - 1
                    };
                    form.focus = fields.get((i + by) % fields.len()).copied();
                }
            }
            KeyCode::Enter | KeyCode::Char(_) if form.fields().is_empty() => {
                if code == KeyCode::Char('y') || code == KeyCode::Char('Y') {
                    return confirm(state, *form, &lc);
                }
                if code == KeyCode::Enter {
                    form.error = Some("Press y to confirm, Esc to cancel.".to_string());
                }
            }
            KeyCode::Enter => return confirm(state, *form, &lc),
            _ => {
                let field = match form.focus {
                    Some(Field::Reason) => &mut form.reason,
                    Some(Field::Ami) => &mut form.typed_ami,
                    Some(Field::Word) | None => &mut form.word,
                };
                super::input::edit_text(field, key);
                form.error = None;
            }
        },
    }
    state.dialog = Some(Dialog::Retire(form));
    Vec::new()
}

/// The last step: the override's word and reason, the typed AMI id, the
/// rules once more (with the reason), then the effect.
fn confirm(state: &mut State, mut form: RetireForm, lc: &Lifecycle) -> Vec<Effect> {
    let guarded = !form.rules.is_empty();
    let fail = |state: &mut State, mut form: RetireForm, error: String, focus: Option<Field>| {
        form.error = Some(error);
        if focus.is_some() {
            form.focus = focus;
        }
        state.dialog = Some(Dialog::Retire(Box::new(form)));
        Vec::new()
    };
    if guarded && form.word.trim() != OVERRIDE_WORD {
        let error = format!(
            "Held back by the rules above: type `{OVERRIDE_WORD}` and a reason to go ahead, or Esc to cancel; nothing was changed."
        );
        return fail(state, form, error, Some(Field::Word));
    }
    if guarded && form.reason.trim().is_empty() {
        let error = "A reason is required: it is recorded with the override.".to_string();
        return fail(state, form, error, Some(Field::Reason));
    }
    if form.choice == Choice::Delete {
        let expected = form.expected_ami().unwrap_or_default().to_string();
        if form.typed_ami.trim() != expected {
            let error = if form.typed_ami.trim().is_empty() {
                format!("Type the AMI id {expected} to confirm the delete.")
            } else {
                format!(
                    "`{}` is not {expected}; nothing was changed.",
                    form.typed_ami.trim()
                )
            };
            return fail(state, form, error, Some(Field::Ami));
        }
    }
    let override_reason = guarded.then(|| form.reason.trim().to_string());
    let preview = match check(state, &form, lc, override_reason.clone()) {
        Ok(preview) => preview,
        Err(error) => return fail(state, form, error, None),
    };
    form.preview = Some(preview.clone());
    let op = Op::Retire {
        lifecycle_id: form.lifecycle_id.clone(),
        stage: preview.stage,
        action: preview.action,
        deprecate_at: preview.deprecate_at,
        override_reason,
    };
    super::flow::submit(state, op)
}
