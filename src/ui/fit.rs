//! Layouts that degrade by dropping whole columns (or fields) in a declared
//! order. A column shows its values whole or not at all: ids, versions and
//! ages are never cut mid-word. Each view declares its order once, as data
//! (`LIST_STEPS`, `INBOX_STEPS`, the header's and the timeline's), and
//! docs/dashboard.md lists them.

/// One step of a view's degradation; the steps apply in order until the
/// columns fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<K> {
    /// The column goes, whole.
    Drop(K),
    /// The column switches to its short form (a whole shorter value, such
    /// as a glyph for a status word, never a cut one).
    Shorten(K),
}

/// A column as the view measured it: the width its longest value needs,
/// and the width of its short form when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col<K> {
    pub key: K,
    pub width: u16,
    pub short: Option<u16>,
}

impl<K> Col<K> {
    pub fn new(key: K, width: u16) -> Col<K> {
        Col {
            key,
            width,
            short: None,
        }
    }

    #[must_use]
    pub fn with_short(mut self, short: u16) -> Col<K> {
        self.short = Some(short.min(self.width));
        self
    }
}

/// A column that stays: its width, and whether it shows its short form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fitted<K> {
    pub key: K,
    pub width: u16,
    pub short: bool,
}

/// The total width of `cols` with `gap` between neighbours.
fn total<K>(cols: &[Fitted<K>], gap: u16) -> u16 {
    let n = u16::try_from(cols.len()).unwrap_or(u16::MAX);
    cols.iter()
        .map(|c| c.width)
        .fold(0u16, u16::saturating_add)
        .saturating_add(gap.saturating_mul(n.saturating_sub(1)))
}

/// The columns of `cols` (in display order) that fit in `width`, after the
/// fewest of `steps` (in order). `flex` names the column that takes the room
/// left over (its measured width is its least); columns no step names always
/// stay, so a view lists every column it may lose.
pub fn fit<K: Copy + PartialEq>(
    cols: &[Col<K>],
    steps: &[Step<K>],
    flex: Option<K>,
    width: u16,
    gap: u16,
) -> Vec<Fitted<K>> {
    let mut out: Vec<Fitted<K>> = cols
        .iter()
        .map(|c| Fitted {
            key: c.key,
            width: c.width,
            short: false,
        })
        .collect();
    for step in steps {
        if total(&out, gap) <= width {
            break;
        }
        match *step {
            Step::Drop(key) => out.retain(|c| c.key != key),
            Step::Shorten(key) => {
                let short = cols.iter().find(|c| c.key == key).and_then(|c| c.short);
                if let (Some(short), Some(col)) = (short, out.iter_mut().find(|c| c.key == key)) {
                    col.width = short;
                    col.short = true;
                }
            }
        }
    }
    let room = width.saturating_sub(total(&out, gap));
    if let Some(col) = flex.and_then(|f| out.iter_mut().find(|c| c.key == f)) {
        col.width = col.width.saturating_add(room);
    }
    out
}

/// The width of `text` in terminal cells.
pub fn cells(text: &str) -> u16 {
    u16::try_from(ratatui::text::Span::raw(text).width()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_apply_in_order_until_the_columns_fit() {
        let cols = [
            Col::new('a', 10),
            Col::new('b', 10).with_short(2),
            Col::new('c', 10),
            Col::new('r', 5),
        ];
        let steps = [Step::Drop('c'), Step::Shorten('b'), Step::Drop('r')];
        let keys = |f: &[Fitted<char>]| f.iter().map(|c| (c.key, c.width)).collect::<Vec<_>>();
        // Everything fits: nothing changes, the flex column takes the rest.
        assert_eq!(
            keys(&fit(&cols, &steps, Some('r'), 50, 1)),
            [('a', 10), ('b', 10), ('c', 10), ('r', 17)]
        );
        // 38 needed: the first step is enough.
        assert_eq!(
            keys(&fit(&cols, &steps, Some('r'), 30, 1)),
            [('a', 10), ('b', 10), ('r', 8)]
        );
        assert_eq!(
            keys(&fit(&cols, &steps, Some('r'), 20, 1)),
            [('a', 10), ('b', 2), ('r', 6)]
        );
        // Columns no step names stay, even when they do not fit.
        assert_eq!(keys(&fit(&cols, &steps, None, 5, 1)), [('a', 10), ('b', 2)]);
    }
}
