//! Tests of the keymap: defaults, names, duplicates and `[keys]` errors.

use std::collections::HashSet;

use super::*;

#[test]
fn defect_20_an_empty_quit_binding_is_refused() {
    let mut table = BTreeMap::new();
    table.insert("quit".to_string(), toml::Value::Array(Vec::new()));
    let err = Keymap::from_config(&table).expect_err("no way to quit");
    assert!(err.contains("`quit` needs at least one key"), "{err}");
    // Another command may be unbound on purpose.
    let mut table = BTreeMap::new();
    table.insert("reconcile".to_string(), toml::Value::Array(Vec::new()));
    assert!(Keymap::from_config(&table).is_ok());
}

#[test]
fn all_lists_every_command_once_in_declaration_order() {
    // `ALL` comes from the enum's own list (see `commands!`); the derived
    // `Ord` follows declaration order, so sorted and distinct means each
    // variant once, in order.
    assert!(Command::ALL.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(Command::ALL.first(), Some(&Command::Quit));
}

#[test]
fn names_are_distinct_and_read_back() {
    let names: HashSet<_> = Command::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), Command::ALL.len());
    for command in Command::ALL {
        assert_eq!(Command::from_name(command.name()), Some(command));
        assert!(!command.label().is_empty(), "{command:?} has a label");
    }
}

#[test]
fn every_default_key_parses_and_no_two_commands_share_one() {
    for command in Command::ALL {
        assert!(!command.defaults().is_empty(), "{command:?} has a key");
        for text in command.defaults() {
            assert!(Key::parse(text).is_some(), "{command:?}: `{text}`");
        }
    }
    let keymap = Keymap::default();
    assert_eq!(keymap.validate(), Ok(()));
    for command in Command::ALL {
        assert_eq!(keymap.keys(command).len(), command.defaults().len());
    }
}

#[test]
fn a_list_with_a_non_key_is_refused() {
    let table: BTreeMap<String, toml::Value> = toml::from_str("quit = [\"q\", 1]").expect("toml");
    assert_eq!(
        Keymap::from_config(&table),
        Err("[keys]: `quit` must be a key or a list of keys".to_string())
    );
}
