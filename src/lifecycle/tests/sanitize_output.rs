//! The one sanitiser every human-readable output uses: whatever control or
//! bidi character goes in, none comes out; Markdown cells stay one cell;
//! JSON escapes what a terminal would interpret; input checks name the field.

use crate::lifecycle::notification::sanitize::{
    check_input, escape_json_text, field, first_unsafe, is_unsafe_char, markdown_cell, sanitize,
};

/// Every character a terminal interprets or that reorders text.
fn hostile_chars() -> Vec<char> {
    let mut chars: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    chars.extend('\u{202A}'..='\u{202E}');
    chars.extend('\u{2066}'..='\u{2069}');
    chars.extend(['\u{200E}', '\u{200F}', '\u{061C}', '\u{2028}', '\u{2029}']);
    chars
}

#[test]
fn defect_04_every_control_and_bidi_char_is_unsafe() {
    for c in hostile_chars() {
        assert!(is_unsafe_char(c), "U+{:04X}", u32::from(c));
    }
    for c in ['a', ' ', 'é', '✓', '…', '␛', '|', '`'] {
        assert!(!is_unsafe_char(c), "{c:?}");
    }
}

#[test]
fn defect_04_no_control_or_bidi_char_survives_the_sanitiser() {
    for c in hostile_chars() {
        let text = format!("name{c}x\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{9b}31m{c}end");
        let one = field(&text);
        assert_eq!(
            first_unsafe(&one),
            None,
            "field: U+{:04X} -> {one:?}",
            u32::from(c)
        );
        let multi = sanitize(&text);
        assert!(
            multi.chars().all(|x| x == '\n' || !is_unsafe_char(x)),
            "sanitize: U+{:04X} -> {multi:?}",
            u32::from(c)
        );
        let cell = markdown_cell(&text);
        assert_eq!(
            first_unsafe(&cell),
            None,
            "markdown: U+{:04X}",
            u32::from(c)
        );
    }
}

#[test]
fn defect_04_markdown_cells_cannot_break_the_table() {
    assert_eq!(markdown_cell("a|b\nc\r\nd"), "a\\|b c d");
    assert_eq!(markdown_cell("  x  "), "x");
    assert!(!markdown_cell("| x |\n|---|").contains('\n'));
}

#[test]
fn defect_04_json_escapes_c1_and_bidi_controls() {
    let value = serde_json::json!({
        "name": "a\u{1b}[2J\u{9b}31m\u{202E}evil\u{2066}\u{7f}",
        "plain": "é ✓",
    });
    let text = serde_json::to_string(&value).unwrap();
    let escaped = escape_json_text(&text);
    assert_eq!(first_unsafe(&escaped), None, "{escaped}");
    assert!(
        escaped.contains("\\u009b") && escaped.contains("\\u202e"),
        "{escaped}"
    );
    // Still valid JSON, with the same value.
    let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
    assert_eq!(back, value);
    // Nothing to escape: the text is returned as it was.
    assert_eq!(escape_json_text("{\"a\":\"é\"}"), "{\"a\":\"é\"}");
}

#[test]
fn defect_04_input_checks_name_the_field() {
    assert_eq!(check_input("product name", "nginx 1.25-é"), Ok(()));
    for c in hostile_chars() {
        let err = check_input("product name", &format!("web{c}")).unwrap_err();
        assert!(err.starts_with("product name contains"), "{err}");
        assert!(err.contains(&format!("U+{:04X}", u32::from(c))), "{err}");
        assert_eq!(first_unsafe(&err), None, "{err:?}");
    }
}
