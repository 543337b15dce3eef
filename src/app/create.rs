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
    /// 0 = no choice (the configured default, if any), else the 1-based
    /// pipeline index.
    pub pipeline: usize,
    /// The configured default pipeline (`workflows.pipeline_arn`), which a
    /// lifecycle created without a choice builds with.
    pub default_pipeline: Option<String>,
    pub error: Option<String>,
}

impl CreateForm {
    pub fn new(stack_tag: Option<&str>, default_pipeline: Option<&str>) -> Self {
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
            default_pipeline: default_pipeline.map(str::to_string),
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

    /// The chosen pipeline's name, else the configured default's
    /// (`default <name>`), else "none".
    pub fn pipeline_label(&self) -> String {
        let chosen = match &self.pipelines {
            Pipelines::Found(list) if self.pipeline > 0 => list.get(self.pipeline - 1),
            _ => None,
        };
        match (chosen, &self.default_pipeline) {
            (Some(p), Some(default)) if p.arn == *default => format!("{} (default)", p.name),
            (Some(p), _) => p.name.clone(),
            (None, Some(default)) => format!("{} (default)", pipeline_name(default)),
            (None, None) => "none".into(),
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

/// A pipeline ARN's name (`…:image-pipeline/web` is `web`).
pub fn pipeline_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Opens the form and asks for the pipelines.
pub fn open(state: &mut State) -> Vec<Effect> {
    let form = CreateForm::new(
        state.connection.stack_tag.as_deref(),
        state.default_pipeline.as_deref(),
    );
    state.dialog = Some(Dialog::Create(form));
    vec![Effect::ListPipelines]
}

/// Keys inside the form.
pub fn key(state: &mut State, mut form: CreateForm, key: KeyEvent) -> Vec<Effect> {
    let slots = form.slots();
    match key.code {
        KeyCode::Esc => return Vec::new(),
        KeyCode::Enter => match form.to_new() {
            Ok(new) => {
                confirm(state, &form, new);
                return Vec::new();
            }
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

/// The form is complete: a confirmation names what will be created, where,
/// and with which pipeline, before anything is written.
fn confirm(state: &mut State, form: &CreateForm, new: NewLifecycleForm) {
    let line = |k: &str, v: String| (k.to_string(), v);
    let lines = vec![
        line(
            "Action",
            "create a lifecycle and start AMI_BUILD".to_string(),
        ),
        line("Stack tag", new.stack_tag.clone()),
        line(
            "Product",
            format!("{} {}", new.product_name, new.product_version),
        ),
        line(
            "Commit ref",
            new.commit_ref.clone().unwrap_or_else(|| "-".into()),
        ),
        line("Pipeline", form.pipeline_label()),
        line(
            "Account",
            state
                .connection
                .account
                .clone()
                .unwrap_or_else(|| "unknown".into()),
        ),
        line("Region", state.connection.region.clone()),
    ];
    state.dialog = Some(Dialog::Confirm {
        op: Op::Create(new),
        lines,
        confirm_focused: false,
        typed_ami: None,
    });
}

/// A created lifecycle is selected and its timeline opened, to follow its build.
pub fn created(state: &mut State, id: &str) {
    state.screens.truncate(1);
    if let Some(pos) = state
        .by_id
        .get(id)
        .and_then(|row| state.view.iter().position(|r| r == row))
    {
        state.selected = pos;
        state.clamp_selection();
    }
    state.screens.push(super::state::Screen::Timeline {
        id: id.to_string(),
        scroll: 0,
    });
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
        // The configured default starts chosen when Image Builder lists it.
        if let (Pipelines::Found(list), Some(default)) = (&pipelines, &form.default_pipeline)
            && let Some(i) = list.iter().position(|p| p.arn == *default)
        {
            form.pipeline = i + 1;
        }
        form.pipelines = pipelines;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/web";

    fn pipeline(name: &str) -> Pipeline {
        Pipeline {
            arn: format!("arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/{name}"),
            name: name.into(),
            enabled: true,
        }
    }

    #[test]
    fn the_form_shows_the_configured_default_pipeline() {
        let mut state = State::new(
            super::super::keymap::Keymap::default(),
            false,
            super::super::state::Connection::default(),
            chrono::Utc::now(),
        );
        // No default configured: none.
        assert_eq!(CreateForm::new(None, None).pipeline_label(), "none");
        // A default, Image Builder not listing (moto): the default by name.
        state.default_pipeline = Some(DEFAULT.into());
        open(&mut state);
        let label = |s: &State| match &s.dialog {
            Some(Dialog::Create(form)) => form.pipeline_label(),
            other => panic!("{other:?}"),
        };
        assert_eq!(label(&state), "web (default)");
        // Listed: the default starts chosen; another can be picked.
        pipelines_listed(
            &mut state,
            Ok(ServiceAnswer::Found(vec![pipeline("api"), pipeline("web")])),
        );
        assert_eq!(label(&state), "web (default)");
        if let Some(Dialog::Create(form)) = state.dialog.as_mut() {
            form.pipeline = 1;
        }
        assert_eq!(label(&state), "api");
    }
}
