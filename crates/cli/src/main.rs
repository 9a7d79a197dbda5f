//! `gatehouse`: the Gatehouse command line. Scans text with the guard, evaluates the
//! guard on a labelled corpus, checks policies, runs the Lambda handlers in-process
//! and the guarded flow as a demo. Each command lives in
//! its own module; this file only parses the command line and dispatches.

mod common;
mod demo;
mod demo_flow;
mod demo_review;
mod eval;
mod format;
mod invoke;
mod local_audit;
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
    /// Run the guarded flow locally on events/ (pre-process, replayed agent, validate,
    /// review, audit) and print it as a trace; --samples scans the sample texts instead.
    Demo(demo_flow::Args),
    /// Run a Lambda function's real handler in-process on an event file.
    Invoke(invoke::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Policy(cmd) => policy::run(&cmd),
        Command::Demo(args) if args.samples => demo::run(&demo::Args {
            policy: common::PolicyArg {
                policy: args.policy,
            },
        }),
        Command::Demo(args) => return demo_flow::run(&args),
        Command::Invoke(args) => return invoke::run(&args),
    };
    common::exit(result)
}
