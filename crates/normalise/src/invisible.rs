//! Invisible characters: zero-width characters, bidirectional controls, Unicode tag
//! characters, variation selectors. All are removed from the views; those with no
//! innocent explanation are reported in [`super::Normalised::hidden`].
//!
//! Innocent uses that are not reported: a zero-width joiner inside an emoji sequence
//! or Indic/Arabic-script word, a zero-width non-joiner in Persian or Indic text, one
//! emoji/text variation selector after a symbol, a tag sequence after U+1F3F4 (flags
//! of subdivisions such as Scotland), a byte-order mark at the very start, a left-to-
//! right or right-to-left mark next to right-to-left text.
//!
//! Tag characters U+E0020..E007E spell ASCII ("ASCII smuggling"); runs of variation
//! selectors can spell bytes (one selector per byte). Both payloads are collected here
//! and decoded into views by [`super::decode`].

use super::{Hidden, HiddenKind};

/// At most this many hidden runs are recorded per input; later invisible characters
/// widen the last run of their kind, so a hostile input cannot flood the findings.
pub const MAX_HIDDEN_RUNS: usize = 64;

/// Hidden characters of one kind closer than this (in original bytes) form one run:
/// `i\u{200B}g\u{200B}n…` is one run, not one per letter.
const MERGE_GAP: u32 = 4;

/// What an invisible char is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invisible {
    /// Its kind.
    pub kind: HiddenKind,
    /// Renders as blank space (Hangul fillers, braille blank): a word separator.
    pub spacing: bool,
}

/// Classifies a char as invisible, or not.
pub(crate) fn classify(c: char) -> Option<Invisible> {
    let n = u32::from(c);
    if n < 0xAD {
        return None;
    }
    let (kind, spacing) = match n {
        0x00AD
        | 0x034F
        | 0x17B4
        | 0x17B5
        | 0x180E
        | 0x200B..=0x200D
        | 0x2060..=0x2065
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0x1D173..=0x1D17A => (HiddenKind::ZeroWidth, false),
        0x115F | 0x1160 | 0x2800 | 0x3164 | 0xFFA0 => (HiddenKind::ZeroWidth, true),
        0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069 => (HiddenKind::Bidi, false),
        0xE0000..=0xE007F => (HiddenKind::Tag, false),
        0x180B..=0x180D | 0x180F | 0xFE00..=0xFE0F | 0xE0100..=0xE01EF => {
            (HiddenKind::VariationSelector, false)
        }
        _ => return None,
    };
    Some(Invisible { kind, spacing })
}

/// The byte a variation selector stands for in the one-selector-per-byte scheme.
pub(crate) fn selector_byte(c: char) -> Option<u8> {
    let n = u32::from(c);
    match n {
        0xFE00..=0xFE0F => u8::try_from(n - 0xFE00).ok(),
        0xE0100..=0xE01EF => u8::try_from(n - 0xE0100 + 16).ok(),
        _ => None,
    }
}

/// Context around one invisible char, for telling innocent uses apart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Around {
    /// The last visible char before it.
    pub prev: Option<char>,
    /// The char right after it.
    pub next: Option<char>,
    /// The char right before it was invisible too.
    pub after_invisible: bool,
    /// Its byte offset in the text being folded.
    pub at: usize,
    /// The current tag run began right after a black flag (subdivision flag).
    pub flag_tags: bool,
}

fn is_rtl(c: Option<char>) -> bool {
    c.is_some_and(|c| matches!(u32::from(c), 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFE))
}

fn is_joining_script(c: Option<char>) -> bool {
    c.is_some_and(|c| matches!(u32::from(c), 0x0600..=0x0FFF | 0x1780..=0x18AF | 0xA8E0..=0xA8FF))
}

fn is_pictographic(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        matches!(u32::from(c), 0x2190..=0x21FF | 0x2300..=0x23FF | 0x2460..=0x27BF | 0x2900..=0x2BFF
            | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x1F000..=0x1FAFF)
    })
}

/// True when this invisible char has an innocent explanation in its context.
pub(crate) fn is_innocent(c: char, inv: Invisible, cx: &Around) -> bool {
    match (inv.kind, c) {
        (HiddenKind::ZeroWidth, '\u{200D}') => {
            !cx.after_invisible && (is_pictographic(cx.prev) || is_joining_script(cx.prev))
        }
        (HiddenKind::ZeroWidth, '\u{200C}') => !cx.after_invisible && is_joining_script(cx.prev),
        (HiddenKind::ZeroWidth, '\u{FEFF}') => cx.at == 0,
        (HiddenKind::Bidi, '\u{200E}' | '\u{200F}' | '\u{061C}') => {
            is_rtl(cx.prev) || is_rtl(cx.next)
        }
        (HiddenKind::Tag, _) => cx.flag_tags,
        (HiddenKind::VariationSelector, '\u{180B}'..='\u{180F}') => cx
            .prev
            .is_some_and(|p| ('\u{1800}'..='\u{18AF}').contains(&p)),
        (HiddenKind::VariationSelector, _) => {
            // One selector right after a symbol, ideograph or keycap digit.
            !cx.after_invisible
                && cx
                    .prev
                    .is_some_and(|p| !p.is_ascii() || p.is_ascii_digit() || p == '#' || p == '*')
        }
        _ => false,
    }
}

/// Collects hidden runs, merging neighbours and capping their number.
#[derive(Debug, Default)]
pub(crate) struct HiddenSink {
    /// The runs so far.
    pub runs: Vec<Hidden>,
    last_of_kind: [Option<usize>; 4],
}

fn kind_index(k: HiddenKind) -> usize {
    match k {
        HiddenKind::ZeroWidth => 0,
        HiddenKind::Bidi => 1,
        HiddenKind::Tag => 2,
        HiddenKind::VariationSelector => 3,
    }
}

impl HiddenSink {
    /// Records one suspicious invisible char at original `start..end`.
    pub(crate) fn report(&mut self, kind: HiddenKind, start: u32, end: u32) {
        let k = kind_index(kind);
        let (start, end) = (start as usize, end as usize);
        let last = self.last_of_kind.get(k).copied().flatten();
        let full = self.runs.len() >= MAX_HIDDEN_RUNS;
        if let Some(i) = last
            && let Some(run) = self.runs.get_mut(i)
            && (start <= run.span.end + MERGE_GAP as usize || full)
        {
            run.span.start = run.span.start.min(start);
            run.span.end = run.span.end.max(end);
            run.count += 1;
            return;
        }
        self.runs.push(Hidden {
            kind,
            span: start..end,
            count: 1,
        });
        if let Some(slot) = self.last_of_kind.get_mut(k) {
            *slot = Some(self.runs.len() - 1);
        }
    }
}

/// Bytes carried by invisible chars (tag characters or variation selectors), in
/// chunks (one per run of consecutive carriers), each byte with its original range.
#[derive(Debug, Default)]
pub(crate) struct Payload {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Original range of each byte.
    pub spans: Vec<(u32, u32)>,
    /// End offset (in `bytes`) of each chunk.
    pub chunks: Vec<usize>,
    /// Text offset just after the last carrier, to tell whether the next one continues the run.
    last_end: usize,
}

impl Payload {
    /// Adds one carried byte; `at..end` is the carrier's offset in the folded text.
    pub(crate) fn push(&mut self, byte: u8, at: usize, end: usize, span: (u32, u32)) {
        if !self.bytes.is_empty() && at != self.last_end {
            self.chunks.push(self.bytes.len());
        }
        self.bytes.push(byte);
        self.spans.push(span);
        self.last_end = end;
    }

    /// Closes the last chunk.
    pub(crate) fn finish(&mut self) {
        if self.chunks.last().copied().unwrap_or(0) != self.bytes.len() {
            self.chunks.push(self.bytes.len());
        }
    }

    /// True when nothing was carried.
    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}
