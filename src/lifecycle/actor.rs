//! Who acted: records keep the caller's full STS ARN; four eyes compares
//! the people those ARNs name ([`person`]), and people read a short form
//! ([`short`]). Names stored before amiboard kept ARNs compare as names,
//! except `unknown` and the empty string, which name nobody.

/// The person an actor names, for comparing two actors: an assumed-role
/// session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`) is the person
/// SESSION, whatever the role (a session named `unknown` is a person called
/// unknown); an IAM user (`arn:aws:iam::ACCT:user/PATH/NAME`) or a federated
/// user is its NAME; the root user is `root@ACCT`; a name that is not an ARN
/// (what records kept before) is itself. Compared without case
/// (`Alice@Example.com` is `alice@example.com`). `None`: the actor cannot be
/// compared with anyone (empty, `unknown` that is not an ARN, an ARN
/// without a name).
pub fn person(actor: &str) -> Option<String> {
    let actor = actor.trim();
    let Some(rest) = actor.strip_prefix("arn:") else {
        let name = actor.to_lowercase();
        return (!name.is_empty() && name != "unknown").then_some(name);
    };
    // partition:service:region:account:resource
    let mut parts = rest.splitn(5, ':');
    let account = parts.nth(3)?;
    let resource = parts.next()?;
    if resource == "root" {
        return (!account.is_empty()).then(|| format!("root@{account}"));
    }
    let name = resource.rsplit('/').next().unwrap_or(resource);
    let name = name.trim().to_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Whether two actors are the same known person (see [`person`]).
pub fn same_person(a: &str, b: &str) -> bool {
    matches!((person(a), person(b)), (Some(a), Some(b)) if a == b)
}

/// How people read an actor: `NAME` for an IAM or federated user,
/// `ROLE/SESSION` for an assumed role, `root@ACCT` for the root user, any
/// other ARN's resource; a name that is not an ARN as it is.
pub fn short(actor: &str) -> String {
    let trimmed = actor.trim();
    let Some(rest) = trimmed.strip_prefix("arn:") else {
        return actor.to_string();
    };
    let mut parts = rest.splitn(5, ':');
    let account = parts.nth(3).unwrap_or_default();
    let Some(resource) = parts.next().filter(|r| !r.is_empty()) else {
        return actor.to_string();
    };
    if resource == "root" {
        return format!("root@{account}");
    }
    if let Some(role_session) = resource.strip_prefix("assumed-role/") {
        return role_session.to_string();
    }
    for kind in ["user/", "federated-user/"] {
        if resource.starts_with(kind) {
            return resource.rsplit('/').next().unwrap_or(resource).to_string();
        }
    }
    resource.to_string()
}

#[cfg(test)]
mod tests {
    use super::{person, same_person, short};

    #[test]
    fn a_session_named_unknown_is_a_person_a_stored_unknown_is_nobody() {
        assert_eq!(
            person("arn:aws:sts::1:assumed-role/Admin/unknown").as_deref(),
            Some("unknown")
        );
        assert!(same_person(
            "arn:aws:sts::1:assumed-role/Admin/unknown",
            "arn:aws:sts::1:assumed-role/QA/UNKNOWN"
        ));
        for nobody in [
            "unknown",
            "UNKNOWN",
            " Unknown ",
            "",
            "  ",
            "arn:",
            "arn:aws:sts::1:",
        ] {
            assert_eq!(person(nobody), None, "{nobody:?}");
        }
    }

    #[test]
    fn the_short_form_names_the_user_or_the_role_and_session() {
        let rows = [
            ("arn:aws:iam::123456789012:user/teams/bob", "bob"),
            (
                "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com",
                "Admin/alice@example.com",
            ),
            ("arn:aws:sts::123456789012:federated-user/carol", "carol"),
            ("arn:aws:iam::123456789012:root", "root@123456789012"),
            ("alice", "alice"),
            ("", ""),
        ];
        for (actor, want) in rows {
            assert_eq!(short(actor), want, "{actor}");
        }
    }
}
