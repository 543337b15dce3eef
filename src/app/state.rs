//! Everything the dashboard knows, in one struct that update() changes and
//! render() reads: the data, its load state, the screen stack, dialogs and notices.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::action::{CursorKey, Op};
use super::create::CreateForm;
use super::facts::Facts;
use super::feed::Feed;
use super::filter::Filter;
use super::images::Images;
use super::keymap::{Command, Keymap};
use super::list_watch::ExecutionWatch;
use super::progress::Watch;
use super::records::Records;
use super::rows::{Names, Row, Sort};
use crate::lifecycle::{Bump, Lifecycle};

/// Where the list's data stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    Idle,
    /// Pages are arriving; `pages` so far.
    Loading {
        pages: u32,
    },
    Loaded {
        at: DateTime<Utc>,
    },
    /// The last load failed; data from before stays, marked stale.
    Failed {
        message: String,
        retry_at: DateTime<Utc>,
    },
}

/// A screen of the stack. The list is always at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    List,
    Timeline {
        id: String,
        scroll: u16,
    },
    Detail {
        id: String,
        scroll: u16,
    },
    Help {
        scroll: u16,
    },
    Notices {
        scroll: u16,
    },
    /// The notifications feed, full screen.
    Feed,
    /// The raw JSON of one notification.
    Raw {
        message_id: String,
        scroll: u16,
    },
    /// Every lifecycle waiting for a person; `selected` is a row of it.
    Inbox {
        selected: usize,
    },
    /// The AMI in production per stack tag, product and region.
    Production {
        scroll: u16,
    },
    /// The execution log of one event (`l`): `State::logs` holds it.
    Logs {
        scroll: u16,
    },
    /// Where a lifecycle's AMIs are used (`u`): the recorded answer and its age.
    WhereUsed {
        id: String,
        scroll: u16,
    },
}

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Kept in the history (`N`) only, never a toast: what a dialog on
    /// screen already says (a refusal shows one thing).
    pub quiet: bool,
}

/// A modal dialog over the current screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Name everything, start on Cancel, need `y` (or the AMI id typed for production).
    Confirm {
        op: Op,
        lines: Vec<(String, String)>,
        confirm_focused: bool,
        /// Production promotion: the AMI id that must be typed.
        typed_ami: Option<TypedAmi>,
    },
    /// A reason for certify or reject.
    Reason {
        lifecycle_id: String,
        certified: bool,
        input: String,
        error: Option<String>,
    },
    /// MINOR or PATCH for a new patch cycle.
    PatchChoice { lifecycle_id: String, bump: Bump },
    /// A rule refused the action: its sentence, nothing changed.
    Refused { title: String, sentence: String },
    /// Quit while an action is in flight?
    QuitWhileBusy,
    /// The new-lifecycle form.
    Create(CreateForm),
    /// Four eyes or the promotion checklist refuses: type `override` and a
    /// reason to break the glass (`app::approval`).
    Override(super::approval::OverrideForm),
    /// Deprecate, disable, delete or restore, with the preview (`app::retire`).
    Retire(Box<super::retire::RetireForm>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedAmi {
    pub expected: String,
    pub input: String,
    /// Why the last Enter did not confirm (a different AMI id).
    pub error: Option<String>,
}

pub use super::connection::{Connection, Switch};

/// The whole app state.
// Independent switches, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct State {
    pub keymap: Keymap,
    pub read_only: bool,
    pub connection: Connection,
    pub production_stack_tags: Vec<String>,
    /// Four eyes and the promotion checklist, per stack tag (`[approvals]`).
    pub approval_rules: crate::ops::ApprovalRules,
    pub refresh_every: Duration,
    /// How often the whole table is reloaded while the notification stream
    /// is connected (notifications and re-reads keep the list current).
    pub full_reload: Duration,
    /// How often the open timeline's running execution is polled.
    pub workflow_poll: Duration,
    pub now: DateTime<Utc>,

    /// One compact row per loaded lifecycle (what the list shows and
    /// filters on); the full records are in `records`.
    pub rows: Vec<Row>,
    /// Row index by lifecycle id.
    pub by_id: HashMap<Arc<str>, usize, crate::lifecycle::FastHash>,
    /// The strings rows share (stack tags, products, owners).
    pub names: Names,
    /// The full records held: all of a small table, else a bounded set.
    pub records: Records,
    /// Per lifecycle, what the watcher, inbox and production view need.
    pub facts: Facts,
    /// A command that waits for its lifecycle's record to be read.
    pub awaiting: Option<(String, Command)>,
    /// The focused lifecycle whose record is being read (`list_view::fetch_focused`).
    pub fetching: Option<String>,
    /// Links of lifecycles just read, for the stream's index (sent after
    /// each update as `Effect::AddLinks`).
    pub new_links: crate::lifecycle::notification::LinkIndex,
    /// How many rows are in each [`super::rows::Triage`] group, kept as rows
    /// change (the header's counts).
    pub triage_counts: [usize; 6],
    /// Filtered and sorted indices into `rows`.
    pub view: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    pub list_height: usize,
    /// The largest scroll offset the screen on top can show, as the view
    /// measured it before this key (see `event_loop::View`).
    pub scroll_limit: u16,
    pub sort: Sort,
    pub filter: Filter,
    /// The text being typed after `/`, while the filter bar is open.
    pub filter_input: Option<String>,
    pub filter_error: Option<String>,

    pub load: Load,
    /// The generation of the load in flight; older results are dropped.
    pub request: u64,
    /// Which lifecycles (by index) the load in flight has seen: its pages
    /// apply in place, and what it did not see is dropped when it completes
    /// (`list_view`), so a refresh never holds the table twice.
    pub seen: Option<Vec<bool>>,
    pub next_cursor: Option<CursorKey>,
    pub next_refresh: Option<DateTime<Utc>>,
    /// Which state machine definitions are deployed (`v2`), once read.
    pub workflows_version: Option<String>,
    /// What is wrong with them (outdated, missing) and the fix.
    pub workflows_problem: Option<String>,
    /// Why the last load failed, until a load completes again: the data on
    /// screen stays marked STALE while the retries run.
    pub stale_error: Option<String>,

    pub screens: Vec<Screen>,
    pub dialog: Option<Dialog>,
    pub notices: Vec<Notice>,
    pub in_flight: u32,
    pub width: u16,
    pub height: u16,
    pub should_quit: bool,
    /// Whether the last update changed anything on screen.
    pub dirty: bool,
    /// The "updated N s ago" text last drawn, so ticks redraw only when it changes.
    pub age_label: String,
    /// Live notifications: stream state and the pane.
    pub feed: Feed,
    /// Progress of the open timeline's running execution.
    pub watch: Option<Watch>,
    /// The execution watcher over every running event of the list.
    pub executions: ExecutionWatch,
    /// The periodic changed-since read (`app::changes`).
    pub changes: super::changes::ChangeRead,
    /// Image Builder answered that it is not at this endpoint: said once, and
    /// build images are not asked for again.
    pub imagebuilder_missing: bool,
    /// The open timeline's build images, by image ARN.
    pub images: Images,
    /// Why a lifecycle opened by id could not be read, by lifecycle id.
    pub lifecycle_errors: HashMap<String, String>,
    /// Whether the timeline lists every earlier attempt of an event (`h`),
    /// or folds them into one line.
    pub show_attempts: bool,
    /// When the data on screen was last read in full (kept while a later
    /// load fails, so STALE can say how old it is).
    pub loaded_at: Option<DateTime<Utc>>,
    /// The text typed after `:`, while the command palette is open.
    pub palette_input: Option<String>,
    /// Why the last palette line was not run, while the bar stays open.
    pub palette_error: Option<String>,
    /// What Tab found when more than one candidate fits the palette line.
    pub palette_choices: Vec<String>,
    /// The configured Image Builder pipeline a lifecycle created without a
    /// choice builds with (`workflows.pipeline_arn`), shown in the `+` form.
    pub default_pipeline: Option<String>,
    /// The profiles the AWS config and credentials files define, read once
    /// at start-up (the palette completes `:profile` with them).
    pub profiles: Vec<String>,
    /// A profile/region the user switched to and whose credentials answered:
    /// the loop ends and the dashboard re-opens on it.
    pub switch_to: Option<Switch>,
    /// The execution log `l` opened, while its screen is up.
    pub logs: Option<super::logs::LogView>,
    /// The last failure `amiboard doctor` would explain (a denied call, a
    /// missing resource): the header names the command (`app::doctor_badge`).
    pub doctor_hint: Option<String>,
    /// Superseded, retired, EC2's state; the production view's selection;
    /// where-used refreshes (`app::end_of_life`).
    pub end_of_life: super::end_of_life::EndOfLife,
}

/// How long a toast stays up.
pub const TOAST_SECONDS: i64 = 6;
/// Wait before retrying a failed load.
pub const RETRY_SECONDS: i64 = 5;

impl State {
    pub fn new(
        keymap: Keymap,
        read_only: bool,
        connection: Connection,
        now: DateTime<Utc>,
    ) -> State {
        State {
            keymap,
            read_only,
            connection,
            production_stack_tags: vec!["prod".into(), "production".into()],
            approval_rules: crate::ops::ApprovalRules::default(),
            refresh_every: Duration::from_secs(30),
            full_reload: Duration::from_hours(6),
            workflow_poll: Duration::from_secs(2),
            now,
            rows: Vec::new(),
            names: Names::default(),
            records: Records::default(),
            facts: Facts::default(),
            awaiting: None,
            fetching: None,
            new_links: crate::lifecycle::notification::LinkIndex::default(),
            by_id: HashMap::default(),
            triage_counts: [0; 6],
            view: Vec::new(),
            selected: 0,
            offset: 0,
            list_height: 20,
            scroll_limit: u16::MAX,
            sort: Sort::default(),
            filter: Filter::default(),
            filter_input: None,
            filter_error: None,
            load: Load::Idle,
            request: 0,
            seen: None,
            next_cursor: None,
            next_refresh: None,
            stale_error: None,
            workflows_version: None,
            workflows_problem: None,
            screens: vec![Screen::List],
            dialog: None,
            notices: Vec::new(),
            in_flight: 0,
            width: 120,
            height: 40,
            should_quit: false,
            dirty: true,
            age_label: String::new(),
            feed: Feed::default(),
            watch: None,
            executions: ExecutionWatch::default(),
            changes: super::changes::ChangeRead::default(),
            imagebuilder_missing: false,
            show_attempts: false,
            logs: None,
            loaded_at: None,
            palette_input: None,
            palette_error: None,
            palette_choices: Vec::new(),
            profiles: Vec::new(),
            default_pipeline: None,
            switch_to: None,
            images: Images::new(),
            lifecycle_errors: HashMap::new(),
            doctor_hint: None,
            end_of_life: super::end_of_life::EndOfLife::default(),
        }
    }

    pub fn screen(&self) -> &Screen {
        self.screens.last().unwrap_or(&Screen::List)
    }

    /// The full record of a lifecycle, when it is held (`app::records`).
    pub fn lifecycle(&self, id: &str) -> Option<&Lifecycle> {
        self.records.get(id)
    }

    /// The id of the lifecycle the user is looking at: the open
    /// timeline/detail, the inbox's selected row, else the list's.
    pub fn focused_id(&self) -> Option<String> {
        match self.screen() {
            Screen::Timeline { id, .. }
            | Screen::Detail { id, .. }
            | Screen::WhereUsed { id, .. } => Some(id.clone()),
            Screen::Inbox { selected } => super::inbox::selected_id(self, *selected),
            Screen::Production { .. } => {
                super::end_of_life::production_selected(self).map(|(id, _, _)| id)
            }
            _ => self.selected_id().map(ToString::to_string),
        }
    }

    /// The record of the lifecycle the user is looking at, when it is held.
    pub fn focused(&self) -> Option<&Lifecycle> {
        self.focused_id().and_then(|id| self.lifecycle(&id))
    }

    /// The id of the list's selected row.
    pub fn selected_id(&self) -> Option<&str> {
        let row = self.view.get(self.selected)?;
        self.rows.get(*row).map(|r| &*r.id)
    }

    pub fn selected_lifecycle(&self) -> Option<&Lifecycle> {
        self.selected_id().and_then(|id| self.lifecycle(id))
    }

    /// The lifecycles whose records must stay held: those on a screen, the
    /// selected one (of the list and of the inbox), the one a command waits
    /// for, the watched execution's.
    pub fn pinned(&self) -> Vec<Arc<str>> {
        let mut ids: Vec<&str> = self
            .screens
            .iter()
            .filter_map(|s| match s {
                Screen::Timeline { id, .. }
                | Screen::Detail { id, .. }
                | Screen::WhereUsed { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        ids.extend(self.selected_id());
        ids.extend(self.awaiting.as_ref().map(|(id, _)| id.as_str()));
        ids.extend(self.watch.as_ref().map(|w| w.lifecycle_id.as_str()));
        let mut pinned: Vec<Arc<str>> = ids.into_iter().map(Arc::from).collect();
        // The lifecycle a dialog acts on (the inbox's row, say).
        if self.dialog.is_some() {
            pinned.extend(self.focused_id().map(Arc::from));
        }
        pinned
    }

    /// Whether the data on screen may be out of date (the last load failed).
    pub fn is_stale(&self) -> bool {
        self.stale_error.is_some() && !self.rows.is_empty()
    }

    /// The newest toast still showing.
    pub fn toast(&self) -> Option<&Notice> {
        self.notices
            .last()
            .filter(|n| !n.quiet && (self.now - n.at).num_seconds() < TOAST_SECONDS)
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.push_notice(level, text.into(), false);
    }

    /// Records a notice in the history (`N`) without a toast.
    pub fn remember(&mut self, level: Level, text: impl Into<String>) {
        self.push_notice(level, text.into(), true);
    }

    fn push_notice(&mut self, level: Level, text: String, quiet: bool) {
        if level == Level::Error {
            tracing::warn!(%text, "notice");
        } else {
            tracing::info!(%text, "notice");
        }
        self.notices.push(Notice {
            level,
            text,
            at: self.now,
            quiet,
        });
        if self.notices.len() > 500 {
            self.notices.remove(0);
        }
    }

    /// Keeps the selection inside the view and the window around it.
    pub fn clamp_selection(&mut self) {
        if self.view.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(self.view.len() - 1);
        let height = self.list_height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(height));
    }

    /// "updated 20 s ago" in steps that change rarely, so idle ticks rarely redraw.
    pub fn age_text(&self) -> String {
        let at = match &self.load {
            Load::Loaded { at } => Some(*at),
            _ => None,
        };
        match at {
            None => String::new(),
            Some(at) => {
                let secs = (self.now - at).num_seconds().max(0);
                if secs < 10 {
                    "updated just now".to_string()
                } else if secs < 60 {
                    format!("updated {} s ago", secs / 10 * 10)
                } else {
                    format!("updated {} min ago", secs / 60)
                }
            }
        }
    }
}
