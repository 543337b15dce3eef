//! The command line: arguments (clap) and one function per subcommand.
