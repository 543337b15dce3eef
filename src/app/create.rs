//! The new-lifecycle form: stack tag, product name, version, an optional
//! commit ref and, when Image Builder lists pipelines, a pipeline choice.
//! Enter sends `Op::Create` through the effect runner's choke point.

use crossterm::event::{KeyCode, KeyEvent};

use super::action::{Effect, NewLifecycleForm, Op};
use super::state::{Dialog, State};
use crate::lifecycle::image::{Pipeline, ServiceAnswer};
use crate::ops::OpError;

/// The text fields, in order.
pub const FIELDS: [&str; 4] = [
    "Stack tag",
    "Product name",
    "Version",
    "Commit ref (optional)",
];

/// What the pipeline choice can offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pipelines {
    Loading,
    /// Image Builder is missing here, or the call failed: no choice.
    None {
        why: String,
    },
    Found(Vec<Pipeline>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateForm {
    pub values: [String; 4],
    /// The focused field; `FIELDS.len()` is the pipeline choice.
    pub focus: usize,
    pub pipelines: Pipelines,
    /// 0 = no pipeline, else the 1-based pipeline index.
    pub pipeline: usize,
    pub error: Option<String>,
}

impl CreateForm {
    pub fn new(stack_tag: Option<&str>) -> Self {
        CreateForm {
            values: [
                stack_tag.unwrap_or_default().to_string(),
                String::new(),
                String::new(),
                String::new(),
            ],
            focus: usize::from(stack_tag.is_some()),
            pipelines: Pipelines::Loading,
            pipeline: 0,
            error: None,
        }
    }

    fn choices(&self) -> usize {
        match &self.pipelines {
            Pipelines::Found(list) => list.len(),
            _ => 0,
        }
    }

    /// Focusable slots: the text fields, plus the choice when there is one.
    fn slots(&self) -> usize {
        FIELDS.len() + usize::from(self.choices() > 0)
    }

    /// The chosen pipeline's name, or "none".
    pub fn pipeline_label(&self) -> String {
        match &self.pipelines {
            Pipelines::Found(list) if self.pipeline > 0 => list
                .get(self.pipeline - 1)
                .map_or_else(|| "none".into(), |p| p.name.clone()),
            _ => "none".into(),
        }
    }

    /// The form's values, or the one line that says what is missing.
    pub fn to_new(&self) -> Result<NewLifecycleForm, String> {
        let [stack_tag, name, version, commit] = self.values.clone().map(|v| v.trim().to_string());
        for (value, label) in [
            (&stack_tag, FIELDS[0]),
            (&name, FIELDS[1]),
            (&version, FIELDS[2]),
        ] {
            if value.is_empty() {
                return Err(format!("{label} is required."));
            }
        }
        let pipeline_arn = match &self.pipelines {
            Pipelines::Found(list) if self.pipeline > 0 => {
                list.get(self.pipeline - 1).map(|p| p.arn.clone())
            }
            _ => None,
        };
        Ok(NewLifecycleForm {
            stack_tag,
            product_name: name,
            product_version: version,
            commit_ref: (!commit.is_empty()).then_some(commit),
            pipeline_arn,
        })
    }
}

/// Opens the form and asks for the pipelines.
pub fn open(state: &mut State) -> Vec<Effect> {
    let form = CreateForm::new(state.connection.stack_tag.as_deref());
    state.dialog = Some(Dialog::Create(form));
    vec![Effect::ListPipelines]
}

/// Keys inside the form.
pub fn key(state: &mut State, mut form: CreateForm, key: KeyEvent) -> Vec<Effect> {
    let slots = form.slots();
    match key.code {
        KeyCode::Esc => return Vec::new(),
        KeyCode::Enter => match form.to_new() {
            Ok(new) => return super::flow::submit(state, Op::Create(new)),
            Err(message) => form.error = Some(message),
        },
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % slots,
        KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + slots - 1) % slots,
        KeyCode::Left | KeyCode::Right if form.focus == FIELDS.len() => {
            let n = form.choices() + 1;
            form.pipeline = if key.code == KeyCode::Right {
                (form.pipeline + 1) % n
            } else {
                (form.pipeline + n - 1) % n
            };
        }
        _ => {
            if let Some(value) = form.values.get_mut(form.focus)
                && super::input::edit_text(value, &key)
            {
                form.error = None;
            }
        }
    }
    state.dialog = Some(Dialog::Create(form));
    Vec::new()
}

/// Image Builder answered: offer its pipelines, or say once that it is missing.
pub fn pipelines_listed(state: &mut State, result: Result<ServiceAnswer<Vec<Pipeline>>, OpError>) {
    let pipelines = match result {
        Ok(ServiceAnswer::Found(list)) if !list.is_empty() => Pipelines::Found(list),
        Ok(ServiceAnswer::Found(_)) => Pipelines::None {
            why: "no pipelines in this account".into(),
        },
        Ok(ServiceAnswer::Unavailable { notice }) => {
            super::images::mark_missing(state, notice.clone());
            Pipelines::None { why: notice }
        }
        Err(message) => Pipelines::None {
            why: format!("pipelines not listed: {message}"),
        },
    };
    if let Some(Dialog::Create(form)) = state.dialog.as_mut() {
        form.pipelines = pipelines;
    }
}
