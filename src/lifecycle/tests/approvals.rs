//! Four eyes, how people are compared, the promotion checklist and the
//! break-glass gate.

use super::super::VulnerabilityCounts;
use super::super::approvals::{
    ApprovalRefusal, Mismatch, Policy, Step, check_four_eyes, checklist, decide_blockers, gate,
    person, promote_blockers, same_person,
};
use super::{C, F, Fixture, N, creation, patch, t0};
use crate::lifecycle::{EventKind, Lifecycle, Refusal, Stage};

const REQUEST: EventKind = EventKind::QaCertificationRequest;
const RESPONSE: EventKind = EventKind::QaCertificationResponse;

fn policy(distinct: bool) -> Policy {
    Policy {
        distinct_approver: distinct,
        regions: None,
        max_critical: 0,
        max_high: 5,
    }
}

/// Certified by `certifier` after `requester` asked, built in two regions,
/// scanned with `high` high findings; MARK_FOR_PRODUCTION not started.
fn certified(requester: &str, certifier: &str, high: u32) -> Lifecycle {
    let mut lc = Fixture::with_creation(&[C, C, C, C, C, N])
        .actor(creation(REQUEST), requester)
        .actor(creation(RESPONSE), certifier)
        .amis(
            Stage::Creation,
            &[("eu-west-1", "ami-0eu"), ("us-east-1", "ami-0us")],
        )
        .build();
    lc.record_mut(creation(EventKind::VulnerabilityScans))
        .unwrap()
        .outputs
        .vulnerabilities = Some(VulnerabilityCounts {
        high,
        ..VulnerabilityCounts::default()
    });
    lc
}

#[test]
fn a_person_is_the_session_of_an_assumed_role_the_name_of_a_user_and_case_does_not_matter() {
    let rows = [
        (
            "arn:aws:sts::123456789012:assumed-role/QA/alice@example.com",
            Some("alice@example.com"),
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/Admin/Alice@Example.com",
            Some("alice@example.com"),
        ),
        ("arn:aws:iam::123456789012:user/teams/bob", Some("bob")),
        (
            "arn:aws:sts::123456789012:federated-user/carol",
            Some("carol"),
        ),
        ("arn:aws:iam::123456789012:root", Some("root@123456789012")),
        ("  Dave ", Some("dave")),
        ("unknown", None),
        ("", None),
    ];
    for (actor, want) in rows {
        assert_eq!(person(actor).as_deref(), want, "{actor}");
    }
    // The same session name under two roles is one person.
    assert!(same_person(
        "arn:aws:sts::1:assumed-role/QA/alice",
        "arn:aws:sts::1:assumed-role/Release/ALICE"
    ));
    assert!(same_person("alice", "arn:aws:iam::1:user/alice"));
    assert!(!same_person("alice", "bob"));
    assert!(!same_person("unknown", "unknown"), "nobody is not a person");
}

#[test]
fn four_eyes_refuses_the_requester_deciding_and_the_certifier_promoting_and_names_them() {
    let lc = certified("alice", "bob", 0);
    let decide = check_four_eyes(&lc, Step::Decide, Stage::Creation, "ALICE", true).unwrap();
    assert_eq!(
        decide.to_string(),
        "four eyes: alice requested QA of this AMI, so someone else certifies or rejects it"
    );
    assert_eq!(
        check_four_eyes(&lc, Step::Decide, Stage::Creation, "bob", true),
        None
    );
    let promote = check_four_eyes(&lc, Step::Promote, Stage::Creation, "bob", true).unwrap();
    assert_eq!(
        promote.to_string(),
        "four eyes: bob certified this AMI, so someone else promotes it"
    );
    assert_eq!(
        check_four_eyes(&lc, Step::Promote, Stage::Creation, "alice", true),
        None
    );
    // Off: nothing is compared.
    assert_eq!(
        check_four_eyes(&lc, Step::Promote, Stage::Creation, "bob", false),
        None
    );
    // An unknown caller cannot be told apart from the certifier.
    let unknown = check_four_eyes(&lc, Step::Promote, Stage::Creation, "unknown", true).unwrap();
    assert!(unknown.caller_unknown(), "{unknown}");
    // A rejection is no certification: promoting compares with nobody.
    let mut rejected = lc.clone();
    rejected.record_mut(creation(RESPONSE)).unwrap().status = F;
    assert_eq!(
        check_four_eyes(&rejected, Step::Promote, Stage::Creation, "bob", true),
        None
    );
    // A patch cycle has no QA step.
    let patched = Fixture::in_production()
        .actor(creation(RESPONSE), "bob")
        .patch(&[C, C, C, N])
        .build();
    assert_eq!(
        check_four_eyes(&patched, Step::Promote, Stage::Patch(1), "bob", true),
        None
    );
}

#[test]
fn the_refusal_names_the_rule_the_earlier_actor_and_the_break_glass() {
    let lc = certified("alice", "bob", 0);
    let refusal = Refusal::Approval(decide_blockers(&lc, "alice", &policy(true))[0].clone());
    assert_eq!(refusal.code(), "four_eyes");
    let text = refusal.to_string();
    assert!(text.starts_with("four eyes: alice requested QA"), "{text}");
    assert!(
        text.contains("--override-four-eyes --reason TEXT"),
        "{text}"
    );
}

#[test]
fn the_checklist_has_a_line_per_item_each_with_its_detail() {
    let lc = certified("alice", "bob", 2);
    let lines = checklist(&lc, Stage::Creation, &policy(true), "carol");
    let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "✔ smoke tests passed (attempt 1)",
            "✔ scan        critical 0, high 2 (thresholds: critical ≤ 0, high ≤ 5)",
            "✔ QA          certified by bob at 2024-01-02 03:04 UTC",
            "✔ regions     eu-west-1 ami-0eu, us-east-1 ami-0us",
            "✔ four eyes   certified by bob, promoted by someone else",
        ]
    );
    assert!(promote_blockers(&lc, Stage::Creation, "carol", &policy(true)).is_empty());
}

#[test]
fn a_failing_item_is_a_cross_and_blocks() {
    // Too many high findings, a missing region, and the certifier promoting.
    let lc = certified("alice", "bob", 6);
    let mut wanted = policy(true);
    wanted.regions = Some(vec!["eu-west-1".into(), "ap-south-1".into()]);
    let lines = checklist(&lc, Stage::Creation, &wanted, "bob");
    let failing: Vec<&str> = lines.iter().filter(|c| !c.ok).map(|c| c.name).collect();
    assert_eq!(failing, ["scan", "regions", "four eyes"]);
    let regions = lines.iter().find(|c| c.name == "regions").unwrap();
    assert_eq!(
        regions.detail,
        "no AMI in ap-south-1 (have eu-west-1 ami-0eu)"
    );
    let blockers = promote_blockers(&lc, Stage::Creation, "bob", &wanted);
    assert!(matches!(&blockers[0], ApprovalRefusal::FourEyes(_)));
    assert!(
        matches!(&blockers[1], ApprovalRefusal::Checklist { failing } if failing.len() == 2),
        "{blockers:?}"
    );
    // Smoke tests failed and QA not decided.
    let early = Fixture::with_creation(&[C, F]).build();
    let lines = checklist(&early, Stage::Creation, &policy(false), "carol");
    let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
    assert_eq!(text[0], "✘ smoke tests SMOKE_TESTS failed");
    assert_eq!(text[2], "✘ QA          not certified yet");
    assert_eq!(text[3], "✘ regions     no AMI recorded for this stage");
    assert_eq!(lines.len(), 4, "four eyes off: no line for it");
}

#[test]
fn a_patch_is_checked_against_the_build_regions_and_the_creations_certification() {
    let lc = Fixture::in_production()
        .actor(creation(RESPONSE), "bob")
        .amis(
            Stage::Creation,
            &[("eu-west-1", "ami-a"), ("us-east-1", "ami-b")],
        )
        .patch(&[C, C, C, N])
        .amis(Stage::Patch(1), &[("eu-west-1", "ami-p")])
        .build();
    let lines = checklist(&lc, Stage::Patch(1), &policy(true), "bob");
    let qa = lines.iter().find(|c| c.name == "QA").unwrap();
    assert!(
        qa.ok && qa.detail.contains("a patch cycle has no QA step"),
        "{qa:?}"
    );
    let regions = lines.iter().find(|c| c.name == "regions").unwrap();
    assert!(!regions.ok);
    assert_eq!(regions.detail, "no AMI in us-east-1 (have eu-west-1 ami-p)");
    assert_eq!(
        lc.record(patch(1, EventKind::SmokeTests)).unwrap().status,
        C
    );
}

#[test]
fn the_gate_lets_through_refuses_or_records_an_override_with_its_reason() {
    let lc = certified("alice", "bob", 0);
    let blockers = || decide_blockers(&lc, "alice", &policy(true));
    // Nothing in the way: no override recorded, even when one is given.
    assert_eq!(gate(Vec::new(), None, "alice", t0()), Ok(None));
    assert_eq!(gate(Vec::new(), Some("why"), "alice", t0()), Ok(None));
    // In the way: the first blocker refuses.
    assert_eq!(
        gate(blockers(), None, "alice", t0()),
        Err(blockers()[0].clone())
    );
    // An override needs a reason, always.
    for blank in ["", "   "] {
        assert_eq!(
            gate(blockers(), Some(blank), "alice", t0()),
            Err(ApprovalRefusal::OverrideReasonRequired)
        );
        assert_eq!(
            gate(Vec::new(), Some(blank), "alice", t0()),
            Err(ApprovalRefusal::OverrideReasonRequired)
        );
    }
    let mark = gate(blockers(), Some(" P1 hotfix, bob on leave "), "alice", t0())
        .unwrap()
        .unwrap();
    assert_eq!(mark.by, "alice");
    assert_eq!(mark.reason, "P1 hotfix, bob on leave");
    assert_eq!(mark.at, t0());
    assert_eq!(
        mark.overridden,
        ["four eyes: alice requested QA of this AMI, so someone else certifies or rejects it"]
    );
    // Stored under `override` on the record, and read back.
    let mut record = lc.record(creation(RESPONSE)).unwrap().clone();
    record.approval_override = Some(Box::new(mark.clone()));
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["override"]["reason"], "P1 hotfix, bob on leave");
    let back: crate::lifecycle::EventRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back.approval_override, Some(Box::new(mark)));
}

// Trust (issue 19), item 1: four eyes compares principals, and an actor
// that cannot be compared blocks instead of letting the step through.

const ALICE_USER: &str = "arn:aws:iam::123456789012:user/alice";
const ALICE_UNDER_A_ROLE: &str = "arn:aws:sts::123456789012:assumed-role/Release/Alice";
const BOB_USER: &str = "arn:aws:iam::123456789012:user/bob";
const SESSION_UNKNOWN: &str = "arn:aws:sts::123456789012:assumed-role/Admin/unknown";

fn mismatch(lc: &Lifecycle, step: Step, caller: &str) -> Option<Mismatch> {
    check_four_eyes(lc, step, Stage::Creation, caller, true).map(|r| r.mismatch)
}

#[test]
fn trust_01_same_user_cannot_take_both_steps() {
    let lc = certified(ALICE_USER, BOB_USER, 0);
    assert_eq!(
        mismatch(&lc, Step::Decide, ALICE_USER),
        Some(Mismatch::SamePerson)
    );
    assert_eq!(
        mismatch(&lc, Step::Promote, BOB_USER),
        Some(Mismatch::SamePerson)
    );
    assert_eq!(mismatch(&lc, Step::Promote, ALICE_USER), None);
    // People read the short form.
    let text = decide_blockers(&lc, ALICE_USER, &policy(true))[0].to_string();
    assert!(text.starts_with("four eyes: alice requested QA"), "{text}");
}

#[test]
fn trust_01_same_person_under_a_role_is_the_same_person() {
    let lc = certified(ALICE_USER, BOB_USER, 0);
    assert_eq!(
        mismatch(&lc, Step::Decide, ALICE_UNDER_A_ROLE),
        Some(Mismatch::SamePerson)
    );
    // A record written before amiboard kept ARNs compares by name.
    let old = certified("alice", "bob", 0);
    assert_eq!(
        mismatch(&old, Step::Decide, ALICE_UNDER_A_ROLE),
        Some(Mismatch::SamePerson)
    );
    assert_eq!(mismatch(&old, Step::Decide, BOB_USER), None);
}

#[test]
fn trust_01_session_unknown_cannot_certify() {
    // A role session named `unknown` is a person called unknown: the same
    // session cannot certify its own request.
    let lc = certified(SESSION_UNKNOWN, BOB_USER, 0);
    assert_eq!(
        mismatch(&lc, Step::Decide, SESSION_UNKNOWN),
        Some(Mismatch::SamePerson)
    );
    assert_eq!(mismatch(&lc, Step::Decide, BOB_USER), None);
    let certified_by_it = certified(ALICE_USER, SESSION_UNKNOWN, 0);
    assert_eq!(
        mismatch(&certified_by_it, Step::Promote, SESSION_UNKNOWN),
        Some(Mismatch::SamePerson)
    );
}

#[test]
fn trust_01_an_earlier_actor_that_cannot_be_compared_blocks_unless_overridden() {
    for stored in ["unknown", "UNKNOWN", "", "  ", "arn:aws:sts::1:"] {
        let lc = certified(stored, stored, 0);
        for step in [Step::Decide, Step::Promote] {
            assert_eq!(
                mismatch(&lc, step, BOB_USER),
                Some(Mismatch::EarlierUnknown),
                "{stored:?} {step:?}"
            );
        }
        let blockers = decide_blockers(&lc, BOB_USER, &policy(true));
        assert!(gate(blockers.clone(), None, BOB_USER, t0()).is_err());
        let mark = gate(blockers, Some("alice left"), BOB_USER, t0());
        assert!(matches!(mark, Ok(Some(_))), "{stored:?}: {mark:?}");
    }
    // No actor recorded at all blocks too.
    let mut lc = certified("alice", "bob", 0);
    lc.record_mut(creation(REQUEST)).unwrap().actor = None;
    let refused = check_four_eyes(&lc, Step::Decide, Stage::Creation, BOB_USER, true).unwrap();
    assert_eq!(refused.mismatch, Mismatch::EarlierUnknown);
    assert_eq!(
        refused.to_string(),
        "four eyes: who requested QA of this AMI is not known (recorded: \"nobody recorded\"), so amiboard cannot tell them from you"
    );
    // The checklist's four-eyes line says so.
    let stored_unknown = certified("alice", "unknown", 0);
    let lines = checklist(&stored_unknown, Stage::Creation, &policy(true), BOB_USER);
    let four_eyes = lines.iter().find(|c| c.name == "four eyes").unwrap();
    assert!(!four_eyes.ok, "{four_eyes:?}");
}

#[test]
fn trust_01_no_identity_is_refused() {
    let lc = certified(ALICE_USER, BOB_USER, 0);
    for nobody in ["unknown", ""] {
        for step in [Step::Decide, Step::Promote] {
            assert_eq!(
                mismatch(&lc, step, nobody),
                Some(Mismatch::CallerUnknown),
                "{nobody:?} {step:?}"
            );
        }
    }
}

#[test]
fn trust_05_a_certification_through_break_glass_is_flagged_on_the_checklist() {
    let mut lc = certified("alice", "alice", 0);
    lc.record_mut(creation(RESPONSE)).unwrap().approval_override =
        Some(Box::new(crate::lifecycle::approvals::ApprovalOverride {
            by: ALICE_USER.into(),
            reason: "bob is on leave".into(),
            at: t0(),
            overridden: vec!["four eyes: alice requested QA".into()],
        }));
    let lines = checklist(&lc, Stage::Creation, &policy(true), BOB_USER);
    let qa = lines.iter().find(|c| c.name == "QA").unwrap();
    assert!(
        qa.detail.ends_with(
            "; ⚠ override by alice at 2024-01-02 03:04 UTC: bob is on leave (over: four eyes: alice requested QA)"
        ),
        "{qa:?}"
    );
}
