//! Neutralises untrusted notification text before anything displays it:
//! control characters, terminal escape sequences and bidi overrides become
//! visible, harmless text, and oversized text is cut at a character boundary.

use std::fmt::Write as _;

/// The largest body `decode` reads, in bytes (the SNS message size limit).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The longest one-line summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 200;

/// The longest single field (an id, a state, a reason), in characters.
pub const MAX_FIELD_CHARS: usize = 1024;

/// Text multi-line `raw` ends with when it was cut.
const TRUNCATED_MARK: &str = "\n… (truncated)";

/// Makes text safe for a terminal, keeping line breaks: every C0 control but
/// `\n` becomes its Control Pictures glyph (ESC is `␛`, BEL `␇`, CR `␍`,
/// backspace `␈`), DEL becomes `␡`, a tab a space, and C1 controls
/// (U+0080..U+009F, which include the 8-bit CSI and OSC), bidi controls and
/// line/paragraph separators become `<U+XXXX>`. Because the introducer of
/// every escape sequence (ESC, CSI, OSC, including OSC 52) is replaced, no
/// sequence can reach the terminal; its remaining bytes show as plain text.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            _ => push_visible(&mut out, c),
        }
    }
    out
}

/// Makes text safe and one line: [`sanitize`], with line breaks, tabs and
/// runs of whitespace collapsed to single spaces, trimmed, and cut to
/// `max_chars` characters (ending in `…` when cut).
pub fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() && !is_invisible_control(c) {
            pending_space = count > 0;
            continue;
        }
        if usize::saturating_add(count, usize::from(pending_space)) >= max_chars {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            count = usize::saturating_add(count, 1);
            pending_space = false;
        }
        push_visible(&mut out, c);
        count = usize::saturating_add(count, 1);
    }
    out
}

/// One field of a message, made safe: one line, at most [`MAX_FIELD_CHARS`].
pub fn field(text: &str) -> String {
    one_line(text, MAX_FIELD_CHARS)
}

/// Cuts `text` to at most `max_bytes` bytes at a character boundary,
/// noting a warning when it was cut.
pub fn truncate_bytes<'a>(text: &'a str, max_bytes: usize, warnings: &mut Vec<String>) -> &'a str {
    if text.len() <= max_bytes {
        return text;
    }
    warnings.push(format!(
        "message is {} bytes; only the first {} KiB were kept",
        text.len(),
        max_bytes / 1024
    ));
    &text[..text.floor_char_boundary(max_bytes)]
}

/// Sanitises multi-line text for `raw` and cuts it to `max_bytes`,
/// marking the cut and noting a warning.
pub fn raw_text(text: &str, max_bytes: usize, warnings: &mut Vec<String>) -> String {
    let mut clean = sanitize(text);
    if clean.len() > max_bytes {
        clean.truncate(clean.floor_char_boundary(max_bytes));
        clean.push_str(TRUNCATED_MARK);
        warnings.push(format!(
            "raw text was cut to {} KiB for display",
            max_bytes / 1024
        ));
    }
    clean
}

/// Whether `text` holds nothing a terminal would interpret: no control
/// character (line breaks aside when `multi_line`), no bidi control.
pub fn is_inert(text: &str, multi_line: bool) -> bool {
    text.chars()
        .all(|c| (multi_line && c == '\n') || !(c.is_control() || is_invisible_control(c)))
}

/// One cell of a Markdown table, made safe: [`field`] (one line, so a line
/// break cannot end the row), with `|` escaped so it cannot split the cell.
pub fn markdown_cell(text: &str) -> String {
    field(text).replace('|', "\\|")
}

/// Whether a character must never reach a terminal raw: every C0 control,
/// DEL, every C1 control (U+0080..U+009F, including the 8-bit CSI and OSC),
/// bidi embeddings, overrides, isolates and marks, and line/paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || is_invisible_control(c)
}

/// The first unsafe character of `text` (see [`is_unsafe_char`]), if any.
pub fn first_unsafe(text: &str) -> Option<char> {
    text.chars().find(|&c| is_unsafe_char(c))
}

/// Checks one input field: `Err` names the field and the character, e.g.
/// "product name contains the control character U+001B; remove it".
pub fn check_input(field_name: &str, text: &str) -> Result<(), String> {
    match first_unsafe(text) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{field_name} contains the control character U+{:04X}; remove it",
            u32::from(c)
        )),
    }
}

/// Escapes, in serialized JSON, the characters `serde_json` leaves raw but a
/// terminal would interpret: C1 controls (and DEL) and bidi controls become
/// `\uXXXX`. JSON text holds non-ASCII characters only inside strings, where
/// `\uXXXX` means the same character, so the result is the same JSON value.
pub fn escape_json_text(json: &str) -> std::borrow::Cow<'_, str> {
    if !json.chars().any(needs_json_escape) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len().saturating_add(16));
    for c in json.chars() {
        if needs_json_escape(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What [`escape_json_text`] replaces; C0 controls are escaped by `serde_json`
/// itself (a raw one never appears in its output).
fn needs_json_escape(c: char) -> bool {
    c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) || is_invisible_control(c)
}

/// Pushes `c`, or a visible stand-in when it is a control character.
fn push_visible(out: &mut String, c: char) {
    let code = u32::from(c);
    match code {
        // C0 controls map onto the Control Pictures block (U+2400..U+241F).
        0x00..=0x1F => {
            out.push(char::from_u32(0x2400_u32.saturating_add(code)).unwrap_or('\u{FFFD}'));
        }
        0x7F => out.push('\u{2421}'),
        _ if c.is_control() || is_invisible_control(c) => {
            let _ = write!(out, "<U+{code:04X}>");
        }
        _ => out.push(c),
    }
}

/// Characters that are not `char::is_control` but still steer how a terminal
/// lays text out: bidi embeddings, overrides, isolates and marks, and the
/// Unicode line and paragraph separators.
fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        let cases = [
            ("plain", "plain"),
            ("\u{1b}[31mred", "\u{241B}[31mred"),
            ("\u{1b}]52;c;aGk=\u{7}", "\u{241B}]52;c;aGk=\u{2407}"),
            ("a\u{8}b", "a\u{2408}b"),
            ("over\rwrite", "over\u{240D}write"),
            ("\u{9b}2J", "<U+009B>2J"),
            ("\u{9d}0;title\u{9c}", "<U+009D>0;title<U+009C>"),
            ("abc\u{202E}fed", "abc<U+202E>fed"),
            ("\u{2066}x\u{2069}", "<U+2066>x<U+2069>"),
            ("del\u{7f}", "del\u{2421}"),
            ("two\nlines", "two\nlines"),
            ("tab\there", "tab here"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "{input:?}");
            assert!(is_inert(&sanitize(input), true), "{input:?}");
        }
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        let cases = [
            ("  a \n\n b\r\n\tc  ", 50, "a b c"),
            ("abcdef", 3, "abc…"),
            ("abc", 3, "abc"),
            ("\u{1b}[2J", 50, "\u{241B}[2J"),
            ("x\u{2028}y", 50, "x<U+2028>y"),
            ("", 5, ""),
        ];
        for (input, max, expected) in cases {
            let line = one_line(input, max);
            assert_eq!(line, expected, "{input:?}");
            assert!(is_inert(&line, false), "{input:?}");
        }
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut warnings = Vec::new();
        let text = "é".repeat(10);
        let cut = truncate_bytes(&text, 5, &mut warnings);
        assert_eq!(cut, "éé");
        assert_eq!(warnings.len(), 1);
        assert_eq!(truncate_bytes("short", 5, &mut warnings), "short");
        assert_eq!(warnings.len(), 1);
        let raw = raw_text(&"ab".repeat(100), 10, &mut warnings);
        assert!(raw.starts_with("ababababab\n…"));
        assert_eq!(warnings.len(), 2);
    }
}
