//! The compiled policy: built once per cold start, then scans many texts.

use std::collections::BTreeMap;

use crate::PolicyError;
use crate::decision::{Action, Category, Decision, Finding, Severity, ShadowVerdict, Verdict};
use crate::matcher::{PhraseMatcher, PhraseScan, PhraseSetBuilder};
use crate::normalise::{self, Normalised};
use crate::policy::{Limits, Policy, RedactStyle, RoleOverride, Stage, Thresholds};
use crate::redact::{self, Redaction};
use crate::request::ScanRequest;
use crate::rules::{Check, CompileCtx, Hit, Input, Shared, SharedPlan};

/// A policy compiled into a scanning pipeline. Cheap to share (`Arc<Guard>`), and
/// `Send + Sync`: compile it once per process, not once per request.
#[derive(Debug)]
pub struct Guard {
    limits: Limits,
    stages: [CompiledStage; 3],
    roles: BTreeMap<String, RoleOverride>,
    policy: Policy,
    /// The candidate policy run in shadow mode: recorded, never enforced.
    shadow: Option<Box<Guard>>,
}

#[derive(Debug)]
struct CompiledStage {
    thresholds: Thresholds,
    rules: Vec<CompiledRule>,
    phrases: PhraseMatcher,
    /// What the rules share at scan time.
    plan: SharedPlan,
}

#[derive(Debug)]
struct CompiledRule {
    id: String,
    action: Action,
    severity: Severity,
    category: Category,
    score: f32,
    redact: RedactStyle,
    check: Box<dyn Check>,
}

impl Guard {
    /// Compiles a policy. Fails on anything that would make a rule unusable.
    pub fn new(policy: &Policy) -> Result<Guard, PolicyError> {
        let compile_stage =
            |stage: Stage| -> Result<(CompiledStage, PhraseSetBuilder), PolicyError> {
                let sp = policy.stages.get(stage);
                let mut builder = PhraseSetBuilder::default();
                let mut rules = Vec::with_capacity(sp.rules.len());
                let mut plan = SharedPlan::default();
                for (i, entry) in sp.rules.iter().enumerate() {
                    if !entry.enabled {
                        continue;
                    }
                    let index = rules.len();
                    let mut cx = CompileCtx {
                        phrases: &mut builder,
                        index,
                        plan: &mut plan,
                    };
                    let check =
                        entry
                            .check
                            .compile(&mut cx)
                            .map_err(|message| PolicyError::Rule {
                                rule: entry.id.clone(),
                                path: format!("stages.{stage}.rules[{i}].check"),
                                message,
                            })?;
                    let severity = entry.severity.unwrap_or_else(|| check.severity());
                    rules.push(CompiledRule {
                        id: entry.id.clone(),
                        action: entry.action,
                        severity,
                        category: entry.category.unwrap_or_else(|| check.category()),
                        score: entry.score.unwrap_or_else(|| severity.default_score()),
                        redact: entry.redact,
                        check,
                    });
                }
                Ok((
                    CompiledStage {
                        thresholds: sp.thresholds,
                        rules,
                        phrases: PhraseMatcher::default(),
                        plan,
                    },
                    builder,
                ))
            };
        let (mut prompt, b0) = compile_stage(Stage::Prompt)?;
        let (mut untrusted, b1) = compile_stage(Stage::Untrusted)?;
        let (mut output, b2) = compile_stage(Stage::Output)?;
        // One automaton per phrase form for the whole policy: the stages share most
        // of their phrases.
        let [m0, m1, m2] =
            PhraseSetBuilder::build_all([b0, b1, b2]).map_err(|message| PolicyError::Rule {
                rule: "phrases".into(),
                path: "stages".into(),
                message,
            })?;
        prompt.phrases = m0;
        untrusted.phrases = m1;
        output.phrases = m2;
        let shadow = match &policy.shadow {
            None => None,
            Some(candidate) => {
                crate::policy::check_shadow(candidate)?;
                Some(Box::new(Guard::new(candidate).map_err(in_shadow)?))
            }
        };
        Ok(Guard {
            shadow,
            limits: policy.limits,
            stages: [prompt, untrusted, output],
            roles: policy.roles.clone(),
            policy: policy.clone(),
        })
    }

    /// Compiles the embedded default policy.
    pub fn embedded_default() -> Result<Guard, PolicyError> {
        Guard::new(&Policy::embedded_default()?)
    }

    /// The policy this guard was compiled from.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The settings of a role, if the policy has it.
    pub fn role(&self, name: &str) -> Option<&RoleOverride> {
        self.roles.get(name)
    }

    /// Whether scanning `stage` runs any rule, here or in the shadow policy.
    pub(crate) fn has_rules(&self, stage: Stage) -> bool {
        !self.stage(stage).rules.is_empty()
            || self.shadow.as_ref().is_some_and(|s| s.has_rules(stage))
    }

    /// The shadow policy's guard, if the policy names one.
    pub(crate) fn shadow(&self) -> Option<&Guard> {
        self.shadow.as_deref()
    }

    fn stage(&self, stage: Stage) -> &CompiledStage {
        match stage {
            Stage::Prompt => &self.stages[0],
            Stage::Untrusted => &self.stages[1],
            Stage::Output => &self.stages[2],
        }
    }

    /// Scans one text. Never fails: any internal error is a `deny` (fail closed).
    /// When the policy has a shadow, the shadow's outcome is recorded in
    /// [`Verdict::shadow`]; the decision never depends on it.
    pub fn scan(&self, req: &ScanRequest<'_>) -> Verdict {
        let mut verdict = self.scan_enforced(req);
        if let Some(shadow) = &self.shadow {
            verdict.shadow = Some(ShadowVerdict::from_verdict(&shadow.scan_enforced(req)));
        }
        verdict
    }

    fn scan_enforced(&self, req: &ScanRequest<'_>) -> Verdict {
        let text = req.text;
        if text.len() > self.limits.max_input_bytes {
            return refuse(
                "limit.input_size",
                Category::Limit,
                format!(
                    "input is {} bytes, over the {} byte limit",
                    text.len(),
                    self.limits.max_input_bytes
                ),
                text.len(),
            );
        }
        let role = match req.role {
            None if self.policy.require_role => {
                return refuse(
                    "policy.missing_role",
                    Category::Limit,
                    "the policy requires a role and the request names none".into(),
                    0,
                );
            }
            None => None,
            Some(name) => match self.roles.get(name) {
                Some(r) => Some(r),
                None if self.roles.is_empty() => None,
                None => {
                    return refuse(
                        "policy.unknown_role",
                        Category::Limit,
                        format!("unknown role `{name}`"),
                        0,
                    );
                }
            },
        };
        let stage = self.stage(req.stage);
        let views: Normalised = normalise::normalise(text, &self.limits);
        let phrases = if stage.phrases.is_empty() {
            PhraseScan::default()
        } else {
            stage.phrases.find(&views)
        };

        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let mut redactions = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let shared = Shared::new(stage.plan);
        for (index, rule) in stage.rules.iter().enumerate() {
            if role.is_some_and(|r| r.disable_rules.iter().any(|id| id == &rule.id)) {
                continue;
            }
            hits.clear();
            let input = Input {
                text,
                views: &views,
                phrase_hits: &phrases.hits,
                gate: &phrases.gate,
                ctx: req.ctx,
                role,
                index,
                shared: &shared,
            };
            if let Err(e) = rule.check.scan(&input, &mut hits) {
                errors.push(format!("rule `{}`: {e}", rule.id));
                continue;
            }
            for hit in hits.drain(..) {
                if rule.action == Action::Redact {
                    redactions.push(Redaction {
                        start: hit.start,
                        end: hit.end,
                        label: rule.check.label(),
                        style: rule.redact,
                    });
                }
                findings.push(Finding {
                    rule: rule.id.clone(),
                    category: rule.category,
                    severity: rule.severity,
                    start: hit.start,
                    end: hit.end,
                    action: rule.action,
                    score: hit.score.unwrap_or(rule.score).clamp(0.0, 1.0),
                    reason: hit.reason,
                });
            }
        }
        dedupe(&mut findings);

        if !errors.is_empty() {
            let mut v = refuse(
                "guard.internal_error",
                Category::Internal,
                errors.join("; "),
                text.len(),
            );
            v.findings.extend(findings);
            v.findings_omitted = crate::decision::cap_findings(&mut v.findings);
            return v;
        }

        let score = combined_score(&findings);
        let thresholds = role
            .and_then(|r| r.thresholds.get(&req.stage).copied())
            .unwrap_or(stage.thresholds);
        let by_rules = findings
            .iter()
            .map(|f| Decision::from(f.action))
            .max()
            .unwrap_or(Decision::Allow);
        let decision = by_rules.max(threshold_decision(score, &thresholds));
        let (redacted, map) = if decision.is_allowed() && !redactions.is_empty() {
            let (t, m) = redact::apply(text, redactions);
            (Some(t), m)
        } else {
            (None, redact::RedactionMap::default())
        };
        let findings_omitted = crate::decision::cap_findings(&mut findings);
        Verdict {
            decision,
            score,
            findings,
            findings_omitted,
            redacted,
            errors,
            redactions: map,
            shadow: None,
        }
    }
}

/// Places a compile error of the shadow policy under `shadow.`.
fn in_shadow(e: PolicyError) -> PolicyError {
    match e {
        PolicyError::Invalid { path, message } => PolicyError::Invalid {
            path: format!("shadow.{path}"),
            message,
        },
        PolicyError::Rule {
            rule,
            path,
            message,
        } => PolicyError::Rule {
            rule,
            path: format!("shadow.{path}"),
            message,
        },
        other => other,
    }
}

/// A deny with one finding: used for limits and internal errors.
fn refuse(rule: &str, category: Category, reason: String, len: usize) -> Verdict {
    let mut v = Verdict::internal_error(rule, &reason, len);
    if let Some(f) = v.findings.first_mut() {
        f.category = category;
        f.reason = reason;
    }
    if category != Category::Internal {
        v.errors.clear();
    }
    v
}

/// Sorts findings in text order and drops exact repeats (same rule, same span),
/// which happen when a phrase is seen in several views.
fn dedupe(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| (a.start, a.end, &a.rule).cmp(&(b.start, b.end, &b.rule)));
    findings.dedup_by(|a, b| a.rule == b.rule && a.start == b.start && a.end == b.end);
}

/// Noisy-or over the findings that are about risk (redactions are not).
fn combined_score(findings: &[Finding]) -> f32 {
    let mut rules_seen: Vec<(&str, f32)> = Vec::new();
    for f in findings.iter().filter(|f| f.action != Action::Redact) {
        // One rule counts once, at its best score: twenty hits of one weak phrase
        // must not add up to certainty.
        match rules_seen.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, s)) => *s = s.max(f.score),
            None => rules_seen.push((&f.rule, f.score)),
        }
    }
    1.0 - rules_seen.iter().map(|(_, s)| 1.0 - s).product::<f32>()
}

fn threshold_decision(score: f32, t: &Thresholds) -> Decision {
    let at = |th: Option<f32>| th.is_some_and(|th| score >= th);
    if at(t.deny) {
        Decision::Deny
    } else if at(t.review) {
        Decision::Review
    } else if at(t.flag) {
        Decision::Flag
    } else {
        Decision::Allow
    }
}
