//! The policy's optional `session` block (stopped prompts counted per session, done by
//! the prompt-preprocessor): parsing, defaults, validation.

use gatehouse_core::policy::{
    DEFAULT_POLICY_YAML, MAX_SESSION_WINDOW_SECONDS, MIN_SESSION_WINDOW_SECONDS, OnUnreachable,
    SessionLimit, SessionScope,
};
use gatehouse_core::{Policy, PolicyError};

/// The default policy with its `session` line replaced by `block` (empty: removed).
fn with(block: &str) -> Result<Policy, PolicyError> {
    let yaml: String = DEFAULT_POLICY_YAML
        .lines()
        .filter(|l| !l.starts_with("session:"))
        .map(|l| format!("{l}\n"))
        .collect();
    Policy::from_yaml(&format!("{yaml}\n{block}\n"))
}

#[test]
fn the_default_policy_holds_flags_after_two_stopped_prompts_in_an_hour() {
    let p = Policy::embedded_default().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        p.session,
        Some(SessionLimit {
            hold_flags_after: 2,
            window_seconds: 3600,
            scope: SessionScope::Session,
            on_unreachable: OnUnreachable::Review,
        })
    );
}

#[test]
fn a_policy_without_the_block_counts_nothing() {
    let p = with("").unwrap_or_else(|e| unreachable!("{e}"));
    assert!(p.session.is_none());
}

#[test]
fn session_blocks_parse_with_their_defaults() {
    let cases = [
        (
            "session: { hold_flags_after: 2, window_seconds: 60 }",
            (2, 60, SessionScope::Session, OnUnreachable::Review),
        ),
        (
            "session: { hold_flags_after: 1, window_seconds: 2592000, scope: principal, on_unreachable: deny }",
            (1, 2_592_000, SessionScope::Principal, OnUnreachable::Deny),
        ),
        (
            "session: { hold_flags_after: 5, window_seconds: 86400, on_unreachable: allow }",
            (5, 86_400, SessionScope::Session, OnUnreachable::Allow),
        ),
    ];
    for (block, want) in cases {
        let s = with(block)
            .unwrap_or_else(|e| unreachable!("{block}: {e}"))
            .session
            .unwrap_or_else(|| unreachable!("{block}"));
        assert_eq!(
            (
                s.hold_flags_after,
                s.window_seconds,
                s.scope,
                s.on_unreachable
            ),
            want,
            "{block}"
        );
    }
}

#[test]
fn bad_session_blocks_are_errors_with_a_path() {
    let too_long = MAX_SESSION_WINDOW_SECONDS + 1;
    let too_short = MIN_SESSION_WINDOW_SECONDS - 1;
    let cases = [
        (
            "session: { hold_flags_after: 0, window_seconds: 3600 }".to_owned(),
            "session.hold_flags_after",
        ),
        (
            format!("session: {{ hold_flags_after: 3, window_seconds: {too_short} }}"),
            "session.window_seconds",
        ),
        (
            format!("session: {{ hold_flags_after: 3, window_seconds: {too_long} }}"),
            "session.window_seconds",
        ),
        (
            "session: { hold_flags_after: -1, window_seconds: 3600 }".to_owned(),
            "session.hold_flags_after",
        ),
        ("session: { hold_flags_after: 3 }".to_owned(), "session"),
        (
            "session: { hold_flags_after: 3, window_seconds: 3600, scope: tenant }".to_owned(),
            "session.scope",
        ),
        (
            "session: { hold_flags_after: 3, window_seconds: 3600, on_unreachable: retry }"
                .to_owned(),
            "session.on_unreachable",
        ),
        (
            "session: { hold_flags_after: 3, window_seconds: 3600, table: t }".to_owned(),
            "session.table",
        ),
    ];
    for (block, want) in cases {
        match with(&block) {
            Err(PolicyError::Invalid { path, .. }) => assert_eq!(path, want, "{block}"),
            other => unreachable!("{block}: {other:?}"),
        }
    }
}
