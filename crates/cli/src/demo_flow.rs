//! `gatehouse demo`: the guarded flow of the state machine, run locally on `events/`
//! with the real handlers in-process and no network:
//!
//! ```text
//! PreProcess (prompt-preprocessor) ── deny ──► Audit ─► Fail("PromptRejected")
//!   ▼ allow / redact / flag
//! InvokeAgent (agent-invoker with ReplayAgent: recorded responses, not Bedrock)
//!   ▼
//! PostValidate (output-validator) ── deny ──► Audit ─► blocked message
//!   ├── review ──► HumanApproval (pending: a reviewer decides)
//!   ▼ allow
//! Audit ─► respond
//! ```
//!
//! Every step writes an audit entry (JSON lines, SHA-256 hash chain, texts only as
//! hashes) to `--audit-file` (default `gatehouse-demo-audit.jsonl` in the temporary
//! directory). Redaction maps are sealed with a key made for this run.
//!
//! Wiring (for `main.rs`): `Command::Demo(args) => return demo_flow::run(&args)` (it
//! replaces the stand-in `demo`); dependencies as for [`crate::invoke`] plus `sha2`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agent_invoker::{InvokeRequest, ReplayAgent};
use gatehouse_core::spotlight::Mode;
use gatehouse_core::{Decision, Guard};
use gatehouse_runtime::seal::SealKey;
use output_validator::{REFUSAL, ValidateRequest};
use prompt_preprocessor::{PreprocessRequest, RandomBoundaries};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Arguments of `gatehouse demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy file; the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Where the audit entries go (JSON lines, overwritten).
    #[arg(long, value_name = "FILE")]
    pub audit_file: Option<PathBuf>,
}

/// One demo scenario: a pre-processor event from `events/`, plus what the validator
/// is told, and the outcome the default policy should reach.
#[derive(Debug)]
struct Scenario {
    name: &'static str,
    about: &'static str,
    event: &'static str,
    customer_id: &'static str,
    schema: Option<&'static str>,
    secrets: &'static [&'static str],
    expect: Decision,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "benign",
        about: "a customer asks where their order is",
        event: include_str!("../../../events/prompt-preprocessor/benign.json"),
        customer_id: "cust-001",
        schema: None,
        secrets: &[],
        expect: Decision::Allow,
    },
    Scenario {
        name: "injected",
        about: "a direct prompt injection",
        event: include_str!("../../../events/prompt-preprocessor/injection.json"),
        customer_id: "cust-002",
        schema: None,
        secrets: &[],
        expect: Decision::Deny,
    },
    Scenario {
        name: "indirect",
        about: "a tool output carrying an injection (indirect)",
        event: include_str!("../../../events/prompt-preprocessor/untrusted-tool-output.json"),
        customer_id: "cust-001",
        schema: None,
        secrets: &[],
        expect: Decision::Deny,
    },
    Scenario {
        name: "pii",
        about: "a prompt with an e-mail address and a phone number",
        event: include_str!("../../../events/prompt-preprocessor/pii-redact.json"),
        customer_id: "cust-001",
        schema: None,
        secrets: &[],
        expect: Decision::Redact,
    },
    Scenario {
        name: "exfil",
        about: "a harmless question whose answer leaks the canary and an exfiltration image",
        event: include_str!("../../../events/prompt-preprocessor/tracking-link.json"),
        customer_id: "cust-001",
        schema: None,
        secrets: &[],
        expect: Decision::Deny,
    },
    Scenario {
        name: "low-confidence",
        about: "a structured answer with low confidence",
        event: include_str!("../../../events/prompt-preprocessor/structured-answer.json"),
        customer_id: "cust-001",
        schema: Some("support_answer"),
        secrets: &[],
        expect: Decision::Review,
    },
];

/// Runs `gatehouse demo`.
pub(crate) fn run(args: &Args) -> ExitCode {
    match run_all(args) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs every scenario; returns the printed trace.
fn run_all(args: &Args) -> Result<String, String> {
    let policy_setting = args.policy.as_ref().map(|p| p.display().to_string());
    let guard = || -> Result<Guard, String> {
        gatehouse_runtime::policy::load_guard_from(policy_setting.as_deref())
            .map(|(g, _)| g)
            .map_err(|e| e.to_string())
    };
    let key = SealKey::generate().map_err(|e| e.to_string())?;
    let pre = prompt_preprocessor::Deps {
        guard: guard()?,
        key: Some(key.clone()),
        random: Box::new(RandomBoundaries),
        mode: Mode::Datamark,
        escalator: None,
    };
    let val = output_validator::Deps {
        guard: guard()?,
        key: Some(key),
        refusal: REFUSAL.to_owned(),
    };
    let agent = agent_invoker::Deps {
        agent: ReplayAgent::embedded().map_err(|e| e.to_string())?,
        agent_id: Some("DEMOAGENT1".into()),
        agent_alias_id: Some("DEMOALIAS1".into()),
        timeout: Duration::from_secs(5),
    };
    let path = args
        .audit_file
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("gatehouse-demo-audit.jsonl"));
    let mut audit = Audit::create(path)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Gatehouse demo: the guarded flow, run locally on events/ (no network)"
    );
    let _ = writeln!(
        out,
        "The agent is ReplayAgent, a stand-in answering from events/agent-invoker/replay/.\n"
    );
    let mut matched = 0;
    for (i, s) in SCENARIOS.iter().enumerate() {
        let _ = writeln!(
            out,
            "── {}/{} {}: {}",
            i + 1,
            SCENARIOS.len(),
            s.name,
            s.about
        );
        let outcome = rt.block_on(scenario(s, &pre, &agent, &val, &mut audit, &mut out))?;
        if outcome == s.expect {
            matched += 1;
        } else {
            let _ = writeln!(
                out,
                "   note          expected {} with the full default policy; this policy gave {outcome}",
                s.expect
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "{matched}/{} scenarios reached their expected outcome; {} audit entries (hash chain) in {}",
        SCENARIOS.len(),
        audit.count,
        audit.path.display()
    );
    Ok(out)
}

/// One pass through the flow; returns the final decision.
async fn scenario(
    s: &Scenario,
    pre: &prompt_preprocessor::Deps,
    agent: &agent_invoker::Deps<ReplayAgent>,
    val: &output_validator::Deps,
    audit: &mut Audit,
    out: &mut String,
) -> Result<Decision, String> {
    let req: PreprocessRequest =
        gatehouse_runtime::limits::parse_event_str(s.event).map_err(|e| e.to_string())?;
    let (principal, role, version) = (
        req.principal_id.clone(),
        req.role.clone(),
        req.prompt_version.clone(),
    );
    let prompt_hash = sha256(&req.prompt);
    let ids = Ids {
        request_id: req.request_id.clone().unwrap_or_default(),
        session_id: req.session_id.clone(),
        principal,
        role,
        version,
    };

    // PreProcess
    let started = Instant::now();
    let p = prompt_preprocessor::preprocess(pre, req, "demo").map_err(|e| e.to_string())?;
    let rules: Vec<String> = p
        .findings
        .iter()
        .map(|f| format!("{}@{}", f.rule, f.input))
        .collect();
    let _ = writeln!(
        out,
        "   pre-process   {:<7} score {:.2}  {}",
        p.decision.as_str(),
        p.score,
        list(&rules)
    );
    audit.write(
        &ids,
        "prompt-preprocessor",
        "pre_process",
        p.decision,
        &rules,
        json!({"input_sha256": prompt_hash}),
        started,
    )?;
    let Some(prompt) = p.prompt.clone().filter(|_| p.decision.is_allowed()) else {
        let _ = writeln!(
            out,
            "   outcome       Fail(\"PromptRejected\"): the prompt never reaches the agent"
        );
        return Ok(Decision::Deny);
    };
    if let Some(sealed) = &p.redaction {
        let _ = writeln!(
            out,
            "   redaction     {} placeholder(s) {}, map sealed (AES-256-GCM, key {})",
            sealed.placeholders.len(),
            sealed.placeholders.join(" "),
            sealed.kid
        );
    }
    if p.spotlight.is_some() {
        let _ = writeln!(
            out,
            "   spotlight     untrusted text wrapped in per-request markers and datamarked"
        );
    }
    let _ = writeln!(out, "   prompt sent   {}", preview(&prompt));

    // InvokeAgent (replay stand-in)
    let started = Instant::now();
    let call = InvokeRequest {
        prompt,
        session_id: ids.session_id.clone(),
        agent_id: None,
        agent_alias_id: None,
        session_attributes: [("customerId".to_owned(), s.customer_id.to_owned())].into(),
        prompt_session_attributes: Default::default(),
        request_id: Some(ids.request_id.clone()),
    };
    let answer = match agent_invoker::invoke(agent, call, "demo").await {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(out, "   agent         error: {e}");
            audit.write(
                &ids,
                "agent-invoker",
                "invoke_agent",
                Decision::Deny,
                &[e.to_string()],
                json!({}),
                started,
            )?;
            return Ok(Decision::Deny);
        }
    };
    let tools: Vec<String> = answer
        .tool_calls
        .iter()
        .map(|t| {
            format!(
                "{}({})",
                t.tool,
                t.parameters
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let guardrail = if answer.guardrail.intervened {
        "INTERVENED"
    } else {
        "none"
    };
    let _ = writeln!(
        out,
        "   agent         [replay] tools {}  guardrail {guardrail}",
        list(&tools)
    );
    let _ = writeln!(out, "   answer        {}", preview(&answer.completion));
    let tool_json = serde_json::to_value(&answer.tool_calls).unwrap_or_default();
    audit.write(
        &ids,
        "agent-invoker",
        "invoke_agent",
        Decision::Allow,
        &[],
        json!({"tool_calls": tool_json, "output_sha256": sha256(&answer.completion)}),
        started,
    )?;

    // PostValidate
    let started = Instant::now();
    let req = ValidateRequest {
        completion: answer.completion,
        session_id: ids.session_id.clone(),
        principal_id: ids.principal.clone(),
        role: ids.role.clone(),
        schema: s.schema.map(Value::from),
        tool_calls: answer.tool_calls,
        input_decision: Some(p.decision),
        secrets: s.secrets.iter().map(|x| (*x).to_owned()).collect(),
        request_id: Some(ids.request_id.clone()),
        prompt_version: ids.version.clone(),
        redaction: p.redaction,
    };
    let v = output_validator::validate(val, req, "demo").map_err(|e| e.to_string())?;
    let rules: Vec<String> = v.findings.iter().map(|f| f.rule.clone()).collect();
    let _ = writeln!(
        out,
        "   validate      {:<7} score {:.2}  {}",
        v.decision.as_str(),
        v.score,
        list(&rules)
    );
    audit.write(
        &ids,
        "output-validator",
        "post_validate",
        v.decision,
        &rules,
        json!({"output_sha256": sha256(&v.completion)}),
        started,
    )?;

    // Route
    let started = Instant::now();
    match v.decision {
        Decision::Deny => {
            let _ = writeln!(
                out,
                "   outcome       blocked; the user gets: {}",
                preview(&v.completion)
            );
        }
        Decision::Review => {
            let _ = writeln!(
                out,
                "   outcome       HumanApproval: pending (waitForTaskToken; a reviewer approves or rejects, timeout → deny)"
            );
        }
        _ => {
            let restored = if v.restored {
                " (placeholders restored)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "   outcome       respond{restored}: {}",
                preview(&v.completion)
            );
        }
    }
    // The flow's outcome is the strictest decision taken on the way (a redacted
    // prompt with an allowed answer is a redact).
    let outcome = p.decision.max(v.decision);
    audit.write(
        &ids,
        "state-machine",
        "outcome",
        outcome,
        &[],
        json!({}),
        started,
    )?;
    let _ = writeln!(
        out,
        "   audit         {} entries so far, chain head {}",
        audit.count,
        audit.prev.get(..12).unwrap_or_default()
    );
    Ok(outcome)
}

/// Who and what, repeated in every audit entry.
#[derive(Debug)]
struct Ids {
    request_id: String,
    session_id: String,
    principal: Option<String>,
    role: Option<String>,
    version: Option<String>,
}

/// JSON-lines audit file with a SHA-256 chain: `hash = sha256(prev_hash + entry)`,
/// the entry serialised with sorted keys and without `hash`. Texts appear only as
/// hashes. (The deployed audit-logger writes the full record to CloudWatch Logs.)
#[derive(Debug)]
struct Audit {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    prev: String,
    count: usize,
}

impl Audit {
    fn create(path: PathBuf) -> Result<Audit, String> {
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
        Ok(Audit {
            path,
            file: std::io::BufWriter::new(file),
            prev: "0".repeat(64),
            count: 0,
        })
    }

    #[expect(clippy::too_many_arguments, reason = "one audit entry's fields")]
    fn write(
        &mut self,
        ids: &Ids,
        function: &str,
        stage: &str,
        decision: Decision,
        findings: &[String],
        extra: Value,
        started: Instant,
    ) -> Result<(), String> {
        let mut entry = json!({
            "schema_version": 1,
            "timestamp": rfc3339(SystemTime::now()),
            "trace_id": format!("demo-{}", ids.request_id),
            "request_id": ids.request_id,
            "session_id": ids.session_id,
            "principal_id": ids.principal,
            "role": ids.role,
            "function": function,
            "stage": stage,
            "prompt_version": ids.version,
            "decision": decision,
            "findings": findings,
            "latency_us": u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "region": "local",
            "prev_hash": self.prev,
        });
        if let (Some(map), Value::Object(more)) = (entry.as_object_mut(), extra) {
            map.extend(more);
        }
        let body = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        let hash = sha256(&format!("{}{body}", self.prev));
        if let Some(map) = entry.as_object_mut() {
            map.insert("hash".into(), Value::from(hash.clone()));
        }
        writeln!(self.file, "{entry}")
            .and_then(|()| self.file.flush())
            .map_err(|e| format!("audit file: {e}"))?;
        self.prev = hash;
        self.count += 1;
        Ok(())
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `a, b, c` or `-`.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

/// The first line of a text, cut at 110 characters.
fn preview(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let cut: String = line.chars().take(110).collect();
    let more = cut.len() < line.len() || text.lines().nth(1).is_some();
    format!("\"{cut}{}\"", if more { "…" } else { "" })
}

/// RFC 3339 UTC with microseconds, from the Unix clock (civil-from-days, H. Hinnant).
fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_709_251_199); // leap year, end of February
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.000000Z");
    }

    #[test]
    fn demo_runs_and_chains_its_audit_entries() {
        // Given a fresh audit file
        let path =
            std::env::temp_dir().join(format!("gatehouse-demo-test-{}.jsonl", std::process::id()));
        let args = Args {
            policy: None,
            audit_file: Some(path.clone()),
        };
        // When the demo runs
        let report = run_all(&args);
        // Then every scenario printed, the injections never reached the agent
        let report = report.unwrap_or_else(|e| panic!("{e}"));
        for s in SCENARIOS {
            assert!(report.contains(&format!(" {}: ", s.name)), "{report}");
        }
        assert_eq!(
            report.matches("Fail(\"PromptRejected\")").count(),
            2,
            "{report}"
        );
        // And the audit file is a valid chain with no raw prompt text
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut prev = "0".repeat(64);
        for line in text.lines() {
            let mut v: Value = serde_json::from_str(line).unwrap_or_default();
            let hash = v["hash"].as_str().unwrap_or_default().to_owned();
            v.as_object_mut().map(|m| m.remove("hash"));
            assert_eq!(v["prev_hash"], prev.as_str());
            assert_eq!(
                sha256(&format!("{prev}{v}")),
                hash,
                "chain breaks at {line}"
            );
            prev = hash;
        }
        assert!(text.lines().count() >= 14);
        assert!(!text.contains("ana.lopez@example.com") && !text.contains("Ignore all previous"));
        let _ = std::fs::remove_file(&path);
    }
}
