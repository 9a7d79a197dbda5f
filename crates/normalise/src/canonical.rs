//! The canonical pass: one walk over a text that folds every char (see [`super::fold`]),
//! drops invisible chars (see [`super::invisible`]), collapses whitespace runs to one
//! space and joins spaced-out letters.
//!
//! Spaced-out letters: two or more one-char words separated by exactly one
//! whitespace char (`i g n o r e`, `[ I N S T ]`), or three or more single letters
//! separated by exactly one punctuation char inside a word (`i.g.n.o.r.e`,
//! `i_g_n_o_r_e`), are joined. A wider gap between words survives as one space, so
//! `i g n o r e   a l l` reads `ignore all`.
//!
//! Runs of plain ASCII are copied in bulk; only other chars take the slow path.

use super::bytes::{HI, LO, bytes_between, bytes_equal};
use super::fold;
use super::invisible::{self, Around, HiddenSink, Payload};
use super::map::ViewBuf;
use super::script;
use crate::HiddenKind;

/// Where the bytes of the text being folded came from.
pub(crate) trait Source {
    /// Bytes of the text are the original's own (ASCII can be mapped 1:1).
    const IDENTITY: bool;
    /// Original range of text bytes `i..j`.
    fn span(&self, i: usize, j: usize) -> (u32, u32);
}

/// The text is the original.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity;

impl Source for Identity {
    const IDENTITY: bool = true;
    #[inline]
    fn span(&self, i: usize, j: usize) -> (u32, u32) {
        (i as u32, j as u32)
    }
}

/// The text was decoded; each byte carries its original range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mapped<'a>(pub &'a [(u32, u32)]);

impl Source for Mapped<'_> {
    const IDENTITY: bool = false;
    #[inline]
    fn span(&self, i: usize, j: usize) -> (u32, u32) {
        let s = self.0.get(i).map_or(0, |s| s.0);
        let e = j
            .checked_sub(1)
            .and_then(|k| self.0.get(k))
            .map_or(s, |s| s.1);
        (s.min(e), s.max(e))
    }
}

/// What the pass produces.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    /// The canonical text and its map.
    pub buf: ViewBuf,
    /// ASCII carried by tag characters.
    pub tags: Payload,
    /// Bytes carried by variation selectors.
    pub selectors: Payload,
}

// ASCII classes.
const WS: u8 = 1;
const UPPER: u8 = 2;
const NOISE: u8 = 4;
const ALPHA: u8 = 8;

#[expect(
    clippy::indexing_slicing,
    reason = "const fn over 0..128, the array's own length"
)]
const fn ascii_classes() -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_whitespace() || c == 0x0B || c.is_ascii_control() {
            WS
        } else if c.is_ascii_uppercase() {
            UPPER | ALPHA
        } else if c.is_ascii_lowercase() {
            ALPHA
        } else if matches!(
            c,
            b'.' | b'-'
                | b'_'
                | b'*'
                | b'~'
                | b'|'
                | b'/'
                | b'\\'
                | b'+'
                | b','
                | b':'
                | b';'
                | b'\''
                | b'`'
                | b'^'
                | b'='
        ) {
            NOISE
        } else {
            0
        };
        b += 1;
    }
    t
}

static ASCII: [u8; 128] = ascii_classes();

/// One-char words in a row (single whitespace between) that are joined: two is
/// enough, so `a s` in `a c t   a s   a   d a n` joins too; `a b` in plain text
/// becomes `ab`, which no phrase cares about.
const MIN_SPACED_WORDS: usize = 2;

/// Single letters in a row inside a word (single punctuation between) that are
/// joined: three, so `e.g.` stays as written.
const MIN_DOTTED_LETTERS: usize = 3;

#[inline]
fn ascii_class(b: u8) -> u8 {
    ASCII.get(b as usize).copied().unwrap_or(WS)
}

/// True for the punctuation that may separate spaced-out letters inside a word.
fn is_noise(c: char) -> bool {
    c.is_ascii() && ASCII.get(c as usize).is_some_and(|k| k & NOISE != 0)
}

struct Pass<'h> {
    buf: ViewBuf,
    hidden: &'h mut HiddenSink,
    tags: Payload,
    selectors: Payload,
    /// Pending whitespace run: count and original range.
    ws_count: u32,
    ws_span: (u32, u32),
    ws_single_space: bool,
    /// Current word: start in `buf`, chars so far (saturating at 2), has noise chars.
    word_start: usize,
    word_chars: u8,
    word_noise: bool,
    /// Spaced-word run: previous word was one char; width of the gap before this word.
    prev_single: bool,
    gap_width: u32,
    gap_pos: usize,
    run_len: usize,
    run_gaps: Vec<usize>,
    /// Byte positions of `buf` to drop at the end (joined separators).
    drops: Vec<usize>,
    /// Last visible source char, and whether an invisible char came after it.
    prev: Option<char>,
    after_invisible: bool,
    flag_tags: bool,
}

impl<'h> Pass<'h> {
    fn new(len: usize, hidden: &'h mut HiddenSink) -> Pass<'h> {
        Pass {
            buf: ViewBuf::with_capacity(len + 1),
            hidden,
            tags: Payload::default(),
            selectors: Payload::default(),
            ws_count: 0,
            ws_span: (0, 0),
            ws_single_space: false,
            word_start: 0,
            word_chars: 0,
            word_noise: false,
            prev_single: false,
            gap_width: 0,
            gap_pos: 0,
            run_len: 0,
            run_gaps: Vec::new(),
            drops: Vec::new(),
            prev: None,
            after_invisible: false,
            flag_tags: false,
        }
    }

    #[inline]
    fn whitespace(&mut self, s: u32, e: u32, is_space: bool) {
        if self.ws_count == 0 {
            self.end_word();
            self.ws_span = (s, e);
            self.ws_single_space = is_space;
        } else {
            self.ws_span.1 = e;
            self.ws_single_space = false;
        }
        self.ws_count += 1;
    }

    #[inline]
    fn flush_ws<S: Source>(&mut self) {
        if self.ws_count == 0 {
            return;
        }
        self.gap_pos = self.buf.len();
        self.gap_width = self.ws_count;
        if S::IDENTITY && self.ws_single_space {
            self.buf.push_linear(self.ws_span.0, " ");
        } else {
            self.buf.push_block(self.ws_span.0, self.ws_span.1, " ");
        }
        self.ws_count = 0;
        self.word_start = self.buf.len();
        self.word_chars = 0;
        self.word_noise = false;
    }

    /// Ends the current word: spaced-letter bookkeeping.
    fn end_word(&mut self) {
        if self.word_chars == 0 {
            return;
        }
        if self.word_chars == 1 {
            if self.prev_single && self.gap_width == 1 {
                self.run_gaps.push(self.gap_pos);
                self.run_len += 1;
            } else {
                self.commit_run();
                self.run_len = 1;
            }
            self.prev_single = true;
        } else {
            self.commit_run();
            self.run_len = 0;
            self.prev_single = false;
            if self.word_noise {
                self.scan_word_noise();
            }
        }
        self.word_chars = 0;
    }

    fn commit_run(&mut self) {
        if self.run_len >= MIN_SPACED_WORDS {
            self.drops.append(&mut self.run_gaps);
        } else {
            self.run_gaps.clear();
        }
    }

    /// Inside a word: single letters separated by single punctuation chars.
    fn scan_word_noise(&mut self) {
        let Some(word) = self.buf.text.get(self.word_start..) else {
            return;
        };
        if word.len() < 5 {
            return;
        }
        let base = self.word_start;
        let mut chain = 0usize;
        let mut chain_drops: Vec<usize> = Vec::new();
        // Current segment (between noise runs): chars, all letters.
        let mut seg_chars = 0usize;
        let mut seg_letter = true;
        // The noise run before the current segment: length and position.
        let mut noise_len = 0usize;
        let mut noise_pos = 0usize;
        let mut prev_noise_len = usize::MAX;
        let mut prev_noise_pos = 0usize;
        let mut close = |seg_chars: usize, seg_letter: bool, gap_len: usize, gap_pos: usize| {
            if seg_chars == 1 && seg_letter {
                if chain > 0 && gap_len == 1 {
                    chain += 1;
                    chain_drops.push(gap_pos);
                } else {
                    if chain >= MIN_DOTTED_LETTERS {
                        self.drops.append(&mut chain_drops);
                    }
                    chain_drops.clear();
                    chain = 1;
                }
            } else if seg_chars > 0 {
                if chain >= MIN_DOTTED_LETTERS {
                    self.drops.append(&mut chain_drops);
                }
                chain_drops.clear();
                chain = 0;
            }
        };
        for (off, c) in word.char_indices() {
            if is_noise(c) {
                if noise_len == 0 {
                    if seg_chars > 0 {
                        close(seg_chars, seg_letter, prev_noise_len, prev_noise_pos);
                    }
                    noise_pos = base + off;
                    seg_chars = 0;
                    seg_letter = true;
                }
                noise_len += 1;
            } else {
                if noise_len > 0 {
                    prev_noise_len = noise_len;
                    prev_noise_pos = noise_pos;
                    noise_len = 0;
                }
                seg_chars += 1;
                seg_letter &= c.is_alphabetic();
            }
        }
        if seg_chars > 0 {
            close(seg_chars, seg_letter, prev_noise_len, prev_noise_pos);
        }
        if chain >= MIN_DOTTED_LETTERS {
            self.drops.append(&mut chain_drops);
        }
    }

    #[inline]
    fn visible<S: Source>(&mut self, c: char, s: u32, e: u32) {
        self.flush_ws::<S>();
        if !c.is_ascii()
            && fold::may_compose(c)
            && self.buf.len() > self.word_start
            && let Some(prev) = self.buf.text.chars().next_back()
            && let Some(x) = unicode_normalization::char::compose(prev, c)
        {
            self.buf.replace_last(x, e);
            return;
        }
        self.buf.push_char(s, e, c);
        self.word_chars = self.word_chars.saturating_add(1).min(2);
        if is_noise(c) {
            self.word_noise = true;
        }
    }

    fn invisible<S: Source>(
        &mut self,
        c: char,
        inv: invisible::Invisible,
        text: &str,
        i: usize,
        len: usize,
        src: &S,
    ) {
        let (s, e) = src.span(i, i + len);
        if inv.kind == HiddenKind::Tag && !self.after_invisible {
            self.flag_tags = self.prev == Some('\u{1F3F4}');
        }
        let cx = Around {
            prev: self.prev,
            next: text.get(i + len..).and_then(|t| t.chars().next()),
            after_invisible: self.after_invisible,
            at: i,
            flag_tags: self.flag_tags,
        };
        let innocent = invisible::is_innocent(c, inv, &cx);
        if !innocent {
            self.hidden.report(inv.kind, s, e);
        }
        match inv.kind {
            HiddenKind::Tag if !innocent => {
                let n = u32::from(c) - 0xE0000;
                if (0x20..0x7F).contains(&n) {
                    self.tags.push(n as u8, i, i + len, (s, e));
                }
            }
            HiddenKind::VariationSelector => {
                if let Some(b) = invisible::selector_byte(c) {
                    self.selectors.push(b, i, i + len, (s, e));
                }
            }
            _ => {}
        }
        if inv.spacing {
            self.whitespace(s, e, false);
        }
        self.after_invisible = true;
    }

    fn finish<S: Source>(mut self) -> Folded {
        self.flush_ws::<S>();
        self.end_word();
        self.commit_run();
        self.tags.finish();
        self.selectors.finish();
        let buf = if self.drops.is_empty() {
            self.buf
        } else {
            self.drops.sort_unstable();
            self.drops.dedup();
            let mut out = ViewBuf::with_capacity(self.buf.len());
            let mut cursor = 0;
            let mut from = 0;
            for &d in &self.drops {
                if d > from {
                    out.copy_from(&self.buf, from..d, &mut cursor);
                }
                from = d + 1;
            }
            out.copy_from(&self.buf, from..self.buf.len(), &mut cursor);
            out
        };
        Folded {
            buf,
            tags: self.tags,
            selectors: self.selectors,
        }
    }
}

/// Classes of the bulk copy, one per byte value (non-ASCII bytes stop it).
const B_PLAIN: u8 = 0;
const B_SPACE: u8 = 1;
const B_NOISE: u8 = 2;
const B_STOP: u8 = 3;

#[expect(
    clippy::indexing_slicing,
    reason = "const fn over 0..256, the array's own length"
)]
const fn bulk_classes() -> [u8; 256] {
    let ascii = ascii_classes();
    let mut t = [B_STOP; 256];
    let mut b = 0;
    while b < 128 {
        let k = ascii[b];
        t[b] = if b == b' ' as usize {
            B_SPACE
        } else if k & WS != 0 {
            B_STOP
        } else if k & NOISE != 0 {
            B_NOISE
        } else {
            B_PLAIN
        };
        b += 1;
    }
    t
}

static BULK: [u8; 256] = bulk_classes();

#[inline]
fn bulk_class(b: u8) -> u8 {
    BULK.get(usize::from(b)).copied().unwrap_or(B_STOP)
}

/// For eight ASCII bytes read as one little-endian word: when every byte is a letter,
/// a digit or a space, the spaces (the high bit of each space byte), else `None`.
#[inline]
fn letters_digits_spaces(w: u64) -> Option<u64> {
    if w & HI != 0 {
        return None;
    }
    // Setting bit 5 of every byte lowercases the letters and maps no other byte into
    // `a..=z`.
    let letter = bytes_between(w | (0x20 * LO), b'a' - 1, b'z' + 1);
    let digit = bytes_between(w, b'0' - 1, b'9' + 1);
    let space = bytes_equal(w, b' ');
    ((letter | digit | space) == HI).then_some(space)
}

/// True when the byte after a space keeps the space inside a bulk run.
#[inline]
fn plain_after_space(next: Option<&u8>) -> bool {
    next.is_some_and(|&n| n < 0x80 && ascii_class(n) & WS == 0)
}

/// The end of the plain-ASCII run that starts at `i` (below `limit`): letters, digits,
/// punctuation that does not sit before a letter, and single spaces between words of
/// two or more chars. `wlen` and `noisy` are the current word's length (saturating at
/// 2) and noise flag when the run starts. Returns the run's end, the length of its
/// last word (saturating at 2) and the position of its last space.
///
/// Eight bytes at a time while they are letters, digits and spaces that keep the run
/// going; otherwise (and for the eight bytes after such a chunk) one byte at a time.
#[inline]
fn bulk_run(
    bytes: &[u8],
    i: usize,
    limit: usize,
    wlen: u8,
    noisy: bool,
) -> (usize, u8, Option<usize>) {
    let end = limit.min(bytes.len());
    let Some(seg) = bytes.get(..end) else {
        return (i, wlen, None);
    };
    let mut j = i;
    // Chars of the current word before `word_from`, saturating at 2.
    let mut carried = usize::from(wlen);
    let mut word_from = i;
    let mut noisy = noisy;
    let mut last_space = None;
    'run: loop {
        while let Some(chunk) = seg.get(j..j + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            let Some(spaces) = letters_digits_spaces(u64::from_le_bytes(chunk)) else {
                break;
            };
            if spaces != 0 {
                // Two spaces in a row, or one char between two, ends the run; so do a
                // first space after a one-char word, a noisy word, and a last space
                // before something other than plain ASCII.
                if noisy || spaces & (spaces >> 8) != 0 || spaces & (spaces >> 16) != 0 {
                    break;
                }
                let first = (spaces.trailing_zeros() / 8) as usize;
                if carried + (j - word_from) + first < 2 {
                    break;
                }
                if spaces >> 63 != 0 && !plain_after_space(bytes.get(j + 8)) {
                    break;
                }
                let last = j + ((63 - spaces.leading_zeros()) / 8) as usize;
                last_space = Some(last);
                carried = 0;
                word_from = last + 1;
                noisy = false;
            }
            j += 8;
        }
        let stop = (j + 8).min(end);
        while j < stop {
            let Some(&c) = seg.get(j) else {
                break 'run;
            };
            match bulk_class(c) {
                B_PLAIN => {}
                B_SPACE => {
                    if carried + (j - word_from) < 2
                        || !plain_after_space(bytes.get(j + 1))
                        || noisy
                    {
                        break 'run;
                    }
                    last_space = Some(j);
                    carried = 0;
                    word_from = j + 1;
                    noisy = false;
                }
                B_NOISE => {
                    if bytes.get(j + 1).is_some_and(u8::is_ascii_alphabetic) {
                        break 'run;
                    }
                }
                _ => break 'run,
            }
            j += 1;
        }
        if j >= end {
            break;
        }
    }
    let wlen = (carried + (j - word_from)).min(2) as u8;
    (j, wlen, last_space)
}

/// Folds `text` into its canonical form.
pub(crate) fn fold<S: Source>(text: &str, src: &S, hidden: &mut HiddenSink) -> Folded {
    let bytes = text.as_bytes();
    let mut p = Pass::new(text.len(), hidden);
    let regions = script::regions(text);
    let mut r = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Words that keep their Cyrillic or Greek script (see `script`).
        while regions.get(r).is_some_and(|g| g.end <= i) {
            r += 1;
        }
        let region = regions.get(r).filter(|g| g.start <= i);
        let limit = regions.get(r).map_or(usize::MAX, |g| g.start.max(i));
        if let Some(g) = region {
            let script::Mode::Native(sc) = g.mode;
            if b < 0x80 {
                if let Some(l) = script::latin_to(sc, b) {
                    let (s, e) = src.span(i, i + 1);
                    p.visible::<S>(l, s, e);
                    p.prev = Some(char::from(b));
                    p.after_invisible = false;
                    i += 1;
                    continue;
                }
            } else if let Some(c) = text.get(i..).and_then(|t| t.chars().next())
                && script::is_native(c)
            {
                let len = c.len_utf8();
                let (s, e) = src.span(i, i + len);
                script::fold_native(c, &mut |f| p.visible::<S>(f, s, e));
                p.prev = Some(c);
                p.after_invisible = false;
                i += len;
                continue;
            }
        }
        if b < 0x80 {
            let class = ASCII.get(b as usize).copied().unwrap_or(0);
            if class & WS != 0 {
                let (s, e) = src.span(i, i + 1);
                p.whitespace(s, e, b == b' ');
                p.prev = Some(char::from(b));
                p.after_invisible = false;
                i += 1;
                continue;
            }
            if S::IDENTITY && class & NOISE == 0 && region.is_none() {
                // Bulk copy of plain ASCII: letters, digits, punctuation that does not
                // sit before a letter, and single spaces between words of two or more
                // chars. Only what could start a spaced-out run, a whitespace run or a
                // dotted word leaves the fast path.
                p.flush_ws::<S>();
                let (j, wlen, last_space) = bulk_run(bytes, i, limit, p.word_chars, p.word_noise);
                let start = p.buf.len();
                if let Some(run) = text.get(i..j) {
                    p.buf.push_linear(i as u32, run);
                    // Lowercasing is a no-op on bytes that are not uppercase: a long
                    // run is lowercased without looking (a vector loop), a short one
                    // only when it has an uppercase letter.
                    if (run.len() >= 16 || run.bytes().any(|b| b.is_ascii_uppercase()))
                        && let Some(tail) = p.buf.text.get_mut(start..)
                    {
                        tail.make_ascii_lowercase();
                    }
                }
                if let Some(sp) = last_space {
                    // Words of two or more chars ended inside the run.
                    p.commit_run();
                    p.run_len = 0;
                    p.prev_single = false;
                    p.gap_width = 1;
                    p.gap_pos = start + (sp - i);
                    p.word_start = p.gap_pos + 1;
                    p.word_noise = false;
                }
                p.word_chars = wlen;
                p.prev = bytes.get(j - 1).map(|&c| char::from(c));
                p.after_invisible = false;
                i = j;
                continue;
            }
            let (s, e) = src.span(i, i + 1);
            if S::IDENTITY {
                p.flush_ws::<S>();
                let lower = [b.to_ascii_lowercase()];
                if let Ok(one) = std::str::from_utf8(&lower) {
                    p.buf.push_linear(s, one);
                }
                p.word_chars = p.word_chars.saturating_add(1).min(2);
                if class & NOISE != 0 {
                    p.word_noise = true;
                }
            } else {
                p.visible::<S>(char::from(b.to_ascii_lowercase()), s, e);
            }
            p.prev = Some(char::from(b));
            p.after_invisible = false;
            i += 1;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
            break;
        };
        let len = c.len_utf8();
        if let Some(inv) = invisible::classify(c) {
            p.invisible(c, inv, text, i, len, src);
            i += len;
            continue;
        }
        let (s, e) = src.span(i, i + len);
        if c.is_whitespace() {
            p.whitespace(s, e, false);
        } else {
            let folded = fold::fold_char(c);
            for &f in folded.as_slice() {
                if f == ' ' {
                    p.whitespace(s, e, false);
                } else {
                    p.visible::<S>(f, s, e);
                }
            }
        }
        p.prev = Some(c);
        p.after_invisible = false;
        i += len;
    }
    p.finish::<S>()
}
