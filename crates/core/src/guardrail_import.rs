//! Importing an Amazon Bedrock Guardrails configuration (the JSON body of a
//! `CreateGuardrail` request) as a Gatehouse [`Policy`], so a team can bring the
//! guardrail it already has.
//!
//! The import starts from the embedded default policy and maps each part of the
//! guardrail onto it. What has no faithful equivalent is reported in the returned
//! [`ImportWarning`]s, never silently dropped.
//!
//! | Guardrail | Gatehouse |
//! |---|---|
//! | `contentPolicyConfig` `PROMPT_ATTACK` `inputStrength` | thresholds of the `prompt` and `untrusted` stages (table below) |
//! | other content filters (`HATE`, `SEXUAL`, …) | unsupported: warning |
//! | `wordPolicyConfig.wordsConfig` | `phrases` rules `guardrail.words` (category `banned_phrase`), input → `prompt`, output → `output` |
//! | `managedWordListsConfig` (`PROFANITY`) | unsupported: warning |
//! | `piiEntitiesConfig` | the matching PII/secret rule of `prompt` (input) and `output` (output): `BLOCK` → deny, `ANONYMIZE` → redact (placeholder), `NONE` → flag (Bedrock still reports the entity) |
//! | `regexesConfig` | `regex` rules `guardrail.regex.<name>`, category `pii`, same actions |
//! | `topicPolicyConfig` | approximate: `phrases` rules `guardrail.topic.<name>` from the topic's examples (warning) |
//! | `contextualGroundingPolicyConfig`, `automatedReasoningPolicyConfig` | unsupported: warning |
//! | `blockedInputMessaging`, `blockedOutputsMessaging` | returned in [`BlockedMessaging`] for the functions' refusals |
//!
//! `PROMPT_ATTACK` strength → thresholds `{flag, review, deny}` of the combined score
//! (the default policy corresponds to `MEDIUM`):
//!
//! | strength | `prompt` | `untrusted` |
//! |---|---|---|
//! | `NONE` (or `inputEnabled: false`) | injection and jailbreak rules disabled | same |
//! | `LOW` | 0.5, 0.8, 0.95 | 0.4, 0.6, 0.85 |
//! | `MEDIUM` | 0.3, 0.6, 0.9 | 0.2, 0.4, 0.7 |
//! | `HIGH` | 0.2, 0.45, 0.7 | 0.15, 0.3, 0.55 |
//!
//! With `inputAction: NONE` (detect only) the injection rules report but never
//! block: their actions become `flag` and only the `flag` threshold is kept.
//!
//! PII entities the guardrail does not list keep the default policy's action (the
//! default redacts PII and refuses secrets), and the `untrusted` stage keeps its
//! default PII handling (redact): a guardrail has no notion of tool output.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::decision::{Action, Category};
use crate::policy::{Policy, RedactStyle, RuleEntry, Stage, StagePolicy, Thresholds};
use crate::rules::CheckConfig;
use crate::{Guard, PolicyError};

/// Something in the guardrail that the policy does not (or only approximately) enforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// JSON path of the guardrail field, e.g. `contentPolicyConfig.filtersConfig[1]`.
    pub path: String,
    /// What was not mapped, or how it was approximated.
    pub message: String,
}

impl std::fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// The refusal messages the guardrail shows instead of blocked text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockedMessaging {
    /// Shown when a prompt is blocked (`blockedInputMessaging`).
    pub input: Option<String>,
    /// Shown when an answer is blocked (`blockedOutputsMessaging`).
    pub output: Option<String>,
}

/// The result of an import: the policy, the refusal messages and the warnings.
#[derive(Debug, Clone)]
pub struct GuardrailImport {
    /// The policy, already checked to compile.
    pub policy: Policy,
    /// The guardrail's refusal messages.
    pub messaging: BlockedMessaging,
    /// What was not mapped, or mapped only approximately.
    pub warnings: Vec<ImportWarning>,
}

// --- The CreateGuardrail request (the fields that matter; the rest is accepted). ---

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateGuardrail {
    #[serde(default)]
    #[expect(dead_code, reason = "accepted for completeness, not mapped")]
    name: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "accepted for completeness, not mapped")]
    description: Option<String>,
    #[serde(default)]
    topic_policy_config: Option<TopicPolicy>,
    #[serde(default)]
    content_policy_config: Option<ContentPolicy>,
    #[serde(default)]
    word_policy_config: Option<WordPolicy>,
    #[serde(default)]
    sensitive_information_policy_config: Option<SensitiveInformationPolicy>,
    #[serde(default)]
    contextual_grounding_policy_config: Option<serde_json::Value>,
    #[serde(default)]
    automated_reasoning_policy_config: Option<serde_json::Value>,
    #[serde(default)]
    #[expect(dead_code, reason = "deployment setting, not a detection rule")]
    cross_region_config: Option<serde_json::Value>,
    #[serde(default)]
    blocked_input_messaging: Option<String>,
    #[serde(default)]
    blocked_outputs_messaging: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "deployment setting, not a detection rule")]
    kms_key_id: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "deployment setting, not a detection rule")]
    tags: Option<serde_json::Value>,
    #[serde(default)]
    #[expect(dead_code, reason = "deployment setting, not a detection rule")]
    client_request_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TopicPolicy {
    topics_config: Vec<Topic>,
    #[serde(default)]
    #[expect(dead_code, reason = "Bedrock pricing tier, not a detection rule")]
    tier_config: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Topic {
    name: String,
    #[serde(default)]
    #[expect(dead_code, reason = "a definition cannot be matched without a model")]
    definition: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(rename = "type")]
    kind: TopicType,
    #[serde(default)]
    input_action: Option<BlockOrNone>,
    #[serde(default)]
    output_action: Option<BlockOrNone>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    output_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum TopicType {
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum BlockOrNone {
    Block,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContentPolicy {
    filters_config: Vec<ContentFilter>,
    #[serde(default)]
    #[expect(dead_code, reason = "Bedrock pricing tier, not a detection rule")]
    tier_config: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContentFilter {
    #[serde(rename = "type")]
    kind: String,
    input_strength: Strength,
    #[serde(default)]
    output_strength: Option<Strength>,
    #[serde(default)]
    #[expect(dead_code, reason = "only text is scanned")]
    input_modalities: Option<Vec<String>>,
    #[serde(default)]
    #[expect(dead_code, reason = "only text is scanned")]
    output_modalities: Option<Vec<String>>,
    #[serde(default)]
    input_action: Option<BlockOrNone>,
    #[serde(default)]
    #[expect(dead_code, reason = "PROMPT_ATTACK applies to input only")]
    output_action: Option<BlockOrNone>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    #[expect(dead_code, reason = "PROMPT_ATTACK applies to input only")]
    output_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Strength {
    None,
    Low,
    Medium,
    High,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WordPolicy {
    #[serde(default)]
    words_config: Vec<Word>,
    #[serde(default)]
    managed_word_lists_config: Vec<ManagedWords>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Word {
    text: String,
    #[serde(default)]
    input_action: Option<BlockOrNone>,
    #[serde(default)]
    output_action: Option<BlockOrNone>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    output_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ManagedWords {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    input_action: Option<BlockOrNone>,
    #[serde(default)]
    output_action: Option<BlockOrNone>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    output_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SensitiveInformationPolicy {
    #[serde(default)]
    pii_entities_config: Vec<PiiEntity>,
    #[serde(default)]
    regexes_config: Vec<RegexEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PiiEntity {
    #[serde(rename = "type")]
    kind: String,
    action: PiiAction,
    #[serde(default)]
    input_action: Option<PiiAction>,
    #[serde(default)]
    output_action: Option<PiiAction>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    output_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RegexEntry {
    name: String,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation only")]
    description: Option<String>,
    pattern: String,
    action: PiiAction,
    #[serde(default)]
    input_action: Option<PiiAction>,
    #[serde(default)]
    output_action: Option<PiiAction>,
    #[serde(default)]
    input_enabled: Option<bool>,
    #[serde(default)]
    output_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum PiiAction {
    Block,
    Anonymize,
    None,
}

impl PiiAction {
    fn action(self) -> Action {
        match self {
            PiiAction::Block => Action::Deny,
            PiiAction::Anonymize => Action::Redact,
            PiiAction::None => Action::Flag,
        }
    }
}

fn block_action(a: Option<BlockOrNone>) -> Action {
    match a {
        Some(BlockOrNone::None) => Action::Flag,
        Some(BlockOrNone::Block) | None => Action::Deny,
    }
}

/// Bedrock PII entity type → (check type of the default policy, rule id to add when absent).
const PII_CHECKS: &[(&str, &str, &str)] = &[
    ("EMAIL", "email", "pii.email"),
    ("PHONE", "phone", "pii.phone"),
    ("CREDIT_DEBIT_CARD_NUMBER", "payment_card", "pii.card"),
    ("US_SOCIAL_SECURITY_NUMBER", "us_ssn", "pii.ssn"),
    ("IP_ADDRESS", "ip_address", "pii.ip"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "iban", "pii.iban"),
    ("AWS_ACCESS_KEY", "aws_access_key", "secret.aws_access_key"),
    ("AWS_SECRET_KEY", "aws_secret_key", "secret.aws_secret_key"),
];

/// Parses a `CreateGuardrail` request body (JSON) and maps it onto the embedded
/// default policy. Malformed JSON, an unknown field or value, or a regex the guard
/// cannot compile is an error naming the guardrail path.
pub fn import_guardrail(json: &str) -> Result<GuardrailImport, PolicyError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let g: CreateGuardrail =
        serde_path_to_error::deserialize(&mut de).map_err(|e| PolicyError::Invalid {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        })?;
    let mut policy = Policy::embedded_default()?;
    let mut warnings = Vec::new();
    let mut warn = |path: String, message: String| warnings.push(ImportWarning { path, message });

    if let Some(cp) = &g.content_policy_config {
        for (i, f) in cp.filters_config.iter().enumerate() {
            let path = format!("contentPolicyConfig.filtersConfig[{i}]");
            if f.kind == "PROMPT_ATTACK" {
                map_prompt_attack(&mut policy, f);
                if f.output_strength.is_some_and(|s| s != Strength::None) {
                    warn(
                        format!("{path}.outputStrength"),
                        "prompt attack filtering applies to input only; output strength ignored"
                            .into(),
                    );
                }
            } else if f.input_strength != Strength::None
                || f.output_strength.is_some_and(|s| s != Strength::None)
            {
                warn(
                    path,
                    format!(
                        "content filter `{}` is not supported (no harmful-content classifier); not enforced",
                        f.kind
                    ),
                );
            }
        }
    }

    if let Some(wp) = &g.word_policy_config {
        map_words(&mut policy, wp);
        for (i, m) in wp.managed_word_lists_config.iter().enumerate() {
            let _ = (
                m.input_action,
                m.output_action,
                m.input_enabled,
                m.output_enabled,
            );
            warn(
                format!("wordPolicyConfig.managedWordListsConfig[{i}]"),
                format!(
                    "managed word list `{}` is not supported (no list shipped); not enforced",
                    m.kind
                ),
            );
        }
    }

    if let Some(sp) = &g.sensitive_information_policy_config {
        for (i, e) in sp.pii_entities_config.iter().enumerate() {
            let path = format!("sensitiveInformationPolicyConfig.piiEntitiesConfig[{i}]");
            match PII_CHECKS.iter().find(|(t, _, _)| *t == e.kind) {
                Some(&(_, check, id)) => {
                    let input = direction(e.input_enabled, e.input_action.unwrap_or(e.action));
                    let output = direction(e.output_enabled, e.output_action.unwrap_or(e.action));
                    set_pii(&mut policy.stages.prompt, check, id, input, &path)?;
                    set_pii(&mut policy.stages.output, check, id, output, &path)?;
                }
                None => warn(
                    format!("{path}.type"),
                    format!("PII entity `{}` has no detector; not enforced", e.kind),
                ),
            }
        }
        let mut ids = BTreeSet::new();
        for (i, r) in sp.regexes_config.iter().enumerate() {
            let path = format!("sensitiveInformationPolicyConfig.regexesConfig[{i}]");
            let id = unique_id(&mut ids, "guardrail.regex", &r.name);
            let label = label_of(&r.name);
            let config = crate::rules::regex::Config {
                pattern: r.pattern.clone(),
                label: Some(label),
                views: crate::rules::regex::RegexView::Original,
            };
            if let Err(message) = crate::rules::regex::RegexRule::compile(&config) {
                return Err(PolicyError::Invalid {
                    path: format!("{path}.pattern"),
                    message,
                });
            }
            let check = CheckConfig::Regex(config);
            let input = direction(r.input_enabled, r.input_action.unwrap_or(r.action));
            let output = direction(r.output_enabled, r.output_action.unwrap_or(r.action));
            for (stage, act) in [(Stage::Prompt, input), (Stage::Output, output)] {
                if let Some(action) = act {
                    stage_mut(&mut policy, stage).rules.push(rule(
                        &id,
                        action,
                        Category::Pii,
                        check.clone(),
                    ));
                }
            }
        }
    }

    if let Some(tp) = &g.topic_policy_config {
        let mut ids = BTreeSet::new();
        for (i, t) in tp.topics_config.iter().enumerate() {
            let path = format!("topicPolicyConfig.topicsConfig[{i}]");
            let TopicType::Deny = t.kind;
            let phrases: Vec<String> = t
                .examples
                .iter()
                .map(|e| escape_phrase(e.trim()))
                .filter(|e| !e.is_empty())
                .collect();
            if phrases.is_empty() {
                warn(
                    path,
                    format!(
                        "denied topic `{}` has no examples; its definition cannot be matched without a model; not enforced",
                        t.name
                    ),
                );
                continue;
            }
            warn(
                path.clone(),
                format!(
                    "denied topic `{}` is approximated by its {} example(s) as exact phrases; rephrasings pass",
                    t.name,
                    phrases.len()
                ),
            );
            let id = unique_id(&mut ids, "guardrail.topic", &t.name);
            let check = check_from(
                serde_json::json!({"type": "phrases", "phrases": phrases}),
                &path,
            )?;
            let dirs = [
                (
                    Stage::Prompt,
                    t.input_enabled != Some(false),
                    t.input_action,
                ),
                (
                    Stage::Output,
                    t.output_enabled != Some(false),
                    t.output_action,
                ),
            ];
            for (stage, enabled, action) in dirs {
                if enabled {
                    stage_mut(&mut policy, stage).rules.push(rule(
                        &id,
                        block_action(action),
                        Category::BannedPhrase,
                        check.clone(),
                    ));
                }
            }
        }
    }

    if g.contextual_grounding_policy_config.is_some() {
        warn(
            "contextualGroundingPolicyConfig".into(),
            "contextual grounding checks are not supported; not enforced".into(),
        );
    }
    if g.automated_reasoning_policy_config.is_some() {
        warn(
            "automatedReasoningPolicyConfig".into(),
            "automated reasoning checks are not supported; not enforced".into(),
        );
    }

    Guard::new(&policy)?;
    Ok(GuardrailImport {
        policy,
        messaging: BlockedMessaging {
            input: g.blocked_input_messaging,
            output: g.blocked_outputs_messaging,
        },
        warnings,
    })
}

fn stage_mut(policy: &mut Policy, stage: Stage) -> &mut StagePolicy {
    match stage {
        Stage::Prompt => &mut policy.stages.prompt,
        Stage::Untrusted => &mut policy.stages.untrusted,
        Stage::Output => &mut policy.stages.output,
    }
}

/// The action of one direction, or `None` when that direction is switched off.
fn direction(enabled: Option<bool>, action: PiiAction) -> Option<Action> {
    (enabled != Some(false)).then(|| action.action())
}

fn rule(id: &str, action: Action, category: Category, check: CheckConfig) -> RuleEntry {
    RuleEntry {
        id: id.to_owned(),
        action,
        severity: None,
        category: Some(category),
        score: None,
        redact: RedactStyle::Placeholder,
        enabled: true,
        check,
    }
}

fn check_from(value: serde_json::Value, path: &str) -> Result<CheckConfig, PolicyError> {
    serde_json::from_value(value).map_err(|e| PolicyError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The `type` of a rule's check, as written in a policy.
fn check_type(check: &CheckConfig) -> Option<String> {
    serde_json::to_value(check)
        .ok()?
        .get("type")?
        .as_str()
        .map(str::to_owned)
}

/// Sets the action of the stage's rules running `check`, adding one when there is none.
fn set_pii(
    sp: &mut StagePolicy,
    check: &str,
    id: &str,
    action: Option<Action>,
    path: &str,
) -> Result<(), PolicyError> {
    let mut found = false;
    for r in sp
        .rules
        .iter_mut()
        .filter(|r| check_type(&r.check).as_deref() == Some(check))
    {
        found = true;
        match action {
            Some(a) => {
                r.action = a;
                r.enabled = true;
                r.redact = RedactStyle::Placeholder;
            }
            None => r.enabled = false,
        }
    }
    if !found && let Some(a) = action {
        let cfg = check_from(serde_json::json!({ "type": check }), path)?;
        sp.rules.push(RuleEntry {
            category: None,
            ..rule(id, a, Category::Pii, cfg)
        });
    }
    Ok(())
}

fn is_injection_rule(r: &RuleEntry) -> bool {
    r.id.starts_with("injection.") || r.id.starts_with("jailbreak.")
}

fn map_prompt_attack(policy: &mut Policy, f: &ContentFilter) {
    let off = f.input_enabled == Some(false) || f.input_strength == Strength::None;
    let detect_only = f.input_action == Some(BlockOrNone::None);
    let t = |flag, review, deny| Thresholds {
        flag: Some(flag),
        review: Some(review),
        deny: Some(deny),
    };
    let (prompt, untrusted) = match f.input_strength {
        Strength::None | Strength::Medium => (t(0.3, 0.6, 0.9), t(0.2, 0.4, 0.7)),
        Strength::Low => (t(0.5, 0.8, 0.95), t(0.4, 0.6, 0.85)),
        Strength::High => (t(0.2, 0.45, 0.7), t(0.15, 0.3, 0.55)),
    };
    for (stage, th) in [(Stage::Prompt, prompt), (Stage::Untrusted, untrusted)] {
        let sp = stage_mut(policy, stage);
        for r in sp.rules.iter_mut().filter(|r| is_injection_rule(r)) {
            if off {
                r.enabled = false;
            } else if detect_only {
                r.action = Action::Flag;
            }
        }
        if !off {
            sp.thresholds = if detect_only {
                Thresholds {
                    flag: th.flag,
                    review: None,
                    deny: None,
                }
            } else {
                th
            };
        }
    }
}

fn map_words(policy: &mut Policy, wp: &WordPolicy) {
    // (stage, action) → phrases
    let mut groups: Vec<(Stage, Action, Vec<String>)> = Vec::new();
    for w in &wp.words_config {
        let text = escape_phrase(w.text.trim());
        if text.is_empty() {
            continue;
        }
        let dirs = [
            (Stage::Prompt, w.input_enabled, w.input_action),
            (Stage::Output, w.output_enabled, w.output_action),
        ];
        for (stage, enabled, action) in dirs {
            if enabled == Some(false) {
                continue;
            }
            let action = block_action(action);
            match groups
                .iter_mut()
                .find(|(s, a, _)| *s == stage && *a == action)
            {
                Some((_, _, list)) => list.push(text.clone()),
                None => groups.push((stage, action, vec![text.clone()])),
            }
        }
    }
    for (stage, action, phrases) in groups {
        let id = if action == Action::Deny {
            "guardrail.words"
        } else {
            "guardrail.words_detect"
        };
        let check = CheckConfig::Phrases(crate::rules::phrases::Config {
            sets: Vec::new(),
            phrases,
        });
        stage_mut(policy, stage)
            .rules
            .push(rule(id, action, Category::BannedPhrase, check));
    }
}

/// Escapes the phrase-template syntax (`{`, `|`, `}`, `\`, leading `@`) so a word is literal.
fn escape_phrase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if matches!(c, '{' | '}' | '|' | '\\') || (i == 0 && c == '@') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `prefix.slug`, made unique with a numeric suffix.
fn unique_id(seen: &mut BTreeSet<String>, prefix: &str, name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug.trim_matches('_');
    let base = if slug.is_empty() {
        format!("{prefix}.unnamed")
    } else {
        format!("{prefix}.{slug}")
    };
    let mut id = base.clone();
    let mut n = 2;
    while !seen.insert(id.clone()) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

/// A placeholder label from a regex name: upper-case letters, digits and `_`.
fn label_of(name: &str) -> String {
    let label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let label = label.trim_matches('_');
    if label.is_empty() {
        "REDACTED".to_owned()
    } else {
        label.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_phrase, label_of, unique_id};

    #[test]
    fn helpers() {
        assert_eq!(escape_phrase("a{b|c}"), "a\\{b\\|c\\}");
        assert_eq!(escape_phrase("@x"), "\\@x");
        assert_eq!(label_of("Employee id"), "EMPLOYEE_ID");
        assert_eq!(label_of("--"), "REDACTED");
        let mut seen = std::collections::BTreeSet::new();
        assert_eq!(unique_id(&mut seen, "p", "A b"), "p.a_b");
        assert_eq!(unique_id(&mut seen, "p", "a-b"), "p.a_b_2");
    }
}
