//! Splitting log events into PutLogEvents calls within the service limits.

use std::ops::Range;

/// At most this many events per PutLogEvents call.
pub const MAX_EVENTS: usize = 10_000;
/// At most this many bytes per call, counting each message's UTF-8 size plus
/// [`EVENT_OVERHEAD`].
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Bytes the service adds to each event's size.
pub const EVENT_OVERHEAD: usize = 26;
/// Largest message of one event (256 KB, overhead included).
pub const MAX_EVENT_BYTES: usize = 256 * 1024 - EVENT_OVERHEAD;
/// Events of one call must lie within 24 hours.
pub const MAX_SPAN_MS: i64 = 24 * 60 * 60 * 1000;

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch; non-decreasing within a stream.
    pub timestamp_ms: i64,
    /// The message: one canonical JSON audit record.
    pub message: String,
}

/// The running size of one PutLogEvents call being filled, event by event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fill {
    events: usize,
    bytes: usize,
    first_ts: Option<i64>,
}

impl Fill {
    /// Whether an event of `message_len` bytes at `timestamp_ms` can join the call
    /// without breaking a limit. An empty call takes any event (the caller keeps
    /// single events ≤ [`MAX_EVENT_BYTES`]).
    pub fn fits(&self, message_len: usize, timestamp_ms: i64) -> bool {
        self.events == 0
            || (self.events < MAX_EVENTS
                && self.bytes + message_len + EVENT_OVERHEAD <= MAX_BATCH_BYTES
                && self
                    .first_ts
                    .is_none_or(|t| timestamp_ms - t <= MAX_SPAN_MS))
    }

    /// Counts one event in.
    pub fn add(&mut self, message_len: usize, timestamp_ms: i64) {
        self.events += 1;
        self.bytes += message_len + EVENT_OVERHEAD;
        self.first_ts.get_or_insert(timestamp_ms);
    }

    /// Events counted so far.
    pub fn len(&self) -> usize {
        self.events
    }

    /// Whether no event was counted.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }
}

/// Splits chronological events into consecutive ranges, each a valid PutLogEvents
/// call: ≤ [`MAX_EVENTS`], ≤ [`MAX_BATCH_BYTES`] and within [`MAX_SPAN_MS`]. Every
/// event must be ≤ [`MAX_EVENT_BYTES`] (the caller shrinks larger records first).
pub fn plan(events: &[LogEvent]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut fill) = (0, Fill::default());
    for (i, e) in events.iter().enumerate() {
        if !fill.fits(e.message.len(), e.timestamp_ms) {
            out.push(start..i);
            (start, fill) = (i, Fill::default());
        }
        fill.add(e.message.len(), e.timestamp_ms);
    }
    if start < events.len() {
        out.push(start..events.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(sizes: &[usize], ts_step: i64) -> Vec<LogEvent> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| LogEvent {
                timestamp_ms: i as i64 * ts_step,
                message: "x".repeat(n),
            })
            .collect()
    }

    fn check(events: &[LogEvent], plan: &[Range<usize>]) {
        let mut next = 0;
        for r in plan {
            assert_eq!(r.start, next, "ranges are consecutive");
            let batch = &events[r.clone()];
            assert!(!batch.is_empty() && batch.len() <= MAX_EVENTS);
            assert!(
                batch
                    .iter()
                    .map(|e| e.message.len() + EVENT_OVERHEAD)
                    .sum::<usize>()
                    <= MAX_BATCH_BYTES
            );
            assert!(batch.last().unwrap().timestamp_ms - batch[0].timestamp_ms <= MAX_SPAN_MS);
            next = r.end;
        }
        assert_eq!(next, events.len(), "nothing dropped");
    }

    #[test]
    fn splits_on_count_bytes_and_span() {
        let cases: Vec<(&str, Vec<LogEvent>, usize)> = vec![
            ("empty", vec![], 0),
            ("one", events(&[10], 0), 1),
            ("count", events(&vec![1; 25_001], 0), 3),
            ("bytes", events(&[MAX_EVENT_BYTES; 9], 0), 3),
            (
                "exact bytes",
                events(&[MAX_BATCH_BYTES / 4 - EVENT_OVERHEAD; 4], 0),
                1,
            ),
            ("span", events(&[1, 1, 1], MAX_SPAN_MS / 2 + 1), 2),
        ];
        for (name, evs, n) in cases {
            let p = plan(&evs);
            assert_eq!(p.len(), n, "{name}");
            check(&evs, &p);
        }
    }
}
