//! What the commands share: loading the guard, the stage argument and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gatehouse_core::{Guard, Policy, Stage};

/// The exit-code table, shown at the end of `gatehouse --help` and `gatehouse scan --help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success; for `scan TEXT` the decision was allow, redact or flag
  1  error: unreadable file, invalid policy or corpus, I/O failure
  2  command-line usage error
  3  `scan TEXT`: the decision was review
  4  `scan TEXT`: the decision was deny";

/// How a command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1 without an error message of ours (the command printed its own diagnostics).
    Failed,
    /// Exit 3: `scan TEXT` decided review.
    Review,
    /// Exit 4: `scan TEXT` decided deny.
    Deny,
}

/// Turns a command's result into the process exit code, printing any error.
/// A closed stdout (`gatehouse scan --jsonl | head`) ends the run quietly.
pub(crate) fn exit(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::Review) => ExitCode::from(3),
        Ok(Outcome::Deny) => ExitCode::from(4),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Refuses a `--role` the policy does not name, for commands that report figures: every
/// row would be denied as `policy.unknown_role`, and the figures would look plausible.
/// A policy without roles ignores the role, so that is refused too; so is no role for a
/// policy that requires one.
pub(crate) fn check_role(
    guard: &gatehouse_core::Guard,
    role: Option<&str>,
    policy: &str,
) -> anyhow::Result<()> {
    let Some(role) = role else {
        if guard.policy().require_role {
            anyhow::bail!(
                "{policy} requires a role (`require_role`): pass --role, or every row is denied as `policy.missing_role`"
            );
        }
        return Ok(());
    };
    let names: Vec<&str> = guard.policy().roles.keys().map(String::as_str).collect();
    if names.contains(&role) {
        return Ok(());
    }
    if names.is_empty() {
        anyhow::bail!(
            "--role `{role}`: {policy} defines no roles, so the role would change nothing"
        );
    }
    anyhow::bail!(
        "--role `{role}`: {policy} has no such role (it has: {}); every row would be denied as `policy.unknown_role`",
        names.join(", ")
    )
}

/// Writes `text` to stdout and flushes it. A closed stdout (`gatehouse invoke … | head
/// -1`) is not an error: the reader has what it wanted, and nothing panics.
pub(crate) fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The stage argument, with its possible values listed in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StageArg {
    /// The user's prompt, before inference.
    Prompt,
    /// Tool output and retrieved documents (indirect injection).
    Untrusted,
    /// The model's answer.
    Output,
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Stage {
        match s {
            StageArg::Prompt => Stage::Prompt,
            StageArg::Untrusted => Stage::Untrusted,
            StageArg::Output => Stage::Output,
        }
    }
}

/// `--policy FILE`, shared by every command that scans.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PolicyArg {
    /// Policy file (YAML, or JSON when named *.json); the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

impl PolicyArg {
    /// Loads and compiles the policy.
    pub(crate) fn load(&self) -> anyhow::Result<Guard> {
        let policy = match &self.policy {
            Some(path) => {
                Policy::from_file(path).with_context(|| format!("policy `{}`", path.display()))?
            }
            None => Policy::embedded_default()?,
        };
        let guard = Guard::new(&policy);
        match &self.policy {
            Some(path) => guard.with_context(|| format!("policy `{}`", path.display())),
            None => Ok(guard?),
        }
    }

    /// How reports name the policy.
    pub(crate) fn label(&self) -> String {
        match &self.policy {
            Some(path) => path.display().to_string(),
            None => "embedded default".to_owned(),
        }
    }
}
