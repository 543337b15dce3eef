//! Which named profiles the shared AWS files define: `[default]` and
//! `[profile NAME]` in the config file, `[NAME]` in the credentials file
//! (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/…`),
//! so that a switch to a profile nobody defined is refused by name instead
//! of falling through to other credentials.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The section names of one shared file: `profile X` read as `X` in the
/// config file (`[default]` is `default` in both).
pub fn sections(text: &str, config_file: bool) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let inner = line.strip_prefix('[')?.strip_suffix(']')?.trim();
            let name = if config_file {
                match inner.strip_prefix("profile") {
                    Some(rest) if rest.starts_with(char::is_whitespace) => rest.trim(),
                    _ if inner == "default" => inner,
                    // `[sso-session X]`, `[services X]`: not profiles.
                    _ => return None,
                }
            } else {
                inner
            };
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

fn file(var: &str, default: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".aws").join(default))
}

/// Every profile the shared config and credentials files define (files
/// that cannot be read define none).
pub fn known() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (var, default, config_file) in [
        ("AWS_CONFIG_FILE", "config", true),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials", false),
    ] {
        if let Some(text) = file(var, default).and_then(|p| std::fs::read_to_string(p).ok()) {
            names.extend(sections(&text, config_file));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_both_files_shapes() {
        let config =
            "[default]\nregion = eu-west-1\n[profile prod-admin]\n[sso-session corp]\n[profile]\n";
        assert_eq!(
            sections(config, true),
            BTreeSet::from(["default".to_string(), "prod-admin".to_string()])
        );
        let credentials = "[default]\naws_access_key_id = x\n[ci]\n";
        assert_eq!(
            sections(credentials, false),
            BTreeSet::from(["ci".to_string(), "default".to_string()])
        );
    }
}
