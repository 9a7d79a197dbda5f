//! JSON logs for CloudWatch.

use tracing_subscriber::EnvFilter;

/// Installs a JSON `tracing` subscriber writing to stderr. The level comes from
/// `GATEHOUSE_LOG`, else `RUST_LOG`, else `info`. Calling it twice is harmless (the
/// second call does nothing).
///
/// What is logged is up to the callers; the Gatehouse rule is lengths, hashes, rule
/// ids and decisions, never the prompt or completion text and never a redaction map.
pub fn init_tracing() {
    let filter = crate::env_var("GATEHOUSE_LOG")
        .or_else(|| crate::env_var("RUST_LOG"))
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .with_target(false)
        .without_time() // CloudWatch stamps every line
        .with_writer(std::io::stderr)
        .try_init();
}
