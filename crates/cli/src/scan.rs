//! `gatehouse scan`: one text with a readable verdict, or a stream of JSON lines.

mod jsonl;

use std::io::{BufReader, BufWriter, Read as _, Write as _};

use anyhow::Context as _;
use gatehouse_core::{Decision, ScanContext, ScanRequest, Stage};

use crate::common::{Outcome, PolicyArg, StageArg};

/// Arguments of `gatehouse scan`.
#[derive(Debug, clap::Args)]
#[command(after_help = SCAN_HELP)]
pub(crate) struct Args {
    /// Which stage's rules to run.
    #[arg(long, value_enum, default_value = "prompt")]
    stage: StageArg,
    #[command(flatten)]
    policy: PolicyArg,
    /// The caller's role, for the policy's per-role overrides.
    #[arg(long, value_name = "R")]
    role: Option<String>,
    /// A value that must not appear in the text (output stage; repeatable).
    #[arg(long = "secret", value_name = "VALUE")]
    secrets: Vec<String>,
    /// Read JSON lines `{"id":..,"text":..}` from stdin and write one verdict line per input.
    #[arg(long, conflicts_with_all = ["text", "json"])]
    jsonl: bool,
    /// Print the verdict of TEXT as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The text to scan; read from stdin when absent (and --jsonl is not given).
    text: Option<String>,
}

const SCAN_HELP: &str = "\
With TEXT (or text on stdin), prints the decision, the score, each finding (rule,
category, severity, byte span, the matched excerpt, reason) and the redacted text.

With --jsonl, reads one JSON object per line from stdin: `id` (any JSON value, echoed
back), `text` (required); with --stage output, `secret` (string) or `secrets` (array
of strings) name values that must not leak. Other fields are ignored; blank lines are
skipped. Writes one line per input, in input order:
  {\"id\":..,\"decision\":\"allow|redact|flag|review|deny\",\"score\":..,
   \"findings\":[{\"rule\":..,\"category\":..,\"severity\":..,\"start\":..,\"end\":..}],
   \"redacted\":\"..\"}
start/end are byte offsets into `text`; `redacted` is present only when the text was
rewritten. A line that cannot be read yields
  {\"id\":<id when recoverable, else null>,\"line\":N,\"error\":\"..\"}
and the run goes on. Lines longer than the policy's max_input_bytes plus 64 KiB are
reported as errors without being buffered. Memory stays constant whatever the number
of lines. Exit 0 when the stream was processed, whatever the decisions.

Exit codes:
  0  TEXT allowed (allow, redact or flag), or --jsonl stream processed
  1  error: unreadable policy or input, I/O failure
  2  command-line usage error
  3  TEXT goes to review
  4  TEXT denied";

/// Runs `gatehouse scan`.
pub(crate) fn run(args: &Args) -> anyhow::Result<Outcome> {
    let guard = args.policy.load()?;
    let stage = Stage::from(args.stage);
    if !args.secrets.is_empty() && stage != Stage::Output {
        anyhow::bail!(
            "--secret is read by --stage output only (the value that must not leak from an answer)"
        );
    }
    if args.jsonl {
        let opts = jsonl::Options {
            stage,
            role: args.role.as_deref(),
            secrets: &args.secrets,
        };
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        jsonl::run(
            &guard,
            &opts,
            BufReader::with_capacity(64 * 1024, stdin),
            BufWriter::with_capacity(64 * 1024, stdout),
        )
        .context("jsonl stream")?;
        return Ok(Outcome::Success);
    }

    let text = match &args.text {
        Some(t) => t.clone(),
        None => read_stdin(guard.policy().limits.max_input_bytes)?,
    };
    let ctx = ScanContext {
        secrets: args.secrets.clone(),
        ..ScanContext::default()
    };
    let req = ScanRequest {
        stage,
        text: &text,
        role: args.role.as_deref(),
        ctx: &ctx,
    };
    let verdict = guard.scan(&req);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &verdict)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", crate::format::verdict(&text, &verdict))?;
    }
    out.flush()?;
    Ok(match verdict.decision {
        Decision::Allow | Decision::Redact | Decision::Flag => Outcome::Success,
        Decision::Review => Outcome::Review,
        Decision::Deny => Outcome::Deny,
    })
}

/// Reads stdin, at most a few bytes past the limit: a text over the limit is handed on
/// cut after a whole character past it, so the guard refuses it as too large (the cut
/// can fall inside a multi-byte character, which is then not an encoding error), and a
/// note on stderr says it was not read to its end.
fn read_stdin(limit: usize) -> anyhow::Result<String> {
    // One UTF-8 character is at most 4 bytes: the first `limit + 4` bytes hold at
    // least one whole character past the limit.
    const MAX_CHAR: usize = 4;
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit.saturating_add(MAX_CHAR)).unwrap_or(u64::MAX);
    std::io::stdin()
        .lock()
        .take(cap)
        .read_to_end(&mut bytes)
        .context("reading stdin")?;
    let over = bytes.len() > limit;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) if over && e.utf8_error().valid_up_to() > limit => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).context("stdin")?
        }
        Err(_) => anyhow::bail!("stdin is not valid UTF-8"),
    };
    if over {
        eprintln!(
            "note: stdin is over the policy's max_input_bytes ({limit} bytes); it was read no further than {} bytes",
            text.len()
        );
    }
    Ok(text)
}
