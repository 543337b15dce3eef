//! Everything the dashboard knows, in one struct that update() changes and
//! render() reads: the data, its load state, the screen stack, dialogs and notices.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::action::{CursorKey, Op};
use super::create::CreateForm;
use super::feed::Feed;
use super::filter::Filter;
use super::images::Images;
use super::keymap::Keymap;
use super::progress::Watch;
use super::rows::{Row, Sort, build_view};
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedAmi {
    pub expected: String,
    pub input: String,
    /// Why the last Enter did not confirm (a different AMI id).
    pub error: Option<String>,
}

/// Where the dashboard points (account, profile, region, endpoint, table,
/// stack tag), for the header and dialogs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub account: Option<String>,
    pub actor: Option<String>,
    pub profile: Option<String>,
    pub region: String,
    pub endpoint: Option<String>,
    pub table: String,
    pub stack_tag: Option<String>,
}

/// The whole app state.
// Independent switches, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct State {
    pub keymap: Keymap,
    pub read_only: bool,
    pub connection: Connection,
    pub production_stack_tags: Vec<String>,
    pub refresh_every: Duration,
    /// How often the open timeline's running execution is polled.
    pub workflow_poll: Duration,
    pub now: DateTime<Utc>,

    pub lifecycles: Vec<Lifecycle>,
    pub rows: Vec<Row>,
    pub by_id: HashMap<String, usize>,
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
    /// Pages of a refresh collect here and replace the data when complete.
    pub incoming: Option<Vec<Lifecycle>>,
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
    /// Image Builder answered that it is not at this endpoint: said once, and
    /// build images are not asked for again.
    pub imagebuilder_missing: bool,
    /// The open timeline's build images, by image ARN.
    pub images: Images,
    /// Why a lifecycle opened by id could not be read, by lifecycle id.
    pub lifecycle_errors: HashMap<String, String>,
}

/// How long a toast stays up.
pub const TOAST_SECONDS: i64 = 6;
/// How many rows on each side of the selection it may move to when the
/// selected lifecycle disappears.
const SELECTION_NEIGHBOURS: usize = 3;
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
            refresh_every: Duration::from_secs(30),
            workflow_poll: Duration::from_secs(2),
            now,
            lifecycles: Vec::new(),
            rows: Vec::new(),
            by_id: HashMap::new(),
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
            incoming: None,
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
            imagebuilder_missing: false,
            images: Images::new(),
            lifecycle_errors: HashMap::new(),
        }
    }

    pub fn screen(&self) -> &Screen {
        self.screens.last().unwrap_or(&Screen::List)
    }

    pub fn lifecycle(&self, id: &str) -> Option<&Lifecycle> {
        self.by_id.get(id).map(|i| &self.lifecycles[*i])
    }

    /// The lifecycle the user is looking at: the open timeline/detail, else the selected row.
    pub fn focused(&self) -> Option<&Lifecycle> {
        match self.screen() {
            Screen::Timeline { id, .. } | Screen::Detail { id, .. } => self.lifecycle(id),
            _ => self.selected_lifecycle(),
        }
    }

    pub fn selected_lifecycle(&self) -> Option<&Lifecycle> {
        let row = self.view.get(self.selected)?;
        self.lifecycles.get(*row)
    }

    /// Whether the data on screen may be out of date (the last load failed).
    pub fn is_stale(&self) -> bool {
        self.stale_error.is_some() && !self.lifecycles.is_empty()
    }

    /// The newest toast still showing.
    pub fn toast(&self) -> Option<&Notice> {
        self.notices
            .last()
            .filter(|n| (self.now - n.at).num_seconds() < TOAST_SECONDS)
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if level == Level::Error {
            tracing::warn!(%text, "notice");
        } else {
            tracing::info!(%text, "notice");
        }
        self.notices.push(Notice {
            level,
            text,
            at: self.now,
        });
        if self.notices.len() > 500 {
            self.notices.remove(0);
        }
    }

    /// Replaces all data (a completed load). A lifecycle this state holds
    /// in a newer `item_version` (written after the load began) is kept.
    pub fn replace_all(&mut self, mut lifecycles: Vec<Lifecycle>) {
        let anchor = self.selection_anchor();
        for lc in &mut lifecycles {
            if let Some(current) = self
                .lifecycle(&lc.lifecycle_id)
                .filter(|current| current.item_version > lc.item_version)
            {
                lc.clone_from(current);
            }
        }
        self.rows = lifecycles.iter().map(Row::of).collect();
        self.by_id = lifecycles
            .iter()
            .enumerate()
            .map(|(i, l)| (l.lifecycle_id.clone(), i))
            .collect();
        self.lifecycles = lifecycles;
        self.rebuild_view_keeping(&anchor);
    }

    /// Adds or replaces lifecycles by id; never replaces one with an older
    /// `item_version` (a read that started before a write and ended after it).
    pub fn upsert(&mut self, lifecycles: Vec<Lifecycle>) {
        let anchor = self.selection_anchor();
        for lc in lifecycles {
            if let Some(i) = self.by_id.get(&lc.lifecycle_id) {
                if self.lifecycles[*i].item_version > lc.item_version {
                    continue;
                }
                self.rows[*i] = Row::of(&lc);
                self.lifecycles[*i] = lc;
            } else {
                self.by_id
                    .insert(lc.lifecycle_id.clone(), self.lifecycles.len());
                self.rows.push(Row::of(&lc));
                self.lifecycles.push(lc);
            }
        }
        self.rebuild_view_keeping(&anchor);
    }

    /// Refilters and resorts, keeping the same lifecycle selected.
    pub fn rebuild_view(&mut self) {
        let anchor = self.selection_anchor();
        self.rebuild_view_keeping(&anchor);
    }

    /// The selected lifecycle's id, then its neighbours' nearest first
    /// (below, above, ...), read from the view as it is now.
    fn selection_anchor(&self) -> Vec<String> {
        let id = |at: usize| {
            self.view
                .get(at)
                .and_then(|i| self.rows.get(*i))
                .map(|r| r.id.clone())
        };
        let mut anchor: Vec<String> = id(self.selected).into_iter().collect();
        for step in 1..=SELECTION_NEIGHBOURS {
            anchor.extend(id(self.selected.saturating_add(step)));
            if let Some(above) = self.selected.checked_sub(step) {
                anchor.extend(id(above));
            }
        }
        anchor
    }

    /// Rebuilds the view and selects the first anchor still shown. When the
    /// selected lifecycle itself is gone from the data, says so.
    fn rebuild_view_keeping(&mut self, anchor: &[String]) {
        self.view = build_view(&self.rows, &self.filter, self.sort);
        let found = anchor.iter().enumerate().find_map(|(n, id)| {
            self.view
                .iter()
                .position(|i| self.rows[*i].id == *id)
                .map(|at| (n, at))
        });
        match found {
            Some((_, at)) => self.selected = at,
            None => self.selected = self.selected.min(self.view.len().saturating_sub(1)),
        }
        if let Some(gone) = anchor.first().filter(|id| !self.by_id.contains_key(*id)) {
            let now_on = self
                .view
                .get(self.selected)
                .map_or_else(|| "nothing".to_string(), |i| self.rows[*i].id.clone());
            let text = format!("Lifecycle {gone} is gone; the selection moved to {now_on}.");
            self.notify(Level::Warn, text);
        }
        self.clamp_selection();
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
