//! The `--jsonl` stream: one verdict line per input line, in order, in constant memory.
//!
//! Per line: one read into a reused buffer, a borrowed parse (`text` is borrowed
//! unless it has escapes, `id` is kept as raw JSON and echoed back byte for byte),
//! one scan, one serialisation straight into the buffered writer.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};

use gatehouse_core::{
    Category, Finding, Guard, ScanContext, ScanRequest, Severity, Stage, Verdict,
};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// Bytes a line may have beyond the policy's `max_input_bytes` (JSON quoting, escapes,
/// other fields) before it is refused unread.
pub(crate) const LINE_SLACK: usize = 64 * 1024;

/// After a line longer than this, the read buffer is shrunk back.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// What the stream needs besides the guard.
#[derive(Debug)]
pub(crate) struct Options<'a> {
    /// The stage every line is scanned at.
    pub stage: Stage,
    /// The caller's role, for every line.
    pub role: Option<&'a str>,
    /// Secrets from the command line, added to each line's own (output stage).
    pub secrets: &'a [String],
}

/// Counts of one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Lines scanned.
    pub scanned: u64,
    /// Lines answered with an error line.
    pub errors: u64,
}

/// Reads JSON lines from `input` until end of file, writing one line per input line.
/// Only I/O errors end the run; a bad line gets an error line.
pub(crate) fn run<R: Read, W: Write>(
    guard: &Guard,
    opts: &Options<'_>,
    mut input: BufReader<R>,
    mut output: W,
) -> io::Result<Stats> {
    let cap = guard
        .policy()
        .limits
        .max_input_bytes
        .saturating_add(LINE_SLACK);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut stats = Stats::default();
    let mut line_no: u64 = 0;
    loop {
        if input.buffer().is_empty() {
            // The next read may block (a pipe fed line by line): let the reader see
            // what is done so far. With bulk input this is one flush per 64 KiB read.
            output.flush()?;
        }
        buf.clear();
        if buf.capacity() > KEEP_CAPACITY {
            buf.shrink_to(KEEP_CAPACITY);
        }
        let read = read_line_capped(&mut input, &mut buf, cap)?;
        line_no += 1;
        let outcome = match read {
            LineRead::Eof => break,
            LineRead::TooLong { len } => Err(LineError {
                id: recover_id(&buf),
                message: format!("line is {len} bytes, over the {cap} byte limit"),
            }),
            LineRead::Line => {
                let line = trim_line(&buf);
                // A byte-order mark some editors write at the start of a file.
                let line = match line_no {
                    1 => line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line),
                    _ => line,
                };
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                process_line(guard, opts, line, &mut output)?
            }
        };
        match outcome {
            Ok(()) => stats.scanned += 1,
            Err(e) => {
                stats.errors += 1;
                write_line(
                    &mut output,
                    &ErrorLine {
                        id: e.id,
                        line: line_no,
                        error: &e.message,
                    },
                )?;
            }
        }
    }
    output.flush()?;
    Ok(stats)
}

/// Parses, scans and answers one line. The outer error is I/O (ends the run); the
/// inner one is a bad line (answered with an error line).
fn process_line<W: Write>(
    guard: &Guard,
    opts: &Options<'_>,
    line: &[u8],
    output: &mut W,
) -> io::Result<Result<(), LineError>> {
    if line.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // serde would also accept an array for a struct: the contract says object.
        let message = "invalid line: expected a JSON object with a `text` string".to_owned();
        return Ok(Err(LineError { id: None, message }));
    }
    let parsed: InLine<'_> = match serde_json::from_slice(line) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(LineError {
                id: recover_id(line),
                message: json_error(&e),
            }));
        }
    };
    let ctx = match context(opts, &parsed) {
        Ok(ctx) => ctx,
        Err(message) => {
            return Ok(Err(LineError {
                id: parsed.id.map(ToOwned::to_owned),
                message,
            }));
        }
    };
    let req = ScanRequest {
        stage: opts.stage,
        text: &parsed.text,
        role: opts.role,
        ctx: ctx.as_ref(),
    };
    let verdict = guard.scan(&req);
    write_line(output, &OutLine::new(parsed.id, &verdict))?;
    Ok(Ok(()))
}

/// The scan context of one line: its secrets (output stage only) and the command line's.
fn context<'a>(opts: &Options<'_>, line: &InLine<'a>) -> Result<Cow<'static, ScanContext>, String> {
    static EMPTY: ScanContext = ScanContext::EMPTY;
    if opts.stage != Stage::Output
        || (line.secret.is_none() && line.secrets.is_none() && opts.secrets.is_empty())
    {
        return Ok(Cow::Borrowed(&EMPTY));
    }
    let mut secrets = opts.secrets.to_vec();
    if let Some(raw) = line.secret {
        let one: Option<String> = serde_json::from_str(raw.get())
            .map_err(|_| "field `secret` must be a string".to_owned())?;
        secrets.extend(one);
    }
    if let Some(raw) = line.secrets {
        let many: Option<Vec<String>> = serde_json::from_str(raw.get())
            .map_err(|_| "field `secrets` must be an array of strings".to_owned())?;
        secrets.extend(many.unwrap_or_default());
    }
    Ok(Cow::Owned(ScanContext {
        secrets,
        ..ScanContext::default()
    }))
}

/// One input line. Unknown fields are ignored; `secret`/`secrets` are parsed only at
/// the output stage, so other stages ignore them whatever their type.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a JSON object with a `text` string")]
struct InLine<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow, default)]
    secret: Option<&'a RawValue>,
    #[serde(borrow, default)]
    secrets: Option<&'a RawValue>,
}

/// One verdict line.
#[derive(Debug, Serialize)]
struct OutLine<'a> {
    id: Option<&'a RawValue>,
    decision: &'static str,
    score: f32,
    findings: Findings<'a>,
    /// Findings the caps left out (`Verdict::findings`), absent when none.
    #[serde(skip_serializing_if = "gatehouse_runtime::finding::is_zero")]
    findings_omitted: usize,
    /// The shadow policy's decision, when the policy has one (recorded, not enforced).
    #[serde(skip_serializing_if = "Option::is_none")]
    shadow_decision: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<&'a str>,
}

impl<'a> OutLine<'a> {
    fn new(id: Option<&'a RawValue>, v: &'a Verdict) -> OutLine<'a> {
        OutLine {
            id,
            decision: v.decision.as_str(),
            score: v.score,
            findings: Findings(&v.findings),
            findings_omitted: v.findings_omitted,
            shadow_decision: v.shadow.as_ref().map(|s| s.decision.as_str()),
            redacted: v.redacted.as_deref(),
        }
    }
}

/// The findings, with only the fields of the contract.
#[derive(Debug)]
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|f| FindingOut {
            rule: &f.rule,
            category: f.category,
            severity: f.severity,
            start: f.start,
            end: f.end,
        }))
    }
}

#[derive(Debug, Serialize)]
struct FindingOut<'a> {
    rule: &'a str,
    category: Category,
    severity: Severity,
    start: usize,
    end: usize,
}

/// The answer to a line that could not be scanned.
#[derive(Debug, Serialize)]
struct ErrorLine<'a> {
    id: Option<Box<RawValue>>,
    line: u64,
    error: &'a str,
}

/// Why a line could not be scanned, with its id when it could be read.
#[derive(Debug)]
struct LineError {
    id: Option<Box<RawValue>>,
    message: String,
}

fn write_line<W: Write, T: Serialize>(output: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *output, value).map_err(io::Error::from)?;
    output.write_all(b"\n")
}

/// A serde_json error on one line, as the error line says it.
fn json_error(e: &serde_json::Error) -> String {
    format!("invalid line: {}", crate::format::json_error(e))
}

/// Drops the line terminator (`\n` was not kept; a `\r` before it may be).
fn trim_line(buf: &[u8]) -> &[u8] {
    buf.strip_suffix(b"\r").unwrap_or(buf)
}

/// Result of reading one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineRead {
    /// No more input.
    Eof,
    /// A whole line is in the buffer (without its `\n`).
    Line,
    /// The line was longer than the cap: the buffer holds its first `cap` bytes, the
    /// rest was read and dropped.
    TooLong { len: usize },
}

/// Reads one line into `buf`, keeping at most `cap` bytes of it; the rest of an
/// overlong line is consumed without being stored.
fn read_line_capped<R: Read>(
    input: &mut BufReader<R>,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<LineRead> {
    let mut total = 0usize;
    let mut over = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (total, over) {
                (0, _) => LineRead::Eof,
                (len, true) => LineRead::TooLong { len },
                (_, false) => LineRead::Line,
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let (content, consumed) = match newline {
            Some(i) => (available.get(..i).unwrap_or_default(), i + 1),
            None => (available, available.len()),
        };
        total = total.saturating_add(content.len());
        if !over {
            let room = cap.saturating_sub(buf.len());
            if content.len() > room {
                over = true;
                buf.extend_from_slice(content.get(..room).unwrap_or_default());
            } else {
                buf.extend_from_slice(content);
            }
        }
        input.consume(consumed);
        if newline.is_some() {
            return Ok(if over {
                LineRead::TooLong { len: total }
            } else {
                LineRead::Line
            });
        }
    }
}

/// Finds the `id` of a line that failed to parse (bad JSON later in the line, a
/// missing or mistyped `text`, or only the first bytes of an overlong line): reads
/// the object's members in order until `id`, and keeps it even though the rest fails.
fn recover_id(line: &[u8]) -> Option<Box<RawValue>> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(line);
    let _ = IdProbe { found: &mut found }.deserialize(&mut de);
    found
}

struct IdProbe<'f> {
    found: &'f mut Option<Box<RawValue>>,
}

impl<'de> DeserializeSeed<'de> for IdProbe<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IdProbe<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "id" {
                let id: &'de RawValue = map.next_value()?;
                if id.get() != "null" {
                    *self.found = Some(id.to_owned());
                }
                return Ok(());
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recover_id_reads_the_id_before_the_damage() {
        let cases: [(&str, Option<&str>); 6] = [
            (r#"{"id": "a1", "text": 5}"#, Some(r#""a1""#)),
            (r#"{"id": 7, "text": "unterminated"#, Some("7")),
            (
                r#"{"x": [1, 2], "id": {"k": 1}, "text""#,
                Some(r#"{"k": 1}"#),
            ),
            (r#"{"text": "abc", "id"#, None),
            (r#"not json"#, None),
            (r#"{"id": null}"#, None),
        ];
        for (line, want) in cases {
            let got = recover_id(line.as_bytes());
            assert_eq!(got.as_ref().map(|r| r.get()), want, "line {line}");
        }
    }

    #[test]
    fn read_line_capped_splits_and_caps() {
        let data = b"short\nthis line is too long\n\nlast";
        let mut input = BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            buf.clear();
            let r = read_line_capped(&mut input, &mut buf, 8).unwrap();
            if r == LineRead::Eof {
                break;
            }
            got.push((r, String::from_utf8(buf.clone()).unwrap()));
        }
        assert_eq!(
            got,
            vec![
                (LineRead::Line, "short".to_owned()),
                (LineRead::TooLong { len: 21 }, "this lin".to_owned()),
                (LineRead::Line, String::new()),
                (LineRead::Line, "last".to_owned()),
            ]
        );
    }
}
