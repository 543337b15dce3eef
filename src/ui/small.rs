//! Short text formatted on the stack: a cell's few characters (an age, a
//! version, scan counts) written each frame without a heap allocation.

use std::fmt;

/// Up to 64 bytes of text. A write that does not fit is refused whole, so
/// the text is always valid UTF-8 and never cut inside a character.
#[derive(Clone, Copy)]
pub struct Small {
    buf: [u8; 64],
    len: usize,
}

impl Small {
    pub const fn new() -> Self {
        Self {
            buf: [0; 64],
            len: 0,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    /// Appends `text`, or as much of it as fits in whole characters.
    pub fn push(&mut self, text: &str) {
        for c in text.chars() {
            let mut one = [0; 4];
            if fmt::Write::write_str(self, c.encode_utf8(&mut one)).is_err() {
                return;
            }
        }
    }

    /// Appends spaces up to `chars` characters in all.
    pub fn pad_to(&mut self, chars: usize) {
        while self.as_str().chars().count() < chars && self.len < self.buf.len() {
            self.buf[self.len] = b' ';
            self.len += 1;
        }
    }
}

impl Default for Small {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Small {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn writes_pads_and_refuses_what_does_not_fit() {
        let mut s = Small::new();
        write!(s, "{}.{}.{}", 1, 22, 333).expect("fits");
        assert_eq!(s.as_str(), "1.22.333");
        s.pad_to(10);
        assert_eq!(s.as_str(), "1.22.333  ");
        let mut full = Small::new();
        full.push(&"✔".repeat(30));
        assert_eq!(full.as_str(), "✔".repeat(21), "whole characters only");
        assert!(write!(full, "xx").is_err(), "63 of 64 bytes used");
        assert!(write!(full, "x").is_ok());
        assert_eq!(full.as_str().len(), 64);
    }
}
