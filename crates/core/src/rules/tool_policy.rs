//! `tool_policy`: the tool calls the agent made ([`crate::ScanContext::tool_calls`])
//! must fit the caller's role, and risky requests go to a human.
//!
//! A rule has one action, so one rule checks one thing, chosen by `mode`:
//!
//! - `not_allowed`: a call to a tool outside the allowlist (category `tool_abuse`;
//!   typically `deny`). The allowlist is the role's `allowed_tools` when the request
//!   names a role that has one, else the rule's `allowed_tools`, which this mode
//!   requires (`[]` allows no tool): a request without a role is never let through
//!   by a missing list.
//! - `needs_review`: a call to one of the role's `review_tools` (or, without a role,
//!   the rule's `review_tools`); typically `review`.
//! - `flagged_input`: the prompt was already flagged, sent to review or denied before
//!   inference ([`crate::ScanContext::input_decision`]); typically `review`.
//!
//! A tool entry matches a call by its tool name (`getOrderStatus`), by
//! `action_group/tool`, or by `action_group/*` for every tool of a group.

use serde::{Deserialize, Serialize};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Decision, Severity};
use crate::error::RuleError;
use crate::request::ToolCall;

/// Configuration of a `tool_policy` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which check this rule runs.
    pub mode: Mode,
    /// Allowlist used when the request's role has none (`not_allowed` mode, where it
    /// is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Vec<String>>,
    /// Tools that need a human when the request names no role (`needs_review` mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_tools: Vec<String>,
}

/// What a `tool_policy` rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Calls to tools outside the allowlist.
    NotAllowed,
    /// Calls to tools that need a human.
    NeedsReview,
    /// A prompt that was flagged (or worse) before inference.
    FlaggedInput,
}

/// A compiled `tool_policy` rule.
#[derive(Debug)]
pub(crate) struct ToolPolicy {
    mode: Mode,
    /// The rule's allowlist (`not_allowed` mode; empty in the others).
    allowed_tools: Vec<String>,
    review_tools: Vec<String>,
}

impl ToolPolicy {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<ToolPolicy, String> {
        let all = config
            .allowed_tools
            .iter()
            .flatten()
            .chain(&config.review_tools);
        if let Some(bad) = all.into_iter().find(|t| t.trim().is_empty()) {
            return Err(format!("empty tool name `{bad}`"));
        }
        if config.mode == Mode::NotAllowed && config.allowed_tools.is_none() {
            return Err(
                "mode `not_allowed` needs `allowed_tools`, the tools a request \
                        without a role (or whose role has no list) may call; `[]` allows none"
                    .into(),
            );
        }
        // A list the mode does not read would look like a control that is not there.
        if config.mode != Mode::NotAllowed && config.allowed_tools.is_some() {
            return Err("`allowed_tools` is read by mode `not_allowed` only".into());
        }
        if config.mode != Mode::NeedsReview && !config.review_tools.is_empty() {
            return Err("`review_tools` is read by mode `needs_review` only".into());
        }
        Ok(ToolPolicy {
            mode: config.mode,
            allowed_tools: config.allowed_tools.clone().unwrap_or_default(),
            review_tools: config.review_tools.clone(),
        })
    }
}

/// True when a policy tool entry covers the call.
fn matches(entry: &str, call: &ToolCall) -> bool {
    match entry.split_once('/') {
        Some((group, "*")) => group == call.action_group,
        Some((group, tool)) if !call.action_group.is_empty() && group == call.action_group => {
            tool == call.tool
        }
        _ => entry == call.tool,
    }
}

/// Names of the calls `pick` selects, deduplicated, in call order, as `a`, `b`.
fn names<'c>(calls: impl Iterator<Item = &'c ToolCall>) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    for c in calls {
        if !seen.contains(&c.tool.as_str()) {
            seen.push(&c.tool);
        }
    }
    (!seen.is_empty()).then(|| {
        seen.iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

impl Check for ToolPolicy {
    fn category(&self) -> Category {
        match self.mode {
            Mode::NotAllowed => Category::ToolAbuse,
            Mode::NeedsReview => Category::ToolAbuse,
            Mode::FlaggedInput => Category::PromptInjection,
        }
    }

    fn severity(&self) -> Severity {
        match self.mode {
            Mode::NotAllowed => Severity::High,
            Mode::NeedsReview | Mode::FlaggedInput => Severity::Medium,
        }
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let calls = &input.ctx.tool_calls;
        // Findings about the request rather than a span of the text cover the whole text.
        let whole = input.text.len();
        match self.mode {
            Mode::NotAllowed => {
                let allowed = input
                    .role
                    .and_then(|r| r.allowed_tools.as_ref())
                    .unwrap_or(&self.allowed_tools);
                let bad = calls
                    .iter()
                    .filter(|c| !allowed.iter().any(|e| matches(e, c)));
                if let Some(list) = names(bad) {
                    hits.push(Hit::new(
                        0,
                        whole,
                        format!("tool call {list} not allowed for this role"),
                    ));
                }
            }
            Mode::NeedsReview => {
                let review = match input.role {
                    Some(r) => &r.review_tools,
                    None => &self.review_tools,
                };
                let flagged = calls
                    .iter()
                    .filter(|c| review.iter().any(|e| matches(e, c)));
                if let Some(list) = names(flagged) {
                    hits.push(Hit::new(0, whole, format!("tool call {list} needs review")));
                }
            }
            Mode::FlaggedInput => {
                if let Some(d) = input.ctx.input_decision.filter(|d| *d >= Decision::Flag) {
                    hits.push(Hit::new(
                        0,
                        whole,
                        format!("flagged input: the prompt was marked `{d}`"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(group: &str, tool: &str) -> ToolCall {
        ToolCall {
            action_group: group.into(),
            tool: tool.into(),
            parameters: Default::default(),
        }
    }

    #[test]
    fn entries_match_by_name_group_and_wildcard() {
        let c = call("orders", "getOrderStatus");
        assert!(matches("getOrderStatus", &c));
        assert!(matches("orders/getOrderStatus", &c));
        assert!(matches("orders/*", &c));
        assert!(!matches("billing/*", &c));
        assert!(!matches("billing/getOrderStatus", &c));
        assert!(!matches("refund", &c));
    }
}
