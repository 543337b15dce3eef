//! Narrow layouts with long names: the list, the timeline, the inbox and the
//! header at 80x24 and 120x40, with long product names and stack tags. Every
//! id, version, name and age of the model shows whole or not at all.

use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::state::{Screen, State};
use crate::app::tests::now;
use crate::lifecycle::demo::demo_lifecycle;
use crate::lifecycle::{Lifecycle, format_age};

const TAGS: [&str; 3] = [
    "production-eu-west-1-payments",
    "staging-ap-southeast-2-ledger",
    "dev",
];
const PRODUCTS: [(&str, &str); 3] = [
    ("payments-settlement-gateway", "2.14"),
    ("payments-api", "2.7"),
    ("ml-inference-batch-scheduler", "11.0"),
];

fn long_names(n: u64) -> Vec<Lifecycle> {
    (0..n)
        .map(|i| {
            let k = usize::try_from(i).unwrap_or(0);
            let mut lc = demo_lifecycle(i, TAGS[k % TAGS.len()], i + 1, now());
            let (name, version) = PRODUCTS[k % PRODUCTS.len()];
            lc.product_name = name.into();
            lc.product_version = version.into();
            lc
        })
        .collect()
}

/// The words of the model that must never show cut: ids (whole and as the
/// 8-character short id), AMI ids, versions, names, stack tags, ages.
fn whole_words(lifecycles: &[Lifecycle]) -> Vec<String> {
    let mut words = Vec::new();
    for lc in lifecycles {
        words.push(lc.lifecycle_id.clone());
        words.push(lc.lifecycle_id.chars().take(8).collect());
        words.push(lc.stack_tag.clone());
        words.push(lc.product_name.clone());
        words.push(lc.product_version.clone());
        words.push(format_age(now() - lc.updated_at));
        words.extend(lc.ami_semver.clone());
        words.extend(lc.newest_semver().map(str::to_string));
        for record in lc
            .creation
            .iter()
            .chain(lc.patches.iter().flat_map(|p| p.events.iter()))
        {
            words.extend(record.outputs.amis.iter().map(|a| a.ami_id.clone()));
            if let Some(d) = record.duration(now()) {
                words.push(crate::lifecycle::format_duration(d));
            }
        }
    }
    words.sort();
    words.dedup();
    words
}

/// The screen's words that are a model word cut short (a proper prefix of
/// one that is no whole word itself), or an id shortened with `…`.
fn cut_words(screen: &str, words: &[String]) -> Vec<String> {
    let mut cut = Vec::new();
    for line in screen.lines() {
        for token in line.split(|c: char| c.is_whitespace() || "│┌┐└┘─()[],:".contains(c))
        {
            // A count of two digits may begin a version by chance.
            let number = token.chars().all(|c| c.is_ascii_digit());
            let least = if number { 3 } else { 2 };
            if token.chars().count() < least || words.iter().any(|w| w == token) {
                continue;
            }
            let is_prefix = words
                .iter()
                .any(|w| w.len() > token.len() && w.starts_with(token));
            if is_prefix || (token.starts_with("ami-") && token.contains('…')) {
                cut.push(format!("{token:?} in {line:?}"));
            }
        }
    }
    cut
}

fn assert_whole(screen: &str, lifecycles: &[Lifecycle]) {
    let cut = cut_words(screen, &whole_words(lifecycles));
    assert!(cut.is_empty(), "cut words:\n{}\n{screen}", cut.join("\n"));
}

fn screen(width: u16, height: u16, open: impl FnOnce(&mut State, &[Lifecycle])) -> String {
    // Enough for a patch cycle among them.
    let lifecycles = long_names(60);
    let mut s = state(false, width, height);
    load(&mut s, lifecycles.clone());
    open(&mut s, &lifecycles);
    let screen = draw(&s);
    assert_whole(&screen, &lifecycles);
    screen
}

fn list(s: &mut State, _: &[Lifecycle]) {
    press(s, KeyCode::Char('!'));
}

fn timeline(s: &mut State, lifecycles: &[Lifecycle]) {
    let lc = lifecycles
        .iter()
        .find(|l| !l.patches.is_empty())
        .expect("a demo lifecycle with a patch cycle");
    let id = lc.lifecycle_id.clone();
    s.screens.push(Screen::Timeline { id, scroll: 0 });
}

fn inbox(s: &mut State, _: &[Lifecycle]) {
    press(s, KeyCode::Char('i'));
}

#[test]
fn the_check_finds_cut_words() {
    let words = whole_words(&long_names(3));
    let cut = cut_words("payments-settlement-gatew 2.  ami-…9abcdef0 ok", &words);
    assert_eq!(cut.len(), 3, "{cut:?}");
    assert!(cut_words("payments-api 2.7 dev", &words).is_empty());
}

#[test]
fn long_names_list_80x24() {
    insta::assert_snapshot!(screen(80, 24, list));
}

#[test]
fn long_names_list_120x40() {
    insta::assert_snapshot!(screen(120, 40, list));
}

#[test]
fn long_names_timeline_80x24() {
    insta::assert_snapshot!(screen(80, 24, timeline));
}

#[test]
fn long_names_timeline_120x40() {
    insta::assert_snapshot!(screen(120, 40, timeline));
}

#[test]
fn long_names_inbox_80x24() {
    insta::assert_snapshot!(screen(80, 24, inbox));
}

#[test]
fn long_names_inbox_120x40() {
    insta::assert_snapshot!(screen(120, 40, inbox));
}
