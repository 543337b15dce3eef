//! The header's doctor badge: set by a denied call or a missing resource,
//! not by other failures, and kept once seen.

use super::{now, target};
use crate::app::action::{Action, Op};
use crate::app::keymap::Keymap;
use crate::app::state::State;
use crate::app::update::update;
use crate::aws::AwsError;
use crate::ops::OpError;

fn finished(result: OpError) -> Action {
    Action::OperationFinished {
        op: Op::Promote {
            lifecycle_id: "lc-1".into(),
        },
        result: Err(result),
    }
}

fn fresh() -> State {
    let mut state = State::new(Keymap::default(), false, target(), now());
    state.in_flight = 1;
    state
}

#[test]
fn a_denied_call_sets_the_badge_and_other_failures_do_not_clear_it() {
    let mut state = fresh();
    update(
        &mut state,
        finished(OpError::Unavailable("endpoint down".into())),
    );
    assert_eq!(state.doctor_hint, None, "an outage is not a wiring problem");
    update(
        &mut state,
        finished(OpError::Aws(AwsError::AccessDenied {
            service: "Step Functions",
            operation: "StartExecution",
            resource: "amiboard-promotion".into(),
            detail: "not authorized".into(),
        })),
    );
    assert_eq!(
        state.doctor_hint.as_deref(),
        Some("Step Functions StartExecution denied")
    );
    update(&mut state, finished(OpError::Invalid("bad input".into())));
    assert!(
        state.doctor_hint.is_some(),
        "the last relevant failure stays"
    );
}

#[test]
fn a_missing_resource_sets_the_badge_but_a_missing_execution_does_not() {
    let mut state = fresh();
    update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-1".into(),
            execution_arn: "arn:x".into(),
            result: Err(OpError::Aws(AwsError::Service {
                service: "Step Functions",
                operation: "DescribeExecution",
                resource: "arn:x".into(),
                code: Some("ExecutionDoesNotExist".into()),
                detail: "gone".into(),
            })),
        },
    );
    assert_eq!(state.doctor_hint, None);
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "lc-1".into(),
            result: Err(OpError::Aws(AwsError::Missing {
                kind: "table",
                name: "amiboard-lifecycles".into(),
            })),
        },
    );
    assert_eq!(
        state.doctor_hint.as_deref(),
        Some("table amiboard-lifecycles missing")
    );
}
