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

/// Pretty JSON of any serialisable value, with a trailing newline, streamed
/// to stdout (a 100000-lifecycle list is never built as one string).
pub fn emit_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut out = JsonEscaper {
        inner: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
        pending: Vec::new(),
    };
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
