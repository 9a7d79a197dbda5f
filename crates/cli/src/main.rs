//! `gatehouse`: the Gatehouse command line. Scans text with the guard, evaluates the
//! guard on a labelled corpus, checks policies and runs the demo. Each command lives in
//! its own module; this file only parses the command line and dispatches.

mod common;
mod demo;
mod eval;
mod format;
mod policy;
mod scan;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Guard Bedrock agents: screen prompts, untrusted text and model output.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about, after_help = common::EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan one text (argument or stdin), or a stream of JSON lines (--jsonl).
    Scan(scan::Args),
    /// Measure recall, false-positive rate and precision on a labelled JSONL corpus.
    Eval(eval::Args),
    /// Validate a policy file, print the embedded default policy, or import a Bedrock guardrail.
    #[command(subcommand)]
    Policy(policy::Command),
    /// Scan the embedded sample prompts and model outputs and print the verdicts.
    Demo(demo::Args),
    // [commands from other crates] `invoke <function> --event FILE` (issue 3) goes here,
    // with its arm in `run` below; `demo` above is a stand-in the lead replaces.
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Policy(cmd) => policy::run(&cmd),
        Command::Demo(args) => demo::run(&args),
    };
    common::exit(result)
}
