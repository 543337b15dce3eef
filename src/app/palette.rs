//! The `:` command palette, as k9s has it: jump to a lifecycle by id
//! prefix, AMI id, image ARN or execution ARN; open a screen (`:inbox`,
//! `:production`, `:notifications`, `:list`); switch `:profile NAME` or
//! `:region NAME` (checked first: the dashboard re-opens on the new target
//! only once its credentials answer); `:error`, `:failed`, `:running`
//! filter the list to what the header counts (`:waiting` is the inbox).

use super::action::Effect;
use super::state::{Level, Screen, State};

/// What a palette line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteCommand {
    /// An id prefix, AMI id, image ARN or execution ARN.
    Jump(String),
    Screen(Screen),
    Profile(String),
    Region(String),
    /// A filter for the list (`:error` is `status:error`).
    Filter(String),
}

/// The words the palette knows, for its hint line and errors.
pub const WORDS: &str = "inbox, production, notifications, list, error, failed, running, waiting, profile NAME, region NAME, stack TAG, status S, or an id, AMI id or ARN (Tab completes)";

/// Parses a palette line; an error is one sentence for the bar.
pub fn parse(line: &str) -> Result<PaletteCommand, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Err(format!("type {WORDS}"));
    };
    let rest: Vec<&str> = words.collect();
    let one_argument = |what: &str| match rest.as_slice() {
        [name] => Ok((*name).to_string()),
        [] => Err(format!(
            "`:{what}` needs a name, e.g. `:{what} {}`",
            example(what)
        )),
        _ => Err(format!("`:{what}` takes one name")),
    };
    let screen = |s: Screen| {
        if rest.is_empty() {
            Ok(PaletteCommand::Screen(s))
        } else {
            Err(format!("`:{first}` takes no argument"))
        }
    };
    match first.to_ascii_lowercase().as_str() {
        // `:waiting` is the header's count of what waits for a person.
        "inbox" | "waiting" => screen(Screen::Inbox { selected: 0 }),
        "production" | "prod" => screen(Screen::Production { scroll: 0 }),
        "notifications" | "feed" => screen(Screen::Feed),
        "list" | "lifecycles" => screen(Screen::List),
        word @ ("error" | "errors" | "failed" | "running" | "lost") if rest.is_empty() => {
            // A lost execution shows ERROR (read from the execution).
            let status = match word {
                "failed" => "failed",
                "running" => "running",
                _ => "error",
            };
            Ok(PaletteCommand::Filter(format!("status:{status}")))
        }
        "profile" => one_argument("profile").map(PaletteCommand::Profile),
        // The list filter's terms, one palette word away (Tab completes them).
        "stack" => one_argument("stack").map(|tag| PaletteCommand::Filter(format!("stack:{tag}"))),
        "status" => one_argument("status").and_then(|status| {
            let term = format!("status:{status}");
            super::filter::Filter::parse(&term).map(|_| PaletteCommand::Filter(term))
        }),
        "region" => {
            let region = one_argument("region")?;
            if region_shaped(&region) {
                Ok(PaletteCommand::Region(region))
            } else {
                Err(format!("`{region}` is not a region name, e.g. eu-west-1"))
            }
        }
        _ if rest.is_empty() => Ok(PaletteCommand::Jump(first.to_string())),
        _ => Err(format!("unknown command `{first}`: type {WORDS}")),
    }
}

/// Whether a name has the shape of an AWS region in one of its partitions:
/// an area code (with its partition's prefix: `us-gov-`, `us-iso-`,
/// `us-isob-`, `eusc-`, `cn-`), a direction and a number, e.g. `eu-west-1`,
/// `ap-southeast-5`, `us-gov-west-1`, `cn-northwest-1`. A typo such as
/// `zz-fake-9` is refused before any call.
fn region_shaped(name: &str) -> bool {
    const AREAS: [&str; 16] = [
        "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn", "us-gov", "us-iso", "us-isob",
        "us-isof", "eu-isoe", "eusc",
    ];
    const DIRECTIONS: [&str; 9] = [
        "east",
        "west",
        "north",
        "south",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
    ];
    let Some((rest, number)) = name.rsplit_once('-') else {
        return false;
    };
    let Some((area, direction)) = rest.rsplit_once('-') else {
        return false;
    };
    !number.is_empty()
        && number.len() <= 2
        && number.chars().all(|c| c.is_ascii_digit())
        && AREAS.contains(&area)
        && DIRECTIONS.contains(&direction)
}

fn example(what: &str) -> &'static str {
    match what {
        "region" => "eu-west-1",
        "stack" => "prod",
        "status" => "failed",
        _ => "prod-admin",
    }
}

/// The ids of the lifecycles a jump target names: by the lifecycle id in an
/// execution ARN (its name starts with the id), an image ARN or AMI id an
/// event recorded (the newest AMI of every row; every output of the records
/// held and of the production AMIs), else an id prefix.
pub fn matches(state: &State, target: &str) -> Vec<String> {
    let needle = target.trim();
    let ids = |keep: &dyn Fn(&super::rows::Row) -> bool| -> Vec<String> {
        state
            .rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.id.to_string())
            .collect()
    };
    if needle.starts_with("arn:aws:states:") {
        let name = needle.rsplit(':').next().unwrap_or_default();
        return ids(&|r| name.starts_with(&*r.id));
    }
    if needle.starts_with("arn:aws:imagebuilder:") || needle.starts_with("ami-") {
        let mut found = ids(&|r| r.ami.as_deref() == Some(needle));
        found.extend(
            state
                .records
                .iter()
                .filter(|lc| {
                    lc.all_records().any(|(_, r)| {
                        r.outputs.image_arn.as_deref() == Some(needle)
                            || r.outputs.amis.iter().any(|a| a.ami_id == needle)
                    })
                })
                .map(|lc| lc.lifecycle_id.clone()),
        );
        found.extend(
            state
                .facts
                .promotions
                .iter()
                .filter(|(_, list)| list.iter().any(|p| p.is(needle)))
                .map(|(id, _)| id.to_string()),
        );
        found.sort();
        found.dedup();
        return found;
    }
    let lower = needle.to_ascii_lowercase();
    ids(&|r| r.id.to_ascii_lowercase().starts_with(&lower))
}

/// Runs a parsed palette line.
pub fn run(state: &mut State, command: PaletteCommand) -> Vec<Effect> {
    match command {
        PaletteCommand::Screen(Screen::List) => {
            state.screens.truncate(1);
            Vec::new()
        }
        PaletteCommand::Filter(text) => {
            state.screens.truncate(1);
            super::input::apply_filter(state, &text);
            state.notify(Level::Info, format!("Filter: {text} (Esc clears it)."));
            Vec::new()
        }
        PaletteCommand::Screen(Screen::Feed) => {
            state.screens.push(Screen::Feed);
            Vec::new()
        }
        PaletteCommand::Screen(screen) => {
            if std::mem::discriminant(state.screen()) != std::mem::discriminant(&screen) {
                state.screens.push(screen);
            }
            Vec::new()
        }
        PaletteCommand::Jump(target) => {
            let found = matches(state, &target);
            match found.as_slice() {
                [id] => {
                    let id = id.clone();
                    state.screens.truncate(1);
                    // Esc comes back to the list with its row selected.
                    if let Some(pos) = state
                        .by_id
                        .get(id.as_str())
                        .and_then(|row| state.view.iter().position(|r| r == row))
                    {
                        state.selected = pos;
                        state.clamp_selection();
                    }
                    state.screens.push(Screen::Timeline { id, scroll: 0 });
                    super::images::fetch_wanted(state, false)
                }
                [] => {
                    state.notify(
                        Level::Warn,
                        format!("No loaded lifecycle matches `{target}`."),
                    );
                    Vec::new()
                }
                many => {
                    let shown: Vec<String> = many
                        .iter()
                        .take(4)
                        .map(|id| id.chars().take(8).collect())
                        .collect();
                    state.notify(
                        Level::Warn,
                        format!(
                            "`{target}` matches {} lifecycles ({}…): type more of it.",
                            many.len(),
                            shown.join(", ")
                        ),
                    );
                    Vec::new()
                }
            }
        }
        PaletteCommand::Profile(name) => {
            state.notify(Level::Info, format!("Checking profile {name}…"));
            vec![Effect::CheckTarget {
                profile: Some(name),
                region: None,
            }]
        }
        PaletteCommand::Region(name) => {
            state.notify(Level::Info, format!("Checking region {name}…"));
            vec![Effect::CheckTarget {
                profile: None,
                region: Some(name),
            }]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::AmiOutput;
    use crate::lifecycle::Lifecycle;
    use chrono::Utc;

    #[test]
    fn palette_lines_parse_into_commands_or_one_sentence() {
        assert_eq!(
            parse("inbox"),
            Ok(PaletteCommand::Screen(Screen::Inbox { selected: 0 }))
        );
        assert_eq!(
            parse(" region  eu-west-1 "),
            Ok(PaletteCommand::Region("eu-west-1".into()))
        );
        assert_eq!(
            parse("profile prod-admin"),
            Ok(PaletteCommand::Profile("prod-admin".into()))
        );
        assert_eq!(
            parse("ami-0abc"),
            Ok(PaletteCommand::Jump("ami-0abc".into()))
        );
        assert_eq!(
            parse("error"),
            Ok(PaletteCommand::Filter("status:error".into()))
        );
        assert_eq!(
            parse("failed"),
            Ok(PaletteCommand::Filter("status:failed".into()))
        );
        assert!(parse("region").is_err_and(|e| e.contains("needs a name")));
        assert_eq!(
            parse("stack prod"),
            Ok(PaletteCommand::Filter("stack:prod".into()))
        );
        assert_eq!(
            parse("status error,failed"),
            Ok(PaletteCommand::Filter("status:error,failed".into()))
        );
        assert!(parse("status bogus").is_err_and(|e| e.contains("unknown status")));
        assert!(parse("region Mars").is_err_and(|e| e.contains("not a region")));
    }

    #[test]
    fn trust_06_an_unknown_region_is_refused_before_any_call() {
        for bad in [
            "zz-fake-9",
            "eu-west-",
            "eu-up-1",
            "us-east-123",
            "EU-WEST-1",
        ] {
            assert!(
                parse(&format!("region {bad}")).is_err_and(|e| e.contains("not a region")),
                "{bad}"
            );
        }
        for good in [
            "eu-west-1",
            "ap-southeast-5",
            "us-gov-west-1",
            "cn-northwest-1",
            "il-central-1",
            "mx-central-1",
        ] {
            assert_eq!(
                parse(&format!("region {good}")),
                Ok(PaletteCommand::Region(good.to_string())),
                "{good}"
            );
        }
        assert!(parse("inbox now").is_err_and(|e| e.contains("takes no argument")));
        assert!(parse("frobnicate the list").is_err_and(|e| e.contains("unknown command")));
        assert!(parse("").is_err());
    }

    #[test]
    fn a_jump_finds_the_lifecycle_by_prefix_ami_image_or_execution() {
        let now = Utc::now();
        let mut a = Lifecycle::new("2b4c443f-aaaa", "main", "web", "1", "x", now);
        a.creation[0].outputs.amis.push(AmiOutput {
            account: None,
            region: "us-east-1".into(),
            ami_id: "ami-0123".into(),
            name: None,
        });
        a.creation[0].outputs.image_arn =
            Some("arn:aws:imagebuilder:us-east-1:1:image/web/1.0.0/1".into());
        let b = Lifecycle::new("2b4c9999-bbbb", "main", "web", "1", "x", now);
        let mut state = State::new(
            crate::app::keymap::Keymap::default(),
            false,
            crate::app::state::Connection::default(),
            now,
        );
        state.upsert(vec![a, b]);
        let ids = |t: &str| -> Vec<String> { matches(&state, t) };
        assert_eq!(ids("2b4c443"), vec!["2b4c443f-aaaa"]);
        assert_eq!(ids("2b4c").len(), 2);
        assert_eq!(ids("ami-0123"), vec!["2b4c443f-aaaa"]);
        assert_eq!(
            ids("arn:aws:imagebuilder:us-east-1:1:image/web/1.0.0/1"),
            vec!["2b4c443f-aaaa"]
        );
        assert_eq!(
            ids("arn:aws:states:us-east-1:1:execution:p-build:2b4c9999-bbbb-c-build-1"),
            vec!["2b4c9999-bbbb"]
        );
        assert!(ids("ami-9999").is_empty());
    }
}
