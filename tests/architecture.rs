//! Keeps the layering true: each top-level module of `src/` may import only
//! the modules the matrix allows (docs/architecture.md). Every `crate::` path
//! of a module's non-test files counts, `use` lines and full paths written
//! inside function bodies alike. There is no exception list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which top-level modules each module may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("lifecycle", &[]),
    ("config", &[]),
    ("aws", &["lifecycle"]),
    ("ops", &["lifecycle", "aws", "config"]),
    ("app", &["lifecycle", "ops", "config"]),
    ("ui", &["app", "lifecycle", "config"]),
    ("cli", &["lifecycle", "aws", "ops", "config", "app", "ui"]),
];

/// External crates the pure domain must not use.
const IMPURE_CRATES: &[&str] = &[
    "tokio",
    "tokio_util",
    "ratatui",
    "crossterm",
    "aws_config",
    "aws_sdk_dynamodb",
    "aws_sdk_imagebuilder",
    "aws_sdk_sfn",
    "aws_sdk_sns",
    "aws_sdk_sqs",
    "aws_sdk_sts",
    "aws_smithy_types",
    "aws_smithy_runtime_api",
    "async_trait",
    "futures",
];

const MAX_LINES: usize = 500;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module names declared `#[cfg(test)] mod name;` in a file.
fn test_module_declarations(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line != "#[cfg(test)]" {
            continue;
        }
        // The declaration may follow other attributes (`#[path = ...]`).
        for next in lines.iter().skip(i + 1) {
            if next.starts_with("#[") {
                continue;
            }
            let decl = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            if let Some(name) = decl
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'))
            {
                names.push(name.trim().to_string());
            }
            break;
        }
    }
    names
}

/// The `#[path = "..."]` file of a test module, if the declaration has one.
fn test_module_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut in_test = false;
    for line in text.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            in_test = true;
            continue;
        }
        if in_test {
            if let Some(rest) = line.strip_prefix("#[path = \"") {
                if let Some(path) = rest.strip_suffix("\"]") {
                    paths.push(path.to_string());
                }
                continue;
            }
            in_test = false;
        }
    }
    paths
}

/// Every file that is test code: declared under `#[cfg(test)]` (and all of
/// a test module's folder), or in a `tests` folder.
fn test_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut tests = BTreeSet::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        // A non-mod.rs file's children live in a folder named after it.
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let child_dir = if matches!(stem, "mod" | "lib" | "main") {
            dir.clone()
        } else {
            dir.join(stem)
        };
        for name in test_module_declarations(&text) {
            tests.insert(child_dir.join(format!("{name}.rs")));
            tests.insert(child_dir.join(&name).join("mod.rs"));
            let mut inner = Vec::new();
            rust_files(&child_dir.join(&name), &mut inner);
            tests.extend(inner);
        }
        for path in test_module_paths(&text) {
            tests.insert(dir.join(path));
        }
    }
    for file in files {
        if file.components().any(|c| c.as_os_str() == "tests") {
            tests.insert(file.clone());
        }
    }
    tests
}

/// The text of a file without its inline `#[cfg(test)] mod name { ... }`
/// blocks (by convention they close the file).
fn without_inline_tests(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if next.starts_with("mod ") && next.ends_with('{') {
                break;
            }
        }
        kept.push(lines[i]);
        i += 1;
    }
    kept.join("\n")
}

/// Strips `//` comments (doc comments mention paths that are not imports).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a source text names through `crate::`.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let text = without_comments(text);
    let mut found = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, ...}`
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

/// The external crates a source text names (`use x::` or `x::` paths).
fn names_crate(text: &str, krate: &str) -> bool {
    let text = without_comments(text);
    let needle = format!("{krate}::");
    text.match_indices(&needle).any(|(at, _)| {
        !text[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

fn top_module(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The Rust files of source, tests and examples.
fn every_rust_file(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples"] {
        rust_files(&root.join(dir), &mut files);
    }
    files
}

fn production_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let tests = test_files(&files);
    files
        .into_iter()
        .filter(|f| !tests.contains(f))
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f).ok()?;
            Some((f, without_inline_tests(&text)))
        })
        .collect()
}

#[test]
fn every_module_imports_only_what_the_matrix_allows() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut violations = Vec::new();
    let mut seen = BTreeSet::new();
    for (file, text) in production_files() {
        let Some(module) = top_module(&file) else {
            continue;
        };
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        seen.insert(module.clone());
        let Some(may) = allowed.get(module.as_str()) else {
            violations.push(format!(
                "{}: top-level module `{module}` is not in the matrix; add it to ALLOWED and docs/architecture.md",
                file.display()
            ));
            continue;
        };
        for imported in crate_modules(&text) {
            if imported != module && !may.contains(&imported.as_str()) {
                violations.push(format!(
                    "{}: `{module}` imports `crate::{imported}`",
                    file.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
    for module in allowed.keys() {
        assert!(
            seen.contains(*module),
            "no source file found for `{module}`"
        );
    }
}

#[test]
fn the_domain_uses_no_runtime_terminal_or_aws_crate() {
    let mut violations = Vec::new();
    for (file, text) in production_files() {
        if top_module(&file).as_deref() != Some("lifecycle") {
            continue;
        }
        for krate in IMPURE_CRATES {
            if names_crate(&text, krate) {
                violations.push(format!("{}: uses `{krate}`", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn unsafe_code_is_only_the_one_allocator_call() {
    // Cargo.toml denies `unsafe_code`; `app::memory` expects it once, for
    // glibc's malloc_trim. Any other `unsafe` (a block, fn, impl or trait,
    // in source, tests or examples) fails here.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = every_rust_file(root);
    let mut found = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let code = without_comments(&text);
        // Spelled apart, so this file does not find itself.
        let keyword = concat!("un", "safe");
        let uses = [" {", " fn", " impl", " trait", " extern"]
            .iter()
            .map(|after| code.matches(&format!("{keyword}{after}")).count())
            .sum::<usize>();
        if uses > 0 {
            let rel = file.strip_prefix(root).unwrap_or(file);
            found.push(format!("{}: {uses}", rel.display()));
        }
    }
    assert_eq!(found, vec!["src/app/memory.rs: 1".to_string()]);
}

#[test]
fn no_rust_file_is_over_500_lines() {
    // Source, tests and examples alike.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = every_rust_file(root);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

#[test]
fn the_active_stage_is_derived_only_in_the_domain() {
    // `Lifecycle::active_stage` is the one place; nothing else re-derives it.
    let mut violations = Vec::new();
    for (file, text) in production_files() {
        if top_module(&file).as_deref() == Some("lifecycle") {
            continue;
        }
        let flat: String = text.split_whitespace().collect();
        if flat.contains(".latest_patch().map_or(Stage::Creation") {
            violations.push(file.display().to_string());
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scanner_sees_every_kind_of_path() {
    let text = "use crate::lifecycle::Lifecycle;\n\
                use crate::{aws::Clients, ops};\n\
                // crate::cli in a comment does not count\n\
                fn f() { let x = crate::ui::render(); }\n\
                fn g() { let y = amiboard::app::x(); }\n";
    let found = crate_modules(text);
    let expected: BTreeSet<String> = ["lifecycle", "aws", "ops", "ui"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
    assert!(names_crate("use tokio::sync;", "tokio"));
    assert!(!names_crate("use my_tokio::x;", "tokio"));
    let with_tests = "fn a() {}\n#[cfg(test)]\nmod tests {\n    use crate::ui::x;\n}\n";
    assert!(crate_modules(&without_inline_tests(with_tests)).is_empty());
    assert_eq!(
        test_module_declarations("#[cfg(test)]\n#[path = \"x_tests.rs\"]\nmod tests;\n"),
        vec!["tests".to_string()]
    );
}
