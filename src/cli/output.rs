//! Printing for commands: JSON, aligned tables, and quiet handling of a closed pipe.
//!
//! Every stored or network string printed for a person goes through the one
//! sanitiser, `lifecycle::notification::sanitize`: table cells here, other
//! text through [`clean`]; JSON output escapes C1 and bidi controls as `\uXXXX`.

use std::io::{self, Write};

use super::CliError;
use crate::lifecycle::notification::sanitize::{self, escape_json_text};

/// A stored or network string made safe for a terminal, on one line.
pub fn clean(text: &str) -> String {
    sanitize::field(text)
}

/// Multi-line text (a command's message, an error) made safe for a terminal.
pub fn clean_text(text: &str) -> String {
    sanitize::sanitize(text)
}

/// A writer that escapes C1 and bidi controls in the JSON passing through it
/// (see [`escape_json_text`]), holding back a character split across writes.
struct JsonEscaper<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for JsonEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Most JSON is ASCII without DEL: nothing to escape, nothing held.
        if self.pending.is_empty() && buf.is_ascii() && !buf.contains(&0x7f) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            // An incomplete character at the end waits for the next write.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            // Not UTF-8 (never from serde_json): pass it on untouched.
            Err(_) => {
                self.inner.write_all(&self.pending)?;
                self.pending.clear();
                return Ok(buf.len());
            }
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        self.inner.write_all(escape_json_text(text).as_bytes())?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.inner.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.inner.flush()
    }
}

/// Writes text to stdout; a closed pipe (`| head`) ends quietly.
pub fn emit(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The JSON writer of stdout: buffered before the escaper, so it sees large
/// chunks rather than serde_json's many small writes.
fn json_stdout<W: Write>(stdout: W) -> io::BufWriter<JsonEscaper<W>> {
    io::BufWriter::with_capacity(
        1 << 16,
        JsonEscaper {
            inner: stdout,
            pending: Vec::new(),
        },
    )
}

/// Pretty JSON of any serialisable value, with a trailing newline, streamed
/// to stdout (a 100000-lifecycle list is never built as one string).
pub fn emit_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut out = json_stdout(io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A JSON array printed to stdout element by element, byte for byte as
/// [`emit_json`] prints a slice of the same elements (pretty, escaped, a
/// trailing newline), for output that streams. Nothing is printed before the
/// first element or [`JsonArray::finish`], so a read that fails at once
/// leaves stdout empty.
pub struct JsonArray<W: Write = io::Stdout> {
    out: io::BufWriter<JsonEscaper<W>>,
    printed: usize,
}

impl Default for JsonArray {
    fn default() -> Self {
        JsonArray::new(io::stdout())
    }
}

impl<W: Write> JsonArray<W> {
    /// An array written to `out` (stdout: [`JsonArray::default`]).
    pub fn new(out: W) -> Self {
        JsonArray {
            out: json_stdout(out),
            printed: 0,
        }
    }

    /// How many elements it printed.
    pub fn printed(&self) -> usize {
        self.printed
    }

    /// Prints one element. `Ok(false)` when stdout is closed (`| head`):
    /// stop quietly.
    pub fn push<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<bool, CliError> {
        let opening: &[u8] = if self.printed == 0 {
            b"[\n  "
        } else {
            b",\n  "
        };
        self.printed = self.printed.saturating_add(1);
        if let Err(e) = self.out.write_all(opening) {
            return quiet_pipe(Err(e));
        }
        let mut element = serde_json::Serializer::with_formatter(
            &mut self.out,
            Nested(serde_json::ser::PrettyFormatter::new()),
        );
        match value.serialize(&mut element) {
            Ok(()) => Ok(true),
            Err(e) if e.io_error_kind() == Some(io::ErrorKind::BrokenPipe) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Closes the array and flushes it. `Ok(false)` when stdout is closed.
    pub fn finish(mut self) -> Result<bool, CliError> {
        let closing: &[u8] = if self.printed == 0 { b"[]\n" } else { b"\n]\n" };
        let written = self.out.write_all(closing).and_then(|()| self.out.flush());
        quiet_pipe(written)
    }

    /// Ends the output after a failure without closing the array: what was
    /// printed stays an incomplete array (a consumer's parser fails instead
    /// of taking part of a listing for all of it), then a newline so the
    /// error line starts on its own line.
    pub fn abandon(mut self) {
        if self.printed > 0 {
            let _ = self.out.write_all(b"\n").and_then(|()| self.out.flush());
        }
    }
}

/// serde_json's pretty layout one level deeper, for an array's element:
/// every newline it writes between tokens is followed by two more spaces
/// (a newline in a string is always escaped, never written raw).
struct Nested(serde_json::ser::PrettyFormatter<'static>);

/// A writer that indents after each newline (for [`Nested`]'s layout calls).
struct Indent<'a, W: ?Sized>(&'a mut W);

impl<W: ?Sized + Write> Write for Indent<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, part) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.0.write_all(b"\n  ")?;
            }
            self.0.write_all(part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(&mut Indent(writer))
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(&mut Indent(writer), first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(&mut Indent(writer))
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(&mut Indent(writer), first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// A closed pipe is `Ok(false)`, other errors fail the command.
fn quiet_pipe(written: io::Result<()>) -> Result<bool, CliError> {
    match written {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Aligns rows of cells into columns, the header first. Every cell is made
/// safe and one line first ([`clean`]).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| clean(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::JsonArray;
    use serde_json::{Value, json};

    /// What a [`JsonArray`] of `values` writes.
    fn streamed(values: &[Value]) -> String {
        let mut bytes = Vec::new();
        let mut array = JsonArray::new(&mut bytes);
        for value in values {
            assert!(array.push(value).expect("push"));
        }
        assert!(array.finish().expect("finish"));
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn a_streamed_array_is_byte_for_byte_the_pretty_array() {
        let values = [
            json!({"id": "a", "events": [{"n": 1, "tags": []}, {"n": 2, "map": {}}], "x": null}),
            json!({"text": "two\nlines and a \"quote\"", "nested": {"deep": {"list": [1, [2, 3]]}}}),
            json!([]),
            json!("plain"),
        ];
        for n in 0..=values.len() {
            let slice = &values[..n];
            let want = format!("{}\n", serde_json::to_string_pretty(slice).expect("pretty"));
            assert_eq!(streamed(slice), want, "{n} elements");
        }
    }

    #[test]
    fn a_streamed_array_escapes_terminal_controls() {
        // C1 (U+009B, CSI), a bidi override (U+202E) and DEL: escaped, the
        // value unchanged; other non-ASCII stays as it is.
        let value = json!({"owner": "eve\u{9b}31m \u{202e}gnp.exe \u{7f} caf\u{e9}"});
        let text = streamed(std::slice::from_ref(&value));
        assert!(
            text.contains("\\u009b31m \\u202egnp.exe \\u007f caf\u{e9}"),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back, json!([value]));
    }

    /// A writer whose reader is gone.
    struct Closed(std::io::ErrorKind);

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(self.0.into())
        }
    }

    #[test]
    fn a_closed_pipe_ends_quietly_and_other_errors_fail() {
        let mut array = JsonArray::new(Closed(std::io::ErrorKind::BrokenPipe));
        assert!(array.push(&json!({"id": 1})).expect("buffered"));
        assert!(!array.finish().expect("a closed pipe is no error"));
        let mut array = JsonArray::new(Closed(std::io::ErrorKind::BrokenPipe));
        let big = json!({"text": "x".repeat(1 << 17)});
        assert!(!array.push(&big).expect("a closed pipe is no error"));
        let mut array = JsonArray::new(Closed(std::io::ErrorKind::PermissionDenied));
        assert!(array.push(&big).is_err(), "another write error fails");
    }

    #[test]
    fn an_abandoned_array_is_not_valid_json() {
        let mut bytes = Vec::new();
        let mut array = JsonArray::new(&mut bytes);
        assert!(array.push(&json!({"id": 1})).expect("push"));
        array.abandon();
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.starts_with("[\n  {"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "unclosed: {text}"
        );
    }
}
