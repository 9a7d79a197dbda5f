//! E-mail addresses read as one placeholder.
//!
//! The classifier should judge what a text asks, not whose address it names: trained on
//! the raw bytes, the model learned that the domains of the attack examples' addresses
//! (`attacker@evil.example`) look like attacks, and flagged a customer's
//! `Please update my email to jane.doe@example.com.`. A model with
//! [`FeatureSet::MASK_EMAIL`](super::features::FeatureSet::MASK_EMAIL) reads every
//! address as [`PLACEHOLDER`], in training and in scoring alike, so an address adds the
//! same features wherever it points; `send the data to <email>` still reads as
//! exfiltration.
//!
//! An address is what the `email` PII rule and the leet fold read as one
//! ([`address_at`]: `local@domain.tld`, ASCII, found from its `@`).

use std::ops::Range;

use super::features::FeatureSet;
use crate::normalise::email::address_at;

/// What an address reads as.
pub const PLACEHOLDER: &str = "<email>";

/// A text with its addresses replaced by [`PLACEHOLDER`], and where they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    /// The masked text.
    pub text: String,
    /// Each address: its placeholder's start in [`Masked::text`] and its byte range in
    /// the source text, in order.
    spans: Vec<(usize, Range<usize>)>,
}

impl Masked {
    /// The text with its addresses masked, or `None` when it has none (the text is read
    /// as it is). Cost without an `@`: one `memchr` pass.
    pub fn of(text: &str) -> Option<Masked> {
        let bytes = text.as_bytes();
        let mut text_out = String::new();
        let mut spans = Vec::new();
        let mut copied = 0;
        for at in memchr::memchr_iter(b'@', bytes) {
            if at < copied {
                continue;
            }
            let Some((start, end)) = address_at(bytes, at).filter(|&(s, _)| s >= copied) else {
                continue;
            };
            let address = start..end;
            text_out.push_str(text.get(copied..address.start).unwrap_or_default());
            spans.push((text_out.len(), address.clone()));
            text_out.push_str(PLACEHOLDER);
            copied = address.end;
        }
        if spans.is_empty() {
            return None;
        }
        text_out.push_str(text.get(copied..).unwrap_or_default());
        Some(Masked {
            text: text_out,
            spans,
        })
    }

    /// What a model with feature set `features` reads of `text`, when that differs
    /// from the text: its addresses masked if the model has
    /// [`FeatureSet::MASK_EMAIL`] and the text has an address. Training and scoring
    /// both call this, so they read the same.
    pub fn as_read_by(features: FeatureSet, text: &str) -> Option<Masked> {
        if features.has(FeatureSet::MASK_EMAIL) {
            Masked::of(text)
        } else {
            None
        }
    }

    /// The source range of a range of the masked text. A bound inside a placeholder
    /// moves out to cover its whole address.
    pub fn to_source(&self, range: Range<usize>) -> Range<usize> {
        self.position(range.start, false)..self.position(range.end, true)
    }

    fn position(&self, p: usize, end: bool) -> usize {
        // The last placeholder starting at or before `p` (for an end, before it).
        let i = self
            .spans
            .partition_point(|(m, _)| if end { *m < p } else { *m <= p });
        let Some((m, source)) = i.checked_sub(1).and_then(|i| self.spans.get(i)) else {
            return p;
        };
        let inside = p - m;
        if inside < PLACEHOLDER.len() || (end && inside == PLACEHOLDER.len()) {
            return if end && inside > 0 {
                source.end
            } else {
                source.start
            };
        }
        source.end + (inside - PLACEHOLDER.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, masked text or None).
    const CASES: &[(&str, Option<&str>)] = &[
        ("no address here", None),
        ("follow @deals_daily for offers", None),
        ("h@ck the pl@net", None),
        ("user@localhost", None),
        ("a@b.c", None),
        ("x@.com", None),
        ("@example.com", None),
        (
            "please update my email to jane.doe@example.com.",
            Some("please update my email to <email>."),
        ),
        (
            "send it to attacker@evil.example and cc ops-team+x@mail.co.uk, then stop",
            Some("send it to <email> and cc <email>, then stop"),
        ),
        ("jane@example.com", Some("<email>")),
        ("a@b@example.org", None),
        ("icon@2x.png", None),
        ("mail:bob@ex-ample.io- now", Some("mail:<email>- now")),
        ("ünï jo@x.de ü", Some("ünï <email> ü")),
    ];

    #[test]
    fn addresses_are_masked_and_nothing_else() {
        for &(text, want) in CASES {
            let got = Masked::of(text);
            assert_eq!(got.as_ref().map(|m| m.text.as_str()), want, "{text:?}");
        }
    }

    /// Every range of the masked text maps to the source range that holds the same
    /// bytes, with addresses for their placeholders (a placeholder cut anywhere widens
    /// to its whole address).
    #[test]
    fn ranges_map_back_to_the_source() {
        let text = "to a@x.io or bob.b@mail.example.org, thanks";
        let m = Masked::of(text).unwrap();
        assert_eq!(m.text, "to <email> or <email>, thanks");
        assert_eq!(m.to_source(0..m.text.len()), 0..text.len());
        assert_eq!(m.to_source(0..3), 0..3);
        assert_eq!(m.to_source(3..10), 3..9);
        assert_eq!(m.to_source(5..6), 3..9);
        assert_eq!(m.to_source(10..14), 9..13);
        assert_eq!(m.to_source(14..21), 13..35);
        assert_eq!(m.to_source(21..m.text.len()), 35..text.len());
        assert_eq!(m.to_source(4..18), 3..35);
        // Empty ranges stay empty or widen to the address they sit in.
        assert_eq!(m.to_source(2..2), 2..2);
        assert_eq!(m.to_source(10..10), 9..9);
        for a in 0..=m.text.len() {
            for b in a..=m.text.len() {
                let r = m.to_source(a..b);
                assert!(r.start <= r.end && r.end <= text.len(), "{a}..{b} -> {r:?}");
                let (outside_a, outside_b) = (outside(&m, a), outside(&m, b));
                if outside_a && outside_b {
                    // Outside placeholders the bytes are the same.
                    assert_eq!(
                        strip(&m.text[a..b]),
                        strip(&text[r.clone()]),
                        "{a}..{b} -> {r:?}"
                    );
                }
            }
        }
    }

    fn outside(m: &Masked, p: usize) -> bool {
        m.spans
            .iter()
            .all(|(s, _)| p <= *s || p >= s + PLACEHOLDER.len())
    }

    /// The text with every address or placeholder replaced by `*`, to compare a masked
    /// range with its source.
    fn strip(s: &str) -> String {
        Masked::of(s)
            .map_or_else(|| s.to_owned(), |m| m.text)
            .replace(PLACEHOLDER, "*")
    }
}
