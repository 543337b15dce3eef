//! Ties a notification to a lifecycle: by the lifecycle id it names, else by
//! the AMI ids, Image Builder image ARN or Run Command id its events recorded.

use std::collections::HashMap;

use super::super::Lifecycle;
use super::Notification;

/// Where each recorded output leads: AMI id, image ARN and Run Command id to
/// the id of the lifecycle whose event records produced it. When two
/// lifecycles claim the same output, the first one given wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkIndex {
    pub by_ami: HashMap<String, String>,
    pub by_image_arn: HashMap<String, String>,
    pub by_command: HashMap<String, String>,
}

impl LinkIndex {
    /// Indexes the outputs of every event record (creation and every patch cycle).
    pub fn from_lifecycles(lifecycles: &[Lifecycle]) -> Self {
        let mut index = LinkIndex::default();
        for lifecycle in lifecycles {
            let id = &lifecycle.lifecycle_id;
            for (_, record) in lifecycle.all_records() {
                let outputs = &record.outputs;
                for ami in &outputs.amis {
                    link(&mut index.by_ami, &ami.ami_id, id);
                }
                if let Some(arn) = &outputs.image_arn {
                    link(&mut index.by_image_arn, arn, id);
                }
                if let Some(command) = &outputs.run_command_id {
                    link(&mut index.by_command, command, id);
                }
            }
        }
        index
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_ami.is_empty() && self.by_image_arn.is_empty() && self.by_command.is_empty()
    }
}

fn link(map: &mut HashMap<String, String>, key: &str, lifecycle_id: &str) {
    if !key.is_empty() {
        map.entry(key.to_owned())
            .or_insert_with(|| lifecycle_id.to_owned());
    }
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
        .and_then(|c| index.by_command.get(c));
    let by_image = || {
        notification
            .image_arn
            .as_ref()
            .and_then(|a| index.by_image_arn.get(a))
    };
    let by_ami = || {
        notification
            .ami_ids
            .iter()
            .find_map(|ami| index.by_ami.get(ami))
    };
    by_command.or_else(by_image).or_else(by_ami).cloned()
}
