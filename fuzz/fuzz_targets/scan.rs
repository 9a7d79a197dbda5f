//! Any bytes, at any stage, through the embedded default policy: the guard must not
//! panic, and every finding must name a span of the text it was given (start ≤ end ≤
//! length, both on character boundaries), since the audit record, the redaction and a
//! reviewer all read the original text through those spans.
//!
//! The first byte picks the stage; the rest, read as UTF-8 with invalid sequences
//! replaced (what the functions do with a JSON string), is the text. The output stage
//! gets secrets (a canary, a word, and a short one that takes the short-secret paths)
//! and a JSON schema, so its leak and schema checks run too.
#![no_main]

use std::sync::OnceLock;

use gatehouse_core::{Guard, ScanContext, ScanRequest, Stage};
use libfuzzer_sys::fuzz_target;

fn guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| match Guard::embedded_default() {
        Ok(g) => g,
        Err(e) => panic!("the embedded default policy must compile: {e}"),
    })
}

fn ctx() -> &'static ScanContext {
    static CTX: OnceLock<ScanContext> = OnceLock::new();
    CTX.get_or_init(|| ScanContext {
        secrets: vec![
            "canary-7f3a9c".to_owned(),
            "meadow".to_owned(),
            "q=5".to_owned(),
        ],
        schema: Some(serde_json::json!({
            "type": "object",
            "required": ["summary", "risk_score"],
            "properties": {
                "summary": { "type": "string" },
                "risk_score": { "type": "number", "minimum": 0, "maximum": 1 }
            }
        })),
        ..ScanContext::default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let stage = match first % 3 {
        0 => Stage::Prompt,
        1 => Stage::Untrusted,
        _ => Stage::Output,
    };
    let text = String::from_utf8_lossy(rest);
    let req = ScanRequest {
        stage,
        text: &text,
        role: None,
        ctx: ctx(),
    };
    let verdict = guard().scan(&req);
    for f in &verdict.findings {
        assert!(
            f.start <= f.end
                && f.end <= text.len()
                && text.is_char_boundary(f.start)
                && text.is_char_boundary(f.end),
            "finding {} has span {}..{} in a text of {} bytes",
            f.rule,
            f.start,
            f.end,
            text.len()
        );
    }
});
