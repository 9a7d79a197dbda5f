//! Stopped prompts counted per session (the policy's `session` block).
//!
//! A flag lets a prompt through to the agent (its answer then waits for a human). An
//! attacker who is refused and rephrases until a prompt is only flagged gets that one
//! to the agent; so every stopped prompt (the prompt's own decision review or deny, or
//! the escalation guardrail intervening) is counted in a store all instances share,
//! under a key made from the caller and the session ([`key`]). A prompt that would only
//! be flagged reads the count, and once the current window holds `hold_flags_after`
//! stopped prompts it is held for review instead (finding `session.held_flag`). A
//! window opens at its first stopped prompt and lasts `window_seconds`. Flags are not
//! counted: short everyday requests ("Continue.") are flagged often enough that
//! counting them would refuse ordinary users.
//!
//! Only stopped and flagged prompts touch the store: an allowed or redacted prompt
//! costs nothing here. When the store cannot be reached in time, the policy's
//! `on_unreachable` decides (`review` by default) and the error is recorded as a
//! finding `session.unreachable` and in `errors`.

pub mod dynamo;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gatehouse_core::policy::{SessionLimit, SessionScope};
use gatehouse_core::{Action, Category, Decision, Severity};
use sha2::{Digest, Sha256};

use crate::escalate::{BoxFuture, unreachable_decision};
use crate::types::{FindingOut, PreprocessResponse};

/// Why a count could not be kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The store answered with an error or could not be reached.
    #[error("session store failed: {0}")]
    Backend(String),
    /// The store answered something that is not a count.
    #[error("session store answered no count: {0}")]
    Corrupt(String),
    /// No answer within the time bound (milliseconds).
    #[error("session store timed out after {0} ms")]
    Timeout(u128),
}

/// Where counts are kept.
pub trait StopStore: Send + Sync {
    /// Counts one stopped prompt under `key` at `now` (Unix seconds) and returns the
    /// count of the key's current window, this one included. A window opens at the
    /// first count after the previous one closed and closes `window_seconds` later.
    fn count_stop<'a>(
        &'a self,
        key: &'a str,
        now: u64,
        window_seconds: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// The count of the key's window open at `now` (0 when none is).
    fn stops<'a>(&'a self, key: &'a str, now: u64) -> BoxFuture<'a, Result<u64, StoreError>>;
}

/// The key counts are kept under: the SHA-256, in hex, of the scope and the caller's
/// id (with the session id for [`SessionScope::Session`]), each length-prefixed so no
/// two pairs of ids give the same key. Hashed, so the store holds no caller id.
pub fn key(scope: SessionScope, principal_id: &str, session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"gatehouse-session-v1\0");
    let mut part = |tag: &str, value: &str| {
        h.update(tag.as_bytes());
        h.update((value.len() as u64).to_be_bytes());
        h.update(value.as_bytes());
    };
    part("principal", principal_id);
    if scope == SessionScope::Session {
        part("session", session_id);
    }
    hex::encode(h.finalize())
}

/// Most keys [`MemoryStops`] holds; past it, closed windows are dropped, then the
/// oldest.
pub const MEMORY_KEYS: usize = 65_536;

/// Counts in this process's memory: for local runs (`gatehouse invoke`, the demo,
/// `sam local invoke`), where one process sees every request. Not for Lambda, where
/// each instance would count alone.
#[derive(Debug, Default)]
pub struct MemoryStops {
    /// Key → (count, Unix second the window closes).
    windows: Mutex<HashMap<String, (u64, u64)>>,
}

impl MemoryStops {
    /// An empty store.
    pub fn new() -> MemoryStops {
        MemoryStops::default()
    }

    fn with_windows<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, (u64, u64)>) -> T,
    ) -> Result<T, StoreError> {
        self.windows
            .lock()
            .map(|mut w| f(&mut w))
            .map_err(|_| StoreError::Backend("the in-memory store's lock is poisoned".into()))
    }
}

impl StopStore for MemoryStops {
    fn count_stop<'a>(
        &'a self,
        key: &'a str,
        now: u64,
        window_seconds: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let counted = self.with_windows(|windows| {
            if windows.len() >= MEMORY_KEYS && !windows.contains_key(key) {
                windows.retain(|_, (_, closes)| *closes > now);
                if windows.len() >= MEMORY_KEYS {
                    let oldest = windows
                        .iter()
                        .min_by_key(|(_, (_, closes))| *closes)
                        .map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        windows.remove(&k);
                    }
                }
            }
            let closes = now.saturating_add(window_seconds);
            let entry = windows.entry(key.to_owned()).or_insert((0, closes));
            if entry.1 <= now {
                *entry = (0, closes);
            }
            entry.0 = entry.0.saturating_add(1);
            entry.0
        });
        Box::pin(async move { counted })
    }

    fn stops<'a>(&'a self, key: &'a str, now: u64) -> BoxFuture<'a, Result<u64, StoreError>> {
        let count = self.with_windows(|windows| {
            windows
                .get(key)
                .filter(|(_, closes)| *closes > now)
                .map_or(0, |(count, _)| *count)
        });
        Box::pin(async move { count })
    }
}

/// The session count's settings and store, built at cold start.
pub struct SessionTally {
    /// The policy's `session` block.
    pub config: SessionLimit,
    /// Where counts are kept.
    pub store: Box<dyn StopStore>,
    /// Time bound of one count; past it, `on_unreachable` applies.
    pub timeout: Duration,
}

impl std::fmt::Debug for SessionTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTally")
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Time bound of one count (one to three DynamoDB calls); past it, `on_unreachable`
/// applies.
pub const TIMEOUT: Duration = Duration::from_millis(800);

impl SessionTally {
    /// `config` counted in this process's memory ([`MemoryStops`]), for local runs.
    pub fn in_memory(config: SessionLimit) -> SessionTally {
        SessionTally {
            config,
            store: Box::new(MemoryStops::new()),
            timeout: TIMEOUT,
        }
    }

    /// Folds the session's count into `out`: a prompt `stopped` (its own decision review
    /// or deny, or the guardrail intervening) is counted; a request that would only be
    /// flagged is raised to review when its window holds `hold_flags_after` stopped
    /// prompts. When the count cannot be read or kept, the policy's `on_unreachable`
    /// applies.
    pub async fn fold(&self, out: &mut PreprocessResponse, stopped: bool) {
        let flagged = out.decision == Decision::Flag;
        if !stopped && !flagged {
            return;
        }
        let key = key(self.config.scope, &out.principal_id, &out.session_id);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let call = if stopped {
            self.store.count_stop(&key, now, self.config.window_seconds)
        } else {
            self.store.stops(&key, now)
        };
        let counted = match tokio::time::timeout(self.timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Timeout(self.timeout.as_millis())),
        };
        let finding = |rule: &str, category, action, reason: String| FindingOut {
            rule: rule.into(),
            category,
            severity: Severity::Medium,
            start: 0,
            end: 0,
            input: Some("prompt".into()),
            action,
            score: 0.5,
            reason,
        };
        match counted {
            Ok(count) => {
                tracing::info!(request_id = %out.request_id, stopped, count, "session count");
                if flagged && count >= u64::from(self.config.hold_flags_after) {
                    out.findings.push(finding(
                        "session.held_flag",
                        Category::Limit,
                        Action::Review,
                        format!(
                            "{count} prompt(s) of this {} stopped within {} s: a flagged prompt is held",
                            scope_name(self.config.scope),
                            self.config.window_seconds,
                        ),
                    ));
                    out.raise(Decision::Review);
                }
            }
            Err(e) => {
                let (action, decision) = unreachable_decision(self.config.on_unreachable);
                tracing::warn!(request_id = %out.request_id, error = %e, "session count failed");
                out.findings.push(finding(
                    "session.unreachable",
                    Category::Internal,
                    action,
                    e.to_string(),
                ));
                out.errors.push(format!("session count: {e}"));
                out.raise(decision);
            }
        }
    }
}

fn scope_name(scope: SessionScope) -> &'static str {
    match scope {
        SessionScope::Session => "session",
        SessionScope::Principal => "caller",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_callers_sessions_and_scopes() {
        let k = |scope, p, s| key(scope, p, s);
        let a = k(SessionScope::Session, "alice", "s1");
        assert_eq!(a.len(), 64);
        assert_eq!(a, k(SessionScope::Session, "alice", "s1"));
        assert_ne!(a, k(SessionScope::Session, "alice", "s2"));
        assert_ne!(a, k(SessionScope::Session, "bob", "s1"));
        // The length prefix: moving a character from one id to the other is another key.
        assert_ne!(
            k(SessionScope::Session, "ab", "c"),
            k(SessionScope::Session, "a", "bc")
        );
        // Principal scope ignores the session; it never equals a session-scope key.
        let p = k(SessionScope::Principal, "alice", "s1");
        assert_eq!(p, k(SessionScope::Principal, "alice", "s2"));
        assert_ne!(p, a);
        assert!(!a.contains("alice") && !p.contains("alice"));
    }

    fn run(fut: BoxFuture<'_, Result<u64, StoreError>>) -> u64 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| unreachable!("{e}"));
        rt.block_on(fut).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn record(store: &MemoryStops, key: &str, now: u64, window: u64) -> u64 {
        run(store.count_stop(key, now, window))
    }

    #[test]
    fn concurrent_stops_are_each_counted_once() {
        let store = std::sync::Arc::new(MemoryStops::new());
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                std::thread::spawn(move || record(&store, "k", 5_000, 3_600))
            })
            .collect();
        let mut counts: Vec<u64> = threads
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| unreachable!("a counting thread panicked"))
            })
            .collect();
        counts.sort_unstable();
        assert_eq!(counts, (1..=16).collect::<Vec<u64>>());
    }

    #[test]
    fn the_memory_store_stays_bounded() {
        let store = MemoryStops::new();
        let held = |store: &MemoryStops| store.windows.lock().map(|w| w.len()).unwrap_or(0);
        // Open windows only: the oldest is dropped for each new key.
        for i in 0..MEMORY_KEYS as u64 + 10 {
            record(&store, &format!("k{i}"), i, 1_000_000);
        }
        assert_eq!(held(&store), MEMORY_KEYS);
        assert_eq!(
            record(&store, "k10", 100, 1_000_000),
            2,
            "a recent key is kept"
        );
        assert_eq!(
            record(&store, "k0", 100, 1_000_000),
            1,
            "the oldest was dropped"
        );
        // Once every window has closed, a new key clears them all.
        record(&store, "late", 2_000_000, 60);
        assert_eq!(held(&store), 1);
    }
}
