//! The policy: an ordered list of rules per stage, thresholds, limits and per-role
//! overrides. Parsed from YAML or JSON with `deny_unknown_fields` everywhere, so a
//! typo in a security configuration is an error rather than a silently disabled rule.

mod load;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decision::{Action, Category, Severity};
use crate::rules::CheckConfig;

pub use load::DEFAULT_POLICY_YAML;
pub(crate) use load::check_shadow;

/// Which text a scan is about. Each stage has its own rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The user's prompt, before inference.
    Prompt,
    /// Text from tools and retrieved documents (indirect injection), before inference.
    Untrusted,
    /// The model's answer, after inference.
    Output,
}

impl Stage {
    /// All stages, in flow order.
    pub const ALL: [Stage; 3] = [Stage::Prompt, Stage::Untrusted, Stage::Output];

    /// The lowercase name used in policies and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prompt => "prompt",
            Stage::Untrusted => "untrusted",
            Stage::Output => "output",
        }
    }
}

impl std::str::FromStr for Stage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "prompt" => Ok(Stage::Prompt),
            "untrusted" => Ok(Stage::Untrusted),
            "output" => Ok(Stage::Output),
            other => Err(format!(
                "unknown stage `{other}` (expected prompt, untrusted or output)"
            )),
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A whole policy document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Schema version of the policy format; must be 1.
    pub version: u32,
    /// Bounds that protect the guard itself from hostile input.
    #[serde(default)]
    pub limits: Limits,
    /// The rules of each stage, in the order they run.
    pub stages: Stages,
    /// Per-role overrides, keyed by role name.
    #[serde(default)]
    pub roles: BTreeMap<String, RoleOverride>,
    /// When true, a request that names no role is denied (`policy.missing_role`), as
    /// one naming a role the policy does not have is: no caller gets the stage's base
    /// rules by leaving its role out. Needs at least one role. Default false (the base
    /// rules apply to a request without a role, as `gatehouse scan` and `eval` send).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_role: bool,
    /// A candidate policy, inline, that runs alongside this one in shadow mode: its
    /// decision is recorded (`shadow_decision`) but never enforced. A shadow policy may
    /// not itself have a shadow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<Box<Policy>>,
    /// Grey-zone escalation to Amazon Bedrock Guardrails (done by the functions, not the core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
    /// Stopped prompts counted per session (done by the prompt-preprocessor, not the
    /// core): after enough of them, a flagged prompt is held for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionLimit>,
}

/// A flag lets a prompt through to the agent (its answer then waits for a human). An
/// attacker who is refused and rephrases until a prompt is only flagged gets that one
/// to the agent; so the prompt-preprocessor counts a caller's stopped prompts (reviewed
/// or denied) per session, in a store every instance shares, and once a window holds
/// `hold_flags_after` of them, a prompt that would only be flagged is held for review
/// too. Flags themselves are not counted: short everyday requests ("Continue.") are
/// flagged often enough that counting them would refuse ordinary users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionLimit {
    /// How many stopped prompts in a window make the window's later flagged prompts
    /// held for review (≥ 1).
    pub hold_flags_after: u32,
    /// How long a window lasts, from its first stopped prompt (60 s to 30 days); then
    /// the count starts again.
    pub window_seconds: u64,
    /// What counts together: the caller's session (default), or all of the caller's
    /// sessions.
    #[serde(default)]
    pub scope: SessionScope,
    /// What to decide when the count cannot be read for a flagged prompt, or kept for a
    /// stopped one (store unreachable, throttled, too slow). Default `review`.
    #[serde(default)]
    pub on_unreachable: OnUnreachable,
}

/// What [`SessionLimit`] counts together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionScope {
    /// One caller's one session (the caller's id and the session id together, so no
    /// caller can spend another's count by naming their session).
    #[default]
    Session,
    /// Every session of one caller: starting a new session does not reset the count.
    Principal,
}

/// Shortest [`SessionLimit::window_seconds`].
pub const MIN_SESSION_WINDOW_SECONDS: u64 = 60;
/// Longest [`SessionLimit::window_seconds`] (30 days).
pub const MAX_SESSION_WINDOW_SECONDS: u64 = 30 * 24 * 3600;

/// When an input's local score (the prompt's, or an untrusted text's) falls in `[low,
/// high)`, the prompt-preprocessor asks an Amazon Bedrock guardrail (`ApplyGuardrail`)
/// for a second opinion on that input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// The guardrail id (or ARN).
    pub guardrail_id: String,
    /// The guardrail version (`DRAFT` or a number).
    pub guardrail_version: String,
    /// Lowest score escalated (inclusive).
    pub low: f32,
    /// Score from which the local verdict stands alone (exclusive).
    pub high: f32,
    /// What to decide when the guardrail cannot be reached. Default `review`.
    #[serde(default)]
    pub on_unreachable: OnUnreachable,
}

/// The decision when a service the functions consult (the escalation guardrail, the
/// session count's store) is unreachable, throttled or times out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnUnreachable {
    /// Send the request to a human.
    #[default]
    Review,
    /// Refuse the request.
    Deny,
    /// Let it through, flagged (the finding records the failure).
    Allow,
}

/// The three stages' policies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stages {
    /// User prompts.
    pub prompt: StagePolicy,
    /// Untrusted text from tools and documents.
    pub untrusted: StagePolicy,
    /// Model output.
    pub output: StagePolicy,
}

impl Stages {
    /// The policy of one stage.
    pub fn get(&self, stage: Stage) -> &StagePolicy {
        match stage {
            Stage::Prompt => &self.prompt,
            Stage::Untrusted => &self.untrusted,
            Stage::Output => &self.output,
        }
    }
}

/// One stage: thresholds on the combined score and the ordered rule list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePolicy {
    /// Score thresholds that turn many weak findings into a stronger decision.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The rules, in the order they run.
    pub rules: Vec<RuleEntry>,
}

/// Score thresholds: the combined score at or above a threshold raises the
/// decision to at least that level. A missing threshold never fires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Score at which the text is flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<f32>,
    /// Score at which the text goes to a human.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<f32>,
    /// Score at which the text is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<f32>,
}

/// One rule: its id, what to do when it fires, and the check itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// Stable id, reported in findings and audit records (e.g. `pii.email`).
    pub id: String,
    /// What to do when the rule fires.
    pub action: Action,
    /// How bad a finding is; defaults per check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Override of the finding category; defaults per check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Contribution of one finding to the combined score; defaults from severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// How a redacted span is rewritten (only with `action: redact`).
    #[serde(default)]
    pub redact: RedactStyle,
    /// Set to false to keep a rule in the file but not run it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The check this rule runs.
    pub check: CheckConfig,
}

fn yes() -> bool {
    true
}

/// How a redacted span is rewritten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactStyle {
    /// A numbered placeholder such as `<EMAIL_1>`, reversible through the request's map.
    #[default]
    Placeholder,
    /// Every character but the last four replaced by `*`.
    Mask,
    /// `<EMAIL:1a2b3c4d>`: a truncated SHA-256 of the value, stable across requests.
    Hash,
}

/// Bounds that keep a hostile input from costing unbounded time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Larger inputs are denied outright.
    pub max_input_bytes: usize,
    /// How many encodings deep the normaliser decodes (base64 inside hex inside …).
    pub max_decode_depth: u8,
    /// Total bytes of decoded views the normaliser may produce for one input.
    pub max_decoded_bytes: usize,
    /// Shortest run of encoded-looking text worth decoding.
    pub min_encoded_len: usize,
}

impl From<&Limits> for crate::normalise::DecodeLimits {
    fn from(limits: &Limits) -> Self {
        crate::normalise::DecodeLimits {
            max_decode_depth: limits.max_decode_depth,
            max_decoded_bytes: limits.max_decoded_bytes,
            min_encoded_len: limits.min_encoded_len,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 4 * 1024 * 1024,
            max_decode_depth: 3,
            max_decoded_bytes: 256 * 1024,
            min_encoded_len: 16,
        }
    }
}

/// Per-role settings: which tools the role may call, its thresholds and prompt version.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleOverride {
    /// Tools (action-group functions or API paths) this role may have the agent call.
    /// `None` means no restriction from the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Vec<String>>,
    /// Tools whose calls always go to a human for this role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_tools: Vec<String>,
    /// Threshold overrides per stage.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<Stage, Thresholds>,
    /// The agent prompt version this role uses, recorded in audit records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_version: Option<String>,
    /// Rule ids switched off for this role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_rules: Vec<String>,
}

impl Policy {
    /// The policy embedded in the crate: a complete, sensible default.
    pub fn embedded_default() -> Result<Policy, crate::PolicyError> {
        Policy::from_yaml(DEFAULT_POLICY_YAML)
    }
}
