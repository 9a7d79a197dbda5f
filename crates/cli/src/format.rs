//! Human-readable output: verdicts, excerpts of the user's text, percentages.

use std::fmt::Write as _;

use gatehouse_core::{Finding, Verdict};

/// Longest excerpt shown for a matched span or a corpus row, in characters.
pub(crate) const EXCERPT_CHARS: usize = 80;

/// A one-line, quoted excerpt of `text`: control and invisible characters escaped
/// (so a zero-width space shows as `\u{200b}`), cut in the middle when longer than
/// `max` characters.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let escaped: Vec<String> = text.chars().map(escape_char).collect();
    let mut out = String::with_capacity(max.min(escaped.len()) * 2 + 2);
    out.push('"');
    if escaped.len() <= max {
        escaped.iter().for_each(|c| out.push_str(c));
    } else {
        let tail = max / 4;
        let head = max.saturating_sub(tail + 1);
        escaped.iter().take(head).for_each(|c| out.push_str(c));
        out.push('…');
        escaped
            .iter()
            .skip(escaped.len() - tail)
            .for_each(|c| out.push_str(c));
    }
    out.push('"');
    out
}

/// Shows printable characters as they are and everything else escaped.
fn escape_char(c: char) -> String {
    match c {
        '"' => "\\\"".to_owned(),
        '\\' => "\\\\".to_owned(),
        ' ' => " ".to_owned(),
        c if c.is_control() || c.is_whitespace() || is_invisible(c) => {
            c.escape_unicode().to_string()
        }
        c => c.to_string(),
    }
    .replace("\\u{a}", "\\n")
    .replace("\\u{9}", "\\t")
    .replace("\\u{d}", "\\r")
}

/// Format and invisible characters a reader would not see.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}' | '\u{e0000}'..='\u{e0fff}')
}

/// A ratio as a percentage with one decimal, or `-` when undefined.
pub(crate) fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// The readable verdict of `gatehouse scan TEXT` and `gatehouse demo`.
pub(crate) fn verdict(text: &str, v: &Verdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "decision  {}", v.decision);
    let _ = writeln!(out, "score     {:.3}", v.score);
    if v.findings.is_empty() {
        let _ = writeln!(out, "findings  none");
    } else if v.findings_omitted > 0 {
        let _ = writeln!(
            out,
            "findings  {} shown, {} more left out (at most {} per rule, {} in all)",
            v.findings.len(),
            v.findings_omitted,
            gatehouse_core::MAX_FINDINGS_PER_RULE,
            gatehouse_core::MAX_FINDINGS
        );
    } else {
        let _ = writeln!(out, "findings  {}", v.findings.len());
    }
    for (i, f) in v.findings.iter().enumerate() {
        finding(&mut out, i + 1, text, f);
    }
    for e in &v.errors {
        let _ = writeln!(out, "error     {e}");
    }
    if let Some(sh) = &v.shadow {
        let rules = match sh.rules.is_empty() {
            true => "no rule fired".to_owned(),
            false => sh.rules.join(", "),
        };
        let _ = writeln!(
            out,
            "shadow    {} (score {:.3}; {rules}): recorded, not enforced",
            sh.decision, sh.score
        );
    }
    if let Some(r) = &v.redacted {
        let _ = writeln!(out, "redacted  {}", excerpt(r, usize::MAX));
    }
    out
}

fn finding(out: &mut String, n: usize, text: &str, f: &Finding) {
    let _ = writeln!(
        out,
        "  [{n}] {}  {}  {}  bytes {}..{}  action {}",
        f.rule,
        f.category,
        f.severity,
        f.start,
        f.end,
        action_name(f)
    );
    match text.get(f.start..f.end) {
        Some(m) if !m.is_empty() => {
            let _ = writeln!(out, "      matched  {}", excerpt(m, EXCERPT_CHARS));
        }
        _ => {}
    }
    if !f.reason.is_empty() {
        let _ = writeln!(out, "      reason   {}", f.reason);
    }
}

fn action_name(f: &Finding) -> &'static str {
    gatehouse_core::Decision::from(f.action).as_str()
}

/// A serde_json error on one line of a JSON-lines file, without its "at line 1 column
/// N" (the caller names the file's line), with the column kept when it helps.
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = full
        .rfind(" at line ")
        .and_then(|i| full.get(..i))
        .unwrap_or(&full);
    if e.column() > 0 {
        format!("{message} (column {})", e.column())
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_escapes_invisible_and_cuts_long_text() {
        let cases = [
            ("plain", 80, "\"plain\""),
            ("a\u{200b}b", 80, "\"a\\u{200b}b\""),
            ("line\nnext\t\"q\"", 80, "\"line\\nnext\\t\\\"q\\\"\""),
            ("abcdefghijklmnopqrst", 9, "\"abcdef…st\""),
        ];
        for (input, max, want) in cases {
            assert_eq!(excerpt(input, max), want, "input {input:?}");
        }
    }

    #[test]
    fn percent_formats_or_dashes() {
        assert_eq!(percent(Some(0.156)), "15.6 %");
        assert_eq!(percent(None), "-");
    }
}
