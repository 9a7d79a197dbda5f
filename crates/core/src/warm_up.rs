//! Warming a compiled guard up at cold start.
//!
//! Some of a guard's work is built on first use, not by [`Guard::new`]: the injection
//! patterns' sets (their NFAs, about 12 ms with the default policy, docs/BENCHMARKS.md)
//! and the lazy DFA states that ordinary text walks through. Without a warm-up the
//! first request of every container pays for them. [`Guard::warm_up`] pays instead,
//! during the Lambda init phase, by scanning a few texts written for it.

use std::time::{Duration, Instant};

use crate::guard::Guard;
use crate::policy::Stage;
use crate::request::ScanRequest;

/// The warm-up texts of each stage: what ordinary traffic looks like, written by the
/// Gatehouse team (no corpus text), in the languages the phrase sets cover.
const TEXTS: [(Stage, &str); 12] = [
    (
        Stage::Prompt,
        "Hi, I ordered a pair of walking boots last Tuesday and the tracking page has not \
         changed since Thursday. Could you tell me where my order is, and whether I can \
         change the delivery address to my office? Thanks for your help!",
    ),
    (
        Stage::Prompt,
        "Can you summarise the attached report in three bullet points and suggest a title? \
         Please keep it short and write it in a friendly tone for the team newsletter.",
    ),
    (
        Stage::Prompt,
        "Hola, quiero saber cuándo llegará mi pedido. Bonjour, pouvez-vous m'aider avec ma \
         commande ? Hallo, wo ist meine Bestellung? Ciao, dov'è il mio ordine? Olá, onde \
         está a minha encomenda?",
    ),
    (
        Stage::Prompt,
        "Здравствуйте, где мой заказ? 你好，我的订单什么时候到？ こんにちは、注文の状況を教えてください。",
    ),
    (
        Stage::Prompt,
        "def total(items):\n    return sum(i.price * i.qty for i in items)\n\nWhy does this \
         raise a TypeError when qty is a string?",
    ),
    (
        Stage::Untrusted,
        r#"{"orderId": "ord-1001", "status": "SHIPPED", "carrier": "UPS", "items": 2, "eta": "2026-12-05"}"#,
    ),
    (
        Stage::Untrusted,
        "Section 4.2 Returns. Items may be returned within thirty days of delivery provided \
         that they are unused and in their original packaging.\n| SKU | Description | Qty |\n\
         | 1001 | Walking boots | 1 |\nSee https://shop.example.com/help/returns for details.",
    ),
    (
        Stage::Untrusted,
        "Subject: Your order has shipped\nFrom: orders@shop.example.com\n\nHello, your \
         parcel is on its way and should arrive on Friday. Questions? Reply to this email.",
    ),
    (
        Stage::Output,
        "Your order ord-1001 shipped on Monday with UPS and should arrive by Friday. You can \
         follow it on the carrier's tracking page.",
    ),
    (
        Stage::Output,
        r#"{"summary": "The customer asks about a delayed delivery.", "risk_score": 0.1, "confidence": 0.92}"#,
    ),
    (
        Stage::Output,
        "Here is a short summary:\n\n- Returns are accepted within 30 days.\n- Refunds go to \
         the original payment method.\n\nSee [our returns page](https://shop.example.com/help/returns).",
    ),
    (
        Stage::Output,
        "Votre commande a été expédiée. Ihre Bestellung wurde versandt. Su pedido ha sido \
         enviado.",
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
