//! `docs/data-model.md` stays true to the code: its example items decode into
//! the types amiboard stores, and every attribute amiboard writes is documented.

use amiboard::lifecycle::demo::demo_lifecycle;
use amiboard::lifecycle::lookup::{LookupRow, rows_for};
use amiboard::lifecycle::{Lifecycle, PatchCycle};
use chrono::Utc;

fn json_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```json") => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn data_model() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/data-model.md"))
        .expect("docs/data-model.md")
}

#[test]
fn documented_examples_decode_into_the_stored_types() {
    let blocks = json_blocks(&data_model());
    assert_eq!(blocks.len(), 4, "four example items");
    let lc: Lifecycle = serde_json::from_str(&blocks[0]).expect("lifecycle example");
    assert_eq!(lc.creation.len(), 6);
    assert_eq!(lc.item_version, 9);
    let cycle: PatchCycle = serde_json::from_str(&blocks[1]).expect("patch cycle example");
    assert_eq!(cycle.events.len(), 4);
    let seed: serde_json::Value = serde_json::from_str(&blocks[2]).expect("seed example");
    assert!(seed["last_major"].is_u64());
    let row: LookupRow = serde_json::from_str(&blocks[3]).expect("lookup example");
    assert_eq!(row.lifecycle_score, 4);
}

#[test]
fn every_stored_attribute_is_documented() {
    let doc = data_model();
    let now = Utc::now();
    let mut lifecycles: Vec<Lifecycle> = (0..400)
        .map(|i| demo_lifecycle(i, "main", i + 1, now))
        .collect();
    lifecycles.retain(|l| !l.patches.is_empty());
    let lc = lifecycles.first().expect("a demo lifecycle with patches");
    let value = serde_json::to_value(lc).expect("json");
    let mut names: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    names.extend(
        value["creation_events"][0]
            .as_object()
            .expect("record")
            .keys()
            .cloned(),
    );
    names.extend(
        value["patch_cycles"][0]
            .as_object()
            .expect("cycle")
            .keys()
            .cloned(),
    );
    let row = serde_json::to_value(&rows_for(lc, now)[0]).expect("row");
    names.extend(row.as_object().expect("row").keys().cloned());
    for name in names {
        assert!(
            doc.contains(&format!("`{name}`")) || doc.contains(&format!("\"{name}\"")),
            "attribute `{name}` is not documented in docs/data-model.md"
        );
    }
}
