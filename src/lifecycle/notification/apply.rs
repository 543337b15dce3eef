//! Applying an amiboard lifecycle notification to a loaded lifecycle, so the
//! screen moves before the record is read again. Pure: the caller re-reads.

use super::{Notification, NotificationKind};
use crate::lifecycle::{EventRef, EventStatus, Lifecycle, Stage};

/// Sets the event's status from an amiboard lifecycle notification when its
/// event time is newer than the record's last change. Returns whether it did.
pub fn apply_notification(lc: &mut Lifecycle, n: &Notification) -> bool {
    let NotificationKind::Lifecycle {
        event: Some(event),
        status: Some(status),
        stage,
        attempt,
        reason,
        execution_arn,
        ..
    } = &n.kind
    else {
        return false;
    };
    let Some(time) = n.event_time else {
        return false;
    };
    let at = EventRef {
        stage: stage.unwrap_or(Stage::Creation),
        event: *event,
    };
    let Some(record) = lc.record_mut(at) else {
        return false;
    };
    if record.changed_at().is_some_and(|t| t >= time) {
        return false;
    }
    record.status = *status;
    if let Some(attempt) = attempt {
        record.attempt = *attempt;
    }
    match status {
        EventStatus::InProgress => {
            record.started_at = Some(time);
            record.finished_at = None;
            if execution_arn.is_some() {
                record.execution_arn.clone_from(execution_arn);
            }
        }
        EventStatus::NotStarted => {}
        _ => record.finished_at = Some(time),
    }
    if reason.is_some() {
        record.reason.clone_from(reason);
    }
    lc.updated_at = lc.updated_at.max(time);
    true
}
