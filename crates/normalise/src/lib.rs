//! The Gatehouse normaliser: turns one input into the *views* the rules read, each with a map
//! back to byte spans of the original text.
//!
//! - The **canonical** view ([`ViewKind::Canonical`]): compatibility-decomposed (the K
//!   of NFKC), diacritics stripped, confusables folded (Cyrillic, Greek and other
//!   look-alikes, fullwidth forms, typographic punctuation), lowercase, invisible
//!   characters removed, whitespace runs collapsed to one space, spaced-out letters
//!   joined (`i g n o r e`, `i.g.n.o.r.e`). See [`fold`](self) and the canonical pass.
//! - The **squashed** view ([`ViewKind::Squashed`]): letters and digits only, leetspeak
//!   folded, so `ig-no-re` and `1gn0r3` read `ignore`.
//! - The **leet** view ([`ViewKind::Leet`], only when some word mixes letters and leet
//!   characters): the canonical view with leetspeak folded, words kept apart, so short
//!   phrases written `y0u 4r3 n0w` are still matched word for word.
//! - **Decoded** views ([`ViewKind::Decoded`]): embedded base64, base32, hex,
//!   URL-encoding, quoted-printable, and ASCII smuggled in Unicode tag characters or
//!   variation selectors, decoded (recursively, within [`DecodeLimits`]) and canonicalised.
//!
//! Invisible characters with no innocent explanation are reported in
//! [`Normalised::hidden`]; their presence is itself a finding (rule `invisible_chars`).
//!
//! ROT13 and reversed text are caught by the phrase matcher, which also searches for
//! the ROT13 and reversed forms of every phrase, at no cost per view.
//!
//! Speed: plain ASCII is copied in bulk (no decomposition, no table look-ups); every
//! view is built in one pass; byte maps are lists of segments, not one entry per byte.

pub mod bytes;
mod canonical;
#[cfg(test)]
mod canonical_ref;
#[cfg(test)]
mod canonical_tests;
mod decode;
pub mod email;
mod fold;
mod invisible;
mod leet;
mod map;
mod script;

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use invisible::MAX_HIDDEN_RUNS;
pub use leet::digit_letter;
use map::{ByteMap, ViewBuf};

/// How a view was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// The canonical form of the whole input.
    Canonical,
    /// The squashed (letters and digits only, leet folded) form of the whole input.
    Squashed,
    /// The canonical form with leetspeak folded (present only when the input has words
    /// mixing letters and leet characters). Matched like the canonical view.
    Leet,
    /// Text of the input (or of another decoded view) decoded from an encoding.
    Decoded {
        /// The encoding that was undone.
        encoding: Encoding,
        /// 1 for a run of the original text, 2 for a run inside a decoded run, …
        depth: u8,
    },
}

/// Which phrase forms a view is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Words with single spaces between them.
    Canonical,
    /// Letters and digits only.
    Squashed,
}

/// An encoding the normaliser can undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// RFC 4648 base64, standard or URL-safe alphabet.
    Base64,
    /// RFC 4648 base32.
    Base32,
    /// Hexadecimal bytes (contiguous, separated pairs, or `\x` escapes).
    Hex,
    /// Percent-encoding.
    Url,
    /// Quoted-printable (`=XX`).
    QuotedPrintable,
    /// ASCII carried by invisible Unicode tag characters (U+E0020..E007E).
    UnicodeTags,
    /// Bytes carried by variation selectors, one selector per byte.
    VariationSelectors,
}

impl Encoding {
    /// Lowercase name, used in finding reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base32 => "base32",
            Encoding::Hex => "hex",
            Encoding::Url => "url",
            Encoding::QuotedPrintable => "quoted-printable",
            Encoding::UnicodeTags => "unicode-tag",
            Encoding::VariationSelectors => "variation-selector",
        }
    }
}

/// One view of the input.
#[derive(Debug, Clone)]
pub struct View {
    /// How the view was made.
    pub kind: ViewKind,
    /// Which phrase forms to match against it.
    pub form: Form,
    /// The view's text.
    pub text: String,
    /// Where each byte of `text` came from.
    map: ByteMap,
}

impl View {
    fn from_buf(kind: ViewKind, form: Form, buf: ViewBuf) -> View {
        View {
            kind,
            form,
            text: buf.text,
            map: buf.map,
        }
    }

    /// Maps a byte range of this view back to a byte range of the original input.
    /// The result always lies on char boundaries of the original; an empty range maps
    /// to an empty range.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        self.map.to_original(range)
    }

    /// The original range byte `at` of this view came from.
    pub fn origin_of(&self, at: usize) -> Option<Range<usize>> {
        self.map.span(at).map(|(s, e)| s as usize..e as usize)
    }

    /// How many pieces the byte map has (a measure of how far the view strays from
    /// the original; for tests and benchmarks).
    pub fn map_segments(&self) -> usize {
        self.map.segments()
    }
}

/// A run of characters that are invisible to a human reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// What kind of invisible characters.
    pub kind: HiddenKind,
    /// Byte range in the original text (from the first to the last invisible char of
    /// the run; visible chars they are sprinkled between are inside it).
    pub span: Range<usize>,
    /// How many invisible chars the run holds.
    pub count: usize,
}

/// Kinds of invisible characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HiddenKind {
    /// Zero-width spaces, joiners and non-joiners, word joiners, invisible operators,
    /// soft hyphens, byte-order marks, Hangul fillers, braille blanks.
    ZeroWidth,
    /// Bidirectional marks, embeddings, overrides and isolates.
    Bidi,
    /// Unicode tag characters (U+E0000 block), which can smuggle ASCII.
    Tag,
    /// Variation selectors beyond the one a symbol may carry, which can smuggle bytes.
    VariationSelector,
}

impl HiddenKind {
    /// Every kind.
    pub const ALL: [HiddenKind; 4] = [
        HiddenKind::ZeroWidth,
        HiddenKind::Bidi,
        HiddenKind::Tag,
        HiddenKind::VariationSelector,
    ];

    /// A short human name, used in finding reasons.
    pub fn describe(self) -> &'static str {
        match self {
            HiddenKind::ZeroWidth => "zero-width",
            HiddenKind::Bidi => "bidirectional control",
            HiddenKind::Tag => "unicode tag",
            HiddenKind::VariationSelector => "variation selector",
        }
    }
}

/// Every view of one input.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    /// The views: canonical first, then squashed, then leet (if any), then decoded.
    pub views: Vec<View>,
    /// Suspicious invisible characters, in the original or in decoded text, sorted by
    /// span, at most [`MAX_HIDDEN_RUNS`] runs (plus one per kind).
    pub hidden: Vec<Hidden>,
}

/// The part of `text` the normaliser looks at: byte maps use `u32` offsets.
fn clamp(text: &str) -> &str {
    let mut end = text.len().min(u32::MAX as usize - 8);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Bounds on the decoding work for one input: a hostile input cannot make the
/// normaliser use more than this, whatever it nests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// How many encodings deep the normaliser decodes (base64 inside hex inside …).
    pub max_decode_depth: u8,
    /// Total bytes of decoded views the normaliser may produce for one input.
    pub max_decoded_bytes: usize,
    /// Shortest run of encoded-looking text worth decoding.
    pub min_encoded_len: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_decode_depth: 3,
            max_decoded_bytes: 256 * 1024,
            min_encoded_len: 16,
        }
    }
}

impl From<&DecodeLimits> for DecodeLimits {
    fn from(limits: &DecodeLimits) -> Self {
        *limits
    }
}

/// Builds every view of `text` within `limits` (a [`DecodeLimits`], or anything that
/// converts into one, such as a policy's limits).
pub fn normalise(text: &str, limits: impl Into<DecodeLimits>) -> Normalised {
    let limits = &limits.into();
    let text = clamp(text);
    let mut sink = invisible::HiddenSink::default();
    let folded = canonical::fold(text, &canonical::Identity, &mut sink);
    let leet = leet::leet_view(&folded.buf);
    let squashed = leet::squash(leet.as_ref().unwrap_or(&folded.buf));
    let mut views = Vec::with_capacity(4);
    views.push(View::from_buf(
        ViewKind::Canonical,
        Form::Canonical,
        folded.buf,
    ));
    views.push(View::from_buf(ViewKind::Squashed, Form::Squashed, squashed));
    if let Some(l) = leet {
        views.push(View::from_buf(ViewKind::Leet, Form::Canonical, l));
    }
    let mut ctx = decode::Ctx {
        limits,
        used: 0,
        views: &mut views,
        hidden: &mut sink,
    };
    decode::decode_layer(text, None, &folded.tags, &folded.selectors, 1, &mut ctx);
    let mut hidden = sink.runs;
    hidden.sort_by_key(|h| (h.span.start, h.span.end));
    Normalised { views, hidden }
}

/// The canonical form of a phrase: what [`normalise`] makes of it in the canonical view.
pub fn canonical_phrase(phrase: &str) -> String {
    let mut sink = invisible::HiddenSink::default();
    canonical::fold(clamp(phrase), &canonical::Identity, &mut sink)
        .buf
        .text
}

/// The squashed form of a phrase: what [`normalise`] makes of it in the squashed view.
pub fn squashed_phrase(phrase: &str) -> String {
    let mut sink = invisible::HiddenSink::default();
    let folded = canonical::fold(clamp(phrase), &canonical::Identity, &mut sink);
    let leet = leet::leet_view(&folded.buf);
    leet::squash(leet.as_ref().unwrap_or(&folded.buf)).text
}
