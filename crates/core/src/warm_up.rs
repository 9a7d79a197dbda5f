//! Warming a compiled guard up at cold start.
//!
//! Some of a guard's work is built on first use, not by [`Guard::new`]: the injection
//! patterns' literal gate and residual set, the line sets of each stage, and the lazy
//! DFA states of ordinary text. Without a warm-up the first request of every container
//! pays for them (with the default policy about 3 ms on the first prompt scan and
//! 0.5 ms on the first untrusted one; 12–19 ms before the gate, when the first scan
//! built the pattern sets; docs/BENCHMARKS.md). [`Guard::warm_up`] pays instead, in
//! the Lambda init phase, by scanning one text written for it at each stage: an
//! on-demand cold start costs the same in all, and a container initialised ahead of its
//! first request (provisioned concurrency) serves that request without it.

use std::time::{Duration, Instant};

use crate::guard::Guard;
use crate::policy::Stage;
use crate::request::ScanRequest;

/// One warm-up text per stage: ordinary traffic, written by the Gatehouse team (no
/// corpus text). One is enough to build what every first scan of the stage builds; more
/// texts (other languages, documents) were measured to add about 9 ms to the
/// pre-processor's cold start for states that traffic builds anyway, a few microseconds
/// a request (docs/BENCHMARKS.md, eighth session).
const TEXTS: [(Stage, &str); 3] = [
    (
        Stage::Prompt,
        "Hi, I ordered a pair of walking boots last Tuesday and the tracking page has not \
         changed since Thursday. Could you tell me where my order is?",
    ),
    (
        Stage::Untrusted,
        r#"{"orderId": "ord-1001", "status": "SHIPPED", "carrier": "UPS", "items": 2}"#,
    ),
    (
        Stage::Output,
        "Your order ord-1001 shipped on Monday with UPS and should arrive by Friday.",
    ),
];

/// What a warm-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmUp {
    /// Texts scanned (the shadow policy's scans included).
    pub scans: usize,
    /// How long it took.
    pub elapsed: Duration,
}

impl Guard {
    /// Builds what a first scan would otherwise build on the hot path, by scanning
    /// the built-in warm-up texts at every stage that has rules (and in the shadow
    /// policy, if any). Call it once at cold start, after [`Guard::new`]. Scanning is
    /// pure: the verdicts are dropped and nothing else changes.
    pub fn warm_up(&self) -> WarmUp {
        let start = Instant::now();
        let mut scans = 0;
        for (stage, text) in TEXTS {
            if self.has_rules(stage) {
                let _ = self.scan(&ScanRequest::new(stage, text));
                scans += if self.shadow().is_some() { 2 } else { 1 };
            }
        }
        WarmUp {
            scans,
            elapsed: start.elapsed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decision;

    /// The warm-up texts are ordinary traffic: the default policy lets every one
    /// through, at most redacting its PII (a text that tripped an injection rule would
    /// warm up the wrong paths, and say the policy blocks customers).
    #[test]
    fn the_default_policy_lets_every_warm_up_text_through() {
        let guard = Guard::embedded_default().unwrap();
        for (stage, text) in TEXTS {
            let verdict = guard.scan(&ScanRequest::new(stage, text));
            assert!(
                matches!(verdict.decision, Decision::Allow | Decision::Redact),
                "{stage}: {text:?}\n{verdict:?}"
            );
        }
    }

    #[test]
    fn every_stage_with_rules_is_warmed_and_empty_stages_are_not() {
        let guard = Guard::embedded_default().unwrap();
        assert_eq!(guard.warm_up().scans, TEXTS.len());
        let mut policy = crate::Policy::embedded_default().unwrap();
        policy.stages.untrusted.rules.clear();
        policy.stages.output.rules.clear();
        let prompt_only = Guard::new(&policy).unwrap();
        let prompts = TEXTS.iter().filter(|(s, _)| *s == Stage::Prompt).count();
        assert_eq!(prompt_only.warm_up().scans, prompts);
    }
}
