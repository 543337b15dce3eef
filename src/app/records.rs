//! The full lifecycle records the dashboard holds besides the list's compact
//! rows: every one while the table is small, else a bounded set (the
//! lifecycles on screen, the selected one, the ones just read), the least
//! recently used let go first. A screen that needs a record that is not
//! held asks for it (`Effect::FetchLifecycle`) and shows it when it comes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::lifecycle::{FastHash, Lifecycle};

/// Up to this many lifecycles, every record is held; above it, at most this
/// many (plus the ones on screen).
pub const KEEP: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct Records {
    held: HashMap<Arc<str>, Held, FastHash>,
    clock: u64,
}

#[derive(Debug, Clone)]
struct Held {
    lifecycle: Lifecycle,
    used: u64,
}

impl Records {
    pub fn get(&self, id: &str) -> Option<&Lifecycle> {
        self.held.get(id).map(|h| &h.lifecycle)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.held.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// The ids of the records held.
    pub fn ids(&self) -> impl Iterator<Item = &Arc<str>> {
        self.held.keys()
    }

    /// Marks a record as just used, so it is let go last.
    pub fn touch(&mut self, id: &str) {
        self.clock = self.clock.wrapping_add(1);
        if let Some(held) = self.held.get_mut(id) {
            held.used = self.clock;
        }
    }

    /// Holds `lifecycle` (replacing what was held under its id). Above
    /// [`KEEP`], the least recently used record whose id is not in `pinned`
    /// is let go.
    pub fn put(&mut self, id: Arc<str>, lifecycle: Lifecycle, pinned: &[Arc<str>]) {
        self.clock = self.clock.wrapping_add(1);
        let used = self.clock;
        if let Some(held) = self.held.get_mut(&id) {
            held.lifecycle = lifecycle;
            held.used = used;
            return;
        }
        self.held.insert(id, Held { lifecycle, used });
        if self.held.len() > KEEP {
            let oldest = self
                .held
                .iter()
                .filter(|(id, _)| !pinned.iter().any(|p| p == *id))
                .min_by_key(|(_, h)| h.used)
                .map(|(id, _)| Arc::clone(id));
            if let Some(oldest) = oldest {
                self.held.remove(&oldest);
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.held.remove(id);
    }

    /// Keeps only the records `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.held.retain(|id, _| keep(id));
    }

    /// Every held record, in no order.
    pub fn iter(&self) -> impl Iterator<Item = &Lifecycle> {
        self.held.values().map(|h| &h.lifecycle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn lc(id: &str) -> Lifecycle {
        Lifecycle::new(id, "main", "web", "1", "alice", Utc::now())
    }

    #[test]
    fn above_keep_the_least_recently_used_unpinned_record_goes() {
        let mut records = Records::default();
        let ids: Vec<Arc<str>> = (0..=KEEP).map(|i| Arc::from(format!("lc-{i}"))).collect();
        let pinned = vec![Arc::clone(&ids[0])];
        for id in &ids[..KEEP] {
            records.put(Arc::clone(id), lc(id), &pinned);
        }
        records.touch("lc-1");
        records.put(Arc::clone(&ids[KEEP]), lc(&ids[KEEP]), &pinned);
        assert_eq!(records.len(), KEEP);
        assert!(records.contains("lc-0"), "pinned, though the oldest");
        assert!(records.contains("lc-1"), "used just now");
        assert!(!records.contains("lc-2"), "the least recently used goes");
        assert!(records.contains(&format!("lc-{KEEP}")));
    }

    #[test]
    fn put_replaces_what_is_held_under_the_id() {
        let mut records = Records::default();
        let mut newer = lc("a");
        newer.item_version = 3;
        records.put(Arc::from("a"), lc("a"), &[]);
        records.put(Arc::from("a"), newer, &[]);
        assert_eq!(records.len(), 1);
        assert_eq!(records.get("a").map(|l| l.item_version), Some(3));
    }
}
