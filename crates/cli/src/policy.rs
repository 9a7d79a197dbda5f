//! `gatehouse policy`: check a policy file, print the embedded default.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use gatehouse_core::{Guard, Policy, PolicyError, Stage};

use crate::common::Outcome;

/// `gatehouse policy <command>`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Validate a policy file (YAML, or JSON when named *.json): parse it, check it and
    /// compile every rule. Prints each error with the path of the bad field; exit 1 on error.
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// Print the embedded default policy (YAML), a starting point for your own.
    PrintDefault,
    /// Convert an Amazon Bedrock Guardrails configuration (the JSON body of a
    /// CreateGuardrail request) into a policy: printed as YAML (or written to --out),
    /// with what could not be mapped listed on stderr.
    ImportGuardrail {
        /// The CreateGuardrail JSON file.
        file: PathBuf,
        /// Write the policy here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Runs `gatehouse policy`.
pub(crate) fn run(cmd: &Command) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Check { file } => Ok(check(file)),
        Command::PrintDefault => {
            let mut out = std::io::stdout().lock();
            out.write_all(gatehouse_core::policy::DEFAULT_POLICY_YAML.as_bytes())?;
            out.flush()?;
            Ok(Outcome::Success)
        }
        Command::ImportGuardrail { file, out } => import_guardrail(file, out.as_deref()),
    }
}

fn import_guardrail(
    file: &std::path::Path,
    out: Option<&std::path::Path>,
) -> anyhow::Result<Outcome> {
    let name = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{name}`: {e}");
            return Ok(Outcome::Failed);
        }
    };
    let imported = match gatehouse_core::guardrail_import::import_guardrail(&text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: `{name}`: {}", describe(&e));
            return Ok(Outcome::Failed);
        }
    };
    for w in &imported.warnings {
        eprintln!("warning: `{name}`: {w}");
    }
    let mut yaml = format!(
        "# Imported from the Bedrock guardrail `{name}` by `gatehouse policy import-guardrail`.\n"
    );
    for (what, msg) in [
        ("input", &imported.messaging.input),
        ("output", &imported.messaging.output),
    ] {
        if let Some(m) = msg {
            yaml.push_str(&format!(
                "# Blocked {what} message: {}\n",
                m.replace(['\n', '\r'], " ")
            ));
        }
    }
    yaml.push_str(&serde_yaml::to_string(&imported.policy)?);
    match out {
        Some(path) => {
            std::fs::write(path, yaml)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!("wrote `{}`", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(yaml.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(Outcome::Success)
}

fn check(file: &std::path::Path) -> Outcome {
    let name = file.display();
    let result = Policy::from_file(file).and_then(|p| Guard::new(&p).map(|g| (p, g)));
    match result {
        Ok((policy, _guard)) => {
            let counts: Vec<String> = Stage::ALL
                .iter()
                .map(|s| {
                    let rules = policy
                        .stages
                        .get(*s)
                        .rules
                        .iter()
                        .filter(|r| r.enabled)
                        .count();
                    format!("{s}: {rules} rule{}", if rules == 1 { "" } else { "s" })
                })
                .collect();
            let roles = if policy.roles.is_empty() {
                "no roles".to_owned()
            } else {
                let names: Vec<&str> = policy.roles.keys().map(String::as_str).collect();
                let required = if policy.require_role {
                    ", one required"
                } else {
                    ""
                };
                format!("roles: {}{required}", names.join(", "))
            };
            let roles = match &policy.shadow {
                Some(sh) => {
                    let n = sh.stages.prompt.rules.len()
                        + sh.stages.untrusted.rules.len()
                        + sh.stages.output.rules.len();
                    format!("{roles}; a shadow policy of {n} rules, recorded, never enforced")
                }
                None => roles,
            };
            let line = format!(
                "ok: `{name}` is a valid policy ({}; {roles})\n",
                counts.join(", ")
            );
            match crate::common::print_stdout(&line) {
                Ok(()) => Outcome::Success,
                Err(e) => {
                    eprintln!("error: cannot write: {e}");
                    Outcome::Failed
                }
            }
        }
        Err(e) => {
            eprintln!("error: `{name}`: {}", describe(&e));
            Outcome::Failed
        }
    }
}

/// One line per error, path first so it reads like a compiler diagnostic.
fn describe(e: &PolicyError) -> String {
    match e {
        PolicyError::Invalid { path, message } if path.is_empty() || path == "." => {
            format!("invalid policy: {message}")
        }
        PolicyError::Invalid { path, message } => {
            format!("at `{path}`: {message}")
        }
        PolicyError::Rule {
            rule,
            path,
            message,
        } => {
            format!("at `{path}`: rule `{rule}`: {message}")
        }
        other => other.to_string(),
    }
}
