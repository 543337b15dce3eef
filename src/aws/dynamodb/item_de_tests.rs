//! Tests of [`super`]: the direct reader against serde_dynamo's.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::from_item;
use crate::lifecycle::demo::{demo_lifecycle, stack_tag_for};
use crate::lifecycle::{EventStatus, Lifecycle};

/// Every demo lifecycle (every stage, status, output and patch cycle
/// the demo makes) reads back equal, and as serde_dynamo reads it.
#[test]
fn lifecycles_read_as_serde_dynamo_reads_them() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("time");
    for i in 0..400 {
        let mut lc = demo_lifecycle(i, &stack_tag_for(i, None), i + 1, now);
        lc.properties.insert("empty".into(), String::new());
        let item = crate::aws::dynamodb::encode(&lc).expect("encode");
        let ours: Lifecycle = from_item(item.clone()).expect("ours");
        let theirs: Lifecycle = serde_dynamo::from_item(item).expect("serde_dynamo");
        assert_eq!(ours, theirs, "{i}");
        assert_eq!(ours, lc, "{i}");
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Dot,
    Line(u32),
    Box { w: i64, h: f64 },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Everything {
    text: String,
    small: u8,
    negative: i32,
    big: u64,
    ratio: f64,
    yes: bool,
    none: Option<String>,
    some: Option<u32>,
    list: Vec<String>,
    map: BTreeMap<String, u16>,
    shapes: Vec<Shape>,
    status: EventStatus,
    bytes: serde_bytes_like::Bytes,
    #[serde(default)]
    missing: Vec<u8>,
}

/// A small stand-in for `serde_bytes` (not a dependency): bytes as `B`.
mod serde_bytes_like {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Debug, PartialEq)]
    pub struct Bytes(pub Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    impl<'de> Deserialize<'de> for Bytes {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl serde::de::Visitor<'_> for Visit {
                type Value = Bytes;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Bytes, E> {
                    Ok(Bytes(v))
                }
                fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                    Ok(Bytes(v.to_vec()))
                }
            }
            d.deserialize_byte_buf(Visit)
        }
    }
}

#[test]
fn every_attribute_type_reads_as_serde_dynamo_reads_it() {
    let value = Everything {
        text: "héllo \"q\"".into(),
        small: 255,
        negative: -7,
        big: u64::MAX,
        ratio: 2.5,
        yes: true,
        none: None,
        some: Some(3),
        list: vec!["a".into(), String::new()],
        map: BTreeMap::from([("k".into(), 1), ("l".into(), 2)]),
        shapes: vec![Shape::Dot, Shape::Line(4), Shape::Box { w: -1, h: 0.5 }],
        status: EventStatus::InProgress,
        bytes: serde_bytes_like::Bytes(vec![0, 1, 255]),
        missing: Vec::new(),
    };
    let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&value).expect("to_item");
    let ours: Everything = from_item(item.clone()).expect("ours");
    let theirs: Everything = serde_dynamo::from_item(item).expect("theirs");
    assert_eq!(ours, value);
    assert_eq!(theirs, value);
}

#[test]
fn sets_read_as_lists() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Sets {
        names: Vec<String>,
        numbers: Vec<u32>,
    }
    let item = HashMap::from([
        (
            "names".to_string(),
            AttributeValue::Ss(vec!["a".into(), "b".into()]),
        ),
        (
            "numbers".to_string(),
            AttributeValue::Ns(vec!["1".into(), "2".into()]),
        ),
    ]);
    let sets: Sets = from_item(item).expect("sets");
    assert_eq!(sets.names, ["a", "b"]);
    assert_eq!(sets.numbers, [1, 2]);
}

#[test]
fn a_wrong_item_says_what_is_wrong() {
    let mut item = crate::aws::dynamodb::encode(&Lifecycle::new(
        "lc-1",
        "main",
        "web",
        "1.0",
        "alice",
        Utc::now(),
    ))
    .expect("encode");
    item.insert("updated_at".into(), AttributeValue::S("not a time".into()));
    let err = from_item::<Lifecycle>(item.clone()).expect_err("a bad time");
    assert!(
        err.to_string()
            .contains("input contains invalid characters"),
        "{err}"
    );
    item.remove("stack_tag");
    item.insert(
        "updated_at".into(),
        AttributeValue::S(Utc::now().to_rfc3339()),
    );
    let err = from_item::<Lifecycle>(item.clone()).expect_err("a missing field");
    assert!(
        err.to_string().contains("missing field `stack_tag`"),
        "{err}"
    );
    item.insert("stack_tag".into(), AttributeValue::N("12".into()));
    let err = from_item::<Lifecycle>(item.clone()).expect_err("a number for a string");
    assert!(err.to_string().contains("invalid type"), "{err}");
    item.insert("stack_tag".into(), AttributeValue::S("main".into()));
    item.insert("item_version".into(), AttributeValue::N("-1".into()));
    let err = from_item::<Lifecycle>(item).expect_err("a negative version");
    assert!(err.to_string().contains("is not a number of type"), "{err}");
}
