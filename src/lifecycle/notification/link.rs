//! Ties a notification to a lifecycle: by the lifecycle id it names, else by
//! the AMI ids, Image Builder image ARN or Run Command id its events recorded.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::super::{FastHash, Lifecycle};
use super::Notification;

/// Where each recorded output leads: AMI id, image ARN and Run Command id to
/// the id of the lifecycle whose event records produced it. When two
/// lifecycles claim the same output, the first one given wins.
///
/// Held for every loaded lifecycle, so it is kept small: an output is
/// stored as a 64-bit hash of its text (not the text), and the lifecycle id
/// is shared by every output of one lifecycle. Two outputs whose hashes
/// collide (odds about n²/2⁶⁵) would tie a notification to the wrong
/// lifecycle, which only re-reads that lifecycle: nothing is written from a
/// link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::struct_field_names)]
pub struct LinkIndex {
    by_ami: HashMap<u64, Arc<str>, FastHash>,
    by_image_arn: HashMap<u64, Arc<str>, FastHash>,
    by_command: HashMap<u64, Arc<str>, FastHash>,
}

/// The hash an output is stored under (SipHash with fixed keys: the same
/// in every index of one process).
fn key_of(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

impl LinkIndex {
    /// Indexes the outputs of every event record (creation and every patch cycle).
    pub fn from_lifecycles(lifecycles: &[Lifecycle]) -> Self {
        let mut index = LinkIndex::default();
        for lifecycle in lifecycles {
            index.add(lifecycle);
        }
        index
    }

    /// Adds one lifecycle's outputs (an output already claimed keeps its lifecycle).
    pub fn add(&mut self, lifecycle: &Lifecycle) {
        self.add_as(&Arc::from(lifecycle.lifecycle_id.as_str()), lifecycle);
    }

    /// [`LinkIndex::add`], sharing the caller's copy of the lifecycle id.
    pub fn add_as(&mut self, id: &Arc<str>, lifecycle: &Lifecycle) {
        for (kind, key) in outputs(lifecycle) {
            self.add_key(kind, key, id);
        }
    }

    /// Adds outputs already hashed ([`output_keys`], worked out where the
    /// lifecycle was read).
    pub fn add_keys(&mut self, id: &Arc<str>, keys: &[(Output, u64)]) {
        for (kind, key) in keys {
            self.add_key(*kind, *key, id);
        }
    }

    fn add_key(&mut self, kind: Output, key: u64, id: &Arc<str>) {
        let map = match kind {
            Output::Ami => &mut self.by_ami,
            Output::ImageArn => &mut self.by_image_arn,
            Output::Command => &mut self.by_command,
        };
        map.entry(key).or_insert_with(|| Arc::clone(id));
    }

    /// Takes in another index; where both name an output, `other` wins (it
    /// was read later).
    pub fn merge(&mut self, other: LinkIndex) {
        // One insert at a time: `extend` reserves room for every entry
        // given, though a re-read mostly names outputs already held.
        for (map, part) in [
            (&mut self.by_ami, other.by_ami),
            (&mut self.by_image_arn, other.by_image_arn),
            (&mut self.by_command, other.by_command),
        ] {
            for (key, id) in part {
                map.insert(key, id);
            }
        }
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_ami.is_empty() && self.by_image_arn.is_empty() && self.by_command.is_empty()
    }

    /// How many outputs are indexed: AMI ids, image ARNs, Run Command ids.
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.by_ami.len(),
            self.by_image_arn.len(),
            self.by_command.len(),
        )
    }

    /// The lifecycle that recorded this AMI id.
    pub fn ami(&self, ami_id: &str) -> Option<&str> {
        self.by_ami.get(&key_of(ami_id)).map(AsRef::as_ref)
    }

    /// The lifecycle that recorded this Image Builder image ARN.
    pub fn image(&self, arn: &str) -> Option<&str> {
        self.by_image_arn.get(&key_of(arn)).map(AsRef::as_ref)
    }

    /// The lifecycle that recorded this Run Command id.
    pub fn command(&self, command_id: &str) -> Option<&str> {
        self.by_command.get(&key_of(command_id)).map(AsRef::as_ref)
    }
}

/// The kind of output a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Ami,
    ImageArn,
    Command,
}

/// Every output of `lifecycle`'s event records, hashed as the index stores
/// them (an empty text names nothing).
fn outputs(lifecycle: &Lifecycle) -> impl Iterator<Item = (Output, u64)> + '_ {
    lifecycle.all_records().flat_map(|(_, record)| {
        let outputs = &record.outputs;
        let amis = outputs
            .amis
            .iter()
            .map(|a| (Output::Ami, a.ami_id.as_str()));
        let arn = outputs
            .image_arn
            .as_deref()
            .map(|arn| (Output::ImageArn, arn));
        let command = outputs
            .run_command_id
            .as_deref()
            .map(|c| (Output::Command, c));
        amis.chain(arn)
            .chain(command)
            .filter(|(_, text)| !text.is_empty())
            .map(|(kind, text)| (kind, key_of(text)))
    })
}

/// [`outputs`], collected: what [`LinkIndex::add_keys`] takes.
pub fn output_keys(lifecycle: &Lifecycle) -> Box<[(Output, u64)]> {
    outputs(lifecycle).collect()
}

/// The lifecycle a notification is about: the lifecycle id it names, else
/// the one that recorded its Run Command id, its image ARN, or any of its
/// AMI ids (in that order, most specific first).
pub fn match_lifecycle(notification: &Notification, index: &LinkIndex) -> Option<String> {
    if let Some(id) = &notification.lifecycle_id {
        return Some(id.clone());
    }
    let by_command = notification
        .command_id
        .as_ref()
        .and_then(|c| index.command(c));
    let by_image = || notification.image_arn.as_ref().and_then(|a| index.image(a));
    let by_ami = || notification.ami_ids.iter().find_map(|ami| index.ami(ami));
    by_command
        .or_else(by_image)
        .or_else(by_ami)
        .map(ToString::to_string)
}
