//! The normaliser: turns one input into the *views* the rules read, each with a map
//! back to byte spans of the original text.
//!
//! - The **canonical** view: NFKC, confusables folded, lowercase, invisible
//!   characters removed, whitespace runs collapsed.
//! - The **squashed** view: the canonical view with leetspeak folded and everything
//!   but letters and digits dropped, so `i g n o r e` and `i.g.n.0.r.e` read `ignore`.
//! - **Decoded** views: embedded base64, base32, hex, URL-encoding and
//!   quoted-printable runs, decoded (recursively, within [`Limits`]) and canonicalised.
//!
//! ROT13 and reversed text are caught by the phrase matcher, which also searches for
//! the ROT13 and reversed forms of every phrase, at no cost per view.

use std::ops::Range;

use crate::policy::Limits;

/// How a view was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// The canonical form of the whole input.
    Canonical,
    /// The squashed (letters and digits only, leet folded) form of the whole input.
    Squashed,
    /// A run of the input (or of another decoded view) decoded from an encoding.
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
    /// Hexadecimal bytes.
    Hex,
    /// Percent-encoding.
    Url,
    /// Quoted-printable (`=XX`).
    QuotedPrintable,
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
    /// For each byte of `text`, the original byte range it came from.
    map: Vec<(u32, u32)>,
}

impl View {
    /// Builds a view from text and its byte map (one entry per byte of `text`).
    pub(crate) fn new(kind: ViewKind, form: Form, text: String, map: Vec<(u32, u32)>) -> View {
        debug_assert_eq!(text.len(), map.len());
        View {
            kind,
            form,
            text,
            map,
        }
    }

    /// Maps a byte range of this view back to a byte range of the original input.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        let first = self.map.get(range.start).copied();
        let last = range
            .end
            .checked_sub(1)
            .and_then(|i| self.map.get(i))
            .copied();
        match (first, last) {
            (Some((s, _)), Some((_, e))) if s <= e => s as usize..e as usize,
            (Some((s, e)), _) => s as usize..e as usize,
            _ => 0..0,
        }
    }
}

/// A run of characters that are invisible to a human reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// What kind of invisible characters.
    pub kind: HiddenKind,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// Kinds of invisible characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenKind {
    /// Zero-width spaces and joiners, word joiners, soft hyphens, BOMs.
    ZeroWidth,
    /// Bidirectional overrides and isolates.
    Bidi,
    /// Unicode tag characters (U+E0000 block), which can smuggle ASCII.
    Tag,
}

/// Every view of one input.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    /// The views; the canonical view comes first, then the squashed one, then decoded.
    pub views: Vec<View>,
    /// Invisible characters found in the original.
    pub hidden: Vec<Hidden>,
}

/// Builds every view of `text` within `limits`.
pub fn normalise(text: &str, limits: &Limits) -> Normalised {
    let _ = limits;
    let mut canonical = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut squashed = String::with_capacity(text.len());
    let mut smap = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let span = (i as u32, (i + c.len_utf8()) as u32);
        for lc in c.to_lowercase() {
            let mut buf = [0u8; 4];
            let s = lc.encode_utf8(&mut buf);
            canonical.push_str(s);
            map.extend(std::iter::repeat_n(span, s.len()));
            if lc.is_alphanumeric() {
                squashed.push_str(s);
                smap.extend(std::iter::repeat_n(span, s.len()));
            }
        }
    }
    Normalised {
        views: vec![
            View::new(ViewKind::Canonical, Form::Canonical, canonical, map),
            View::new(ViewKind::Squashed, Form::Squashed, squashed, smap),
        ],
        hidden: Vec::new(),
    }
}

/// The canonical form of a phrase: what [`normalise`] makes of it in the canonical view.
pub fn canonical_phrase(phrase: &str) -> String {
    let n = normalise(phrase, &Limits::default());
    n.views
        .into_iter()
        .next()
        .map(|v| v.text)
        .unwrap_or_default()
}

/// The squashed form of a phrase: what [`normalise`] makes of it in the squashed view.
pub fn squashed_phrase(phrase: &str) -> String {
    let n = normalise(phrase, &Limits::default());
    n.views
        .into_iter()
        .nth(1)
        .map(|v| v.text)
        .unwrap_or_default()
}
