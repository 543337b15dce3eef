//! `amiboard completions SHELL` and `amiboard man`: generated from the clap
//! definitions, so they list exactly the commands and flags the binary has.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CliError};

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: Shell) -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "amiboard", &mut out);
    write_out(&out)
}

/// Shows the man page (through a pager on a terminal, roff otherwise:
/// `cli::man`), or, with `dir`, writes one page
/// per command into that directory (`amiboard.1`, `amiboard-list.1`, …),
/// ready for a `man1` directory.
pub fn man(dir: Option<&Path>) -> Result<(), CliError> {
    let Some(dir) = dir else {
        return super::man::show(&super::man::main_page(Cli::command())?);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    let root = Cli::command();
    let mut pages = vec![("amiboard".to_string(), super::man::main_page(root.clone())?)];
    for sub in root.get_subcommands() {
        let name = format!("amiboard-{}", sub.get_name());
        pages.push((name.clone(), render(sub.clone().name(name))?));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, page)
            .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
        written.push(path.display().to_string());
    }
    write_out(format!("{}\n", written.join("\n")).as_bytes())
}

fn render(command: clap::Command) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut out)
        .map_err(|e| CliError::failure(format!("cannot render the man page: {e}")))?;
    Ok(out)
}

pub fn write_out(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`amiboard man | head`) is not an error worth a line.
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
