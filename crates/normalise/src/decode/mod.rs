//! Bounded, recursive decoding of text hidden in encodings.
//!
//! Each layer of text (the original, then every decoded text) is scanned once for
//! candidate runs with plain byte tests, no regex:
//!
//! - runs of base64-alphabet bytes (MIME line breaks allowed) at least
//!   [`Limits::min_encoded_len`] long: tried as hex when all hex digits (after a `0x`
//!   prefix or not), as base32 when single-case in the base32 alphabet, as base64 when
//!   mixed-case;
//! - separated hex pairs (`69 67 6e …`, `69:67:…`), and prefixed ones (`0x69, 0x67, …`)
//!   in a pass of their own;
//! - regions of `%HH` (URL), `=HH` (quoted-printable) or `\xHH` escapes, literal text
//!   between escapes included (`ignore%20all%20previous`);
//! - bytes carried by Unicode tag characters and variation selectors.
//!
//! A candidate is kept only if it decodes to mostly printable UTF-8 text with a
//! letter or digit in it (digits: hex inside base64); decoding stops early when the output turns to binary. Kept texts of
//! one encoding and depth are joined (newline-separated) into one text, whose every
//! byte carries the range of the original it was decoded from; it becomes one
//! [`ViewKind::Decoded`] view (canonicalised) and is itself scanned, one layer deeper,
//! up to [`Limits::max_decode_depth`]. All decoded bytes together never exceed
//! [`Limits::max_decoded_bytes`], so the work is linear in the input plus that cap.

mod base32;
mod base64;
mod hex;
mod quoted_printable;
mod url;

use super::canonical::{self, Mapped};
use super::invisible::{HiddenSink, Payload};
use super::{Encoding, Form, View, ViewKind};
use crate::DecodeLimits as Limits;

/// Decoded texts shorter than this are dropped.
const MIN_DECODED: usize = 4;

/// Escapes further apart than this end a region.
const MAX_ESCAPE_GAP: usize = 64;

/// The encodings, in the order their views are emitted.
const ENCODINGS: [Encoding; 7] = [
    Encoding::UnicodeTags,
    Encoding::VariationSelectors,
    Encoding::Base64,
    Encoding::Base32,
    Encoding::Hex,
    Encoding::Url,
    Encoding::QuotedPrintable,
];

fn slot(e: Encoding) -> usize {
    ENCODINGS.iter().position(|&x| x == e).unwrap_or(0)
}

/// Decoded bytes with the original range of each.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RawBuf {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

/// A decoder's output: appends to a [`RawBuf`], maps spans to the original, watches
/// the budget and gives up early on binary output.
#[derive(Debug)]
pub(crate) struct Out<'b> {
    buf: &'b mut RawBuf,
    map: Option<&'b [(u32, u32)]>,
    start: usize,
    cap: usize,
    bad: usize,
    aborted: bool,
}

impl<'b> Out<'b> {
    fn new(buf: &'b mut RawBuf, map: Option<&'b [(u32, u32)]>, cap: usize) -> Out<'b> {
        let start = buf.bytes.len();
        Out {
            buf,
            map,
            start,
            cap,
            bad: 0,
            aborted: false,
        }
    }

    /// Appends a byte decoded from `a..b` of the layer's text. False: stop decoding.
    #[inline]
    pub(crate) fn push(&mut self, byte: u8, a: usize, b: usize) -> bool {
        let span = match self.map {
            None => (a as u32, b as u32),
            Some(m) => {
                let s = m.get(a).map_or(0, |x| x.0);
                let e = b.checked_sub(1).and_then(|k| m.get(k)).map_or(s, |x| x.1);
                (s.min(e), s.max(e))
            }
        };
        self.push_span(byte, span)
    }

    /// Appends a byte whose original range is known.
    #[inline]
    fn push_span(&mut self, byte: u8, span: (u32, u32)) -> bool {
        let produced = self.buf.bytes.len() - self.start;
        if produced >= self.cap {
            return false;
        }
        if (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0x7F {
            self.bad += 1;
            if self.bad > 4 + produced / 16 {
                self.aborted = true;
                return false;
            }
        }
        self.buf.bytes.push(byte);
        self.buf.spans.push(span);
        true
    }

    /// Keeps the output if it is text, else removes it. Returns the bytes kept.
    fn finish(self) -> usize {
        let start = self.start;
        let len = self.buf.bytes.len() - start;
        let keep = if self.aborted || len < MIN_DECODED {
            0
        } else {
            text_len(self.buf.bytes.get(start..).unwrap_or_default())
        };
        self.buf.bytes.truncate(start + keep);
        self.buf.spans.truncate(start + keep);
        if keep == 0 {
            return 0;
        }
        let last = self.buf.spans.last().copied().unwrap_or((0, 0));
        self.buf.bytes.push(b'\n');
        self.buf.spans.push(last);
        keep + 1
    }
}

/// How many leading bytes of `b` are acceptable text (0: not text).
fn text_len(b: &[u8]) -> usize {
    let valid = match std::str::from_utf8(b) {
        Ok(_) => b.len(),
        Err(e) if e.error_len().is_none() || e.valid_up_to() * 10 >= b.len() * 9 => e.valid_up_to(),
        Err(_) => return 0,
    };
    let Some(s) = b.get(..valid).and_then(|v| std::str::from_utf8(v).ok()) else {
        return 0;
    };
    let (mut chars, mut ctrl, mut alpha) = (0usize, 0usize, 0usize);
    for c in s.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            ctrl += 1;
        } else if c.is_alphanumeric() {
            alpha += 1;
        }
    }
    if valid < MIN_DECODED || ctrl * 10 > chars || alpha == 0 {
        0
    } else {
        valid
    }
}

/// Value of one hex digit.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Escape styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// `%HH`
    Percent,
    /// `=HH`
    Equals,
    /// `\xHH`
    BackslashX,
}

impl Escape {
    fn encoding(self) -> Encoding {
        match self {
            Escape::Percent => Encoding::Url,
            Escape::Equals => Encoding::QuotedPrintable,
            Escape::BackslashX => Encoding::Hex,
        }
    }
}

/// The escaped byte at `i` and the escape's length.
fn escape_at(src: &[u8], i: usize, kind: Escape) -> Option<(u8, usize)> {
    let hex2 = |j: usize| Some(hex_value(*src.get(j)?)? << 4 | hex_value(*src.get(j + 1)?)?);
    match (kind, src.get(i)?) {
        (Escape::Percent, b'%') => Some((hex2(i + 1)?, 3)),
        (Escape::Equals, b'=') => Some((hex2(i + 1)?, 3)),
        (Escape::BackslashX, b'\\') if matches!(src.get(i + 1), Some(b'x' | b'X')) => {
            Some((hex2(i + 2)?, 4))
        }
        _ => None,
    }
}

/// Length of a quoted-printable soft line break at `i` (`=\n` or `=\r\n`).
fn soft_break(src: &[u8], i: usize) -> usize {
    match (src.get(i), src.get(i + 1), src.get(i + 2)) {
        (Some(b'='), Some(b'\n'), _) => 2,
        (Some(b'='), Some(b'\r'), Some(b'\n')) => 3,
        _ => 0,
    }
}

/// Decodes a region of escapes and literal text.
pub(crate) fn decode_escapes(
    src: &[u8],
    range: std::ops::Range<usize>,
    out: &mut Out<'_>,
    kind: Escape,
) {
    let plus_space =
        kind == Escape::Percent && !src.get(range.clone()).unwrap_or_default().contains(&b' ');
    let mut i = range.start;
    while i < range.end {
        let Some(&b) = src.get(i) else { return };
        if let Some((v, len)) = escape_at(src, i, kind) {
            if !out.push(v, i, i + len) {
                return;
            }
            i += len;
            continue;
        }
        if kind == Escape::Equals {
            let soft = soft_break(src, i);
            if soft > 0 {
                i += soft;
                continue;
            }
        }
        let len = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        let end = (i + len).min(range.end);
        for k in i..end {
            let byte = src.get(k).copied().unwrap_or(b' ');
            let byte = if plus_space && byte == b'+' {
                b' '
            } else {
                byte
            };
            if !out.push(byte, i, end) {
                return;
            }
        }
        i = end;
    }
}

// Byte classes for the run scanner.
const B64: u8 = 1;
const HEXD: u8 = 2;
const B32U: u8 = 4;
const B32L: u8 = 8;
const UP: u8 = 16;
const LO: u8 = 32;

#[expect(
    clippy::indexing_slicing,
    reason = "const fn over 0..256, the array's own length"
)]
const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut k = 0;
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_') {
            k |= B64;
        }
        if b.is_ascii_hexdigit() {
            k |= HEXD;
        }
        if b.is_ascii_uppercase() || matches!(b, b'2'..=b'7') {
            k |= B32U;
        }
        if b.is_ascii_lowercase() || matches!(b, b'2'..=b'7') {
            k |= B32L;
        }
        if b.is_ascii_uppercase() {
            k |= UP;
        }
        if b.is_ascii_lowercase() {
            k |= LO;
        }
        t[i] = k;
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = byte_classes();

#[inline]
fn class(b: u8) -> u8 {
    CLASS.get(b as usize).copied().unwrap_or(0)
}

/// Decoding state shared by every layer of one input.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The limits.
    pub limits: &'a Limits,
    /// Decoded bytes kept so far.
    pub used: usize,
    /// Where decoded views go.
    pub views: &'a mut Vec<View>,
    /// Where invisible chars found in decoded text go.
    pub hidden: &'a mut HiddenSink,
}

impl Ctx<'_> {
    fn remaining(&self) -> usize {
        self.limits.max_decoded_bytes.saturating_sub(self.used)
    }
}

/// One layer of text to scan.
#[derive(Debug, Clone, Copy)]
struct Layer<'t> {
    bytes: &'t [u8],
    map: Option<&'t [(u32, u32)]>,
}

/// Scans `text` (the original when `map` is `None`, else a decoded text whose bytes
/// map to the original through `map`), producing views of depth `depth`.
pub(crate) fn decode_layer(
    text: &str,
    map: Option<&[(u32, u32)]>,
    tags: &Payload,
    selectors: &Payload,
    depth: u8,
    ctx: &mut Ctx<'_>,
) {
    if depth == 0 || depth > ctx.limits.max_decode_depth || ctx.remaining() == 0 {
        return;
    }
    let layer = Layer {
        bytes: text.as_bytes(),
        map,
    };
    let mut bufs: [RawBuf; ENCODINGS.len()] = Default::default();
    take_payload(tags, Encoding::UnicodeTags, &mut bufs, ctx);
    take_payload(selectors, Encoding::VariationSelectors, &mut bufs, ctx);
    scan_runs(layer, &mut bufs, ctx);
    scan_escapes(layer, &mut bufs, ctx);
    scan_prefixed_pairs(layer, &mut bufs, ctx);
    for (enc, buf) in ENCODINGS.iter().zip(bufs) {
        if buf.bytes.is_empty() {
            continue;
        }
        let RawBuf { bytes, spans } = buf;
        let Ok(decoded) = String::from_utf8(bytes) else {
            continue;
        };
        let folded = canonical::fold(&decoded, &Mapped(&spans), ctx.hidden);
        ctx.views.push(View {
            kind: ViewKind::Decoded {
                encoding: *enc,
                depth,
            },
            form: Form::Canonical,
            text: folded.buf.text,
            map: folded.buf.map,
        });
        decode_layer(
            &decoded,
            Some(&spans),
            &folded.tags,
            &folded.selectors,
            depth.saturating_add(1),
            ctx,
        );
    }
}

fn take_payload(p: &Payload, enc: Encoding, bufs: &mut [RawBuf], ctx: &mut Ctx<'_>) {
    if p.is_empty() {
        return;
    }
    let mut from = 0;
    for &to in &p.chunks {
        let cap = ctx.remaining();
        let Some(buf) = bufs.get_mut(slot(enc)) else {
            return;
        };
        let mut out = Out::new(buf, None, cap);
        for k in from..to {
            let (Some(&b), Some(&s)) = (p.bytes.get(k), p.spans.get(k)) else {
                break;
            };
            if !out.push_span(b, s) {
                break;
            }
        }
        ctx.used += out.finish();
        from = to;
    }
}

type DecodeFn = fn(&[u8], std::ops::Range<usize>, &mut Out<'_>);

/// Tries one decoder on a candidate; true when its output was kept.
fn attempt(
    layer: Layer<'_>,
    range: std::ops::Range<usize>,
    enc: Encoding,
    f: DecodeFn,
    bufs: &mut [RawBuf],
    ctx: &mut Ctx<'_>,
) -> bool {
    let cap = ctx.remaining();
    if cap == 0 {
        return false;
    }
    let Some(buf) = bufs.get_mut(slot(enc)) else {
        return false;
    };
    let mut out = Out::new(buf, layer.map, cap);
    f(layer.bytes, range, &mut out);
    let kept = out.finish();
    ctx.used += kept;
    kept > 0
}

/// Finds runs of base64-alphabet bytes and separated hex pairs.
fn scan_runs(layer: Layer<'_>, bufs: &mut [RawBuf], ctx: &mut Ctx<'_>) {
    let bytes = layer.bytes;
    let min = ctx.limits.min_encoded_len.max(4);
    let mut i = 0;
    while i < bytes.len() {
        if ctx.remaining() == 0 {
            return;
        }
        // Skip to the next run of base64-alphabet bytes.
        let Some(skip) = bytes
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| class(b) & B64 != 0))
        else {
            return;
        };
        i += skip;
        let start = i;
        // Most runs are words: shorter than a line that may continue (16), not a hex
        // pair (2), and too short with their `=` padding. Skip those without the
        // byte classes the candidates need.
        let line = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| class(b) & B64 == 0))
            .unwrap_or(bytes.len() - start);
        if line < 16 && line != 2 {
            let e = start + line;
            let mut end = e;
            while bytes.get(end) == Some(&b'=') && end - e < 6 {
                end += 1;
            }
            if end - start < min {
                i = end;
                continue;
            }
        }
        let mut line_start = i;
        let (mut any, mut all) = (0u8, 0xFFu8);
        loop {
            while let Some(&b) = bytes.get(i) {
                let k = class(b);
                if k & B64 == 0 {
                    break;
                }
                any |= k;
                all &= k;
                i += 1;
            }
            let line = i - line_start;
            let nl = match (bytes.get(i), bytes.get(i + 1)) {
                (Some(b'\n'), _) => 1,
                (Some(b'\r'), Some(b'\n')) => 2,
                _ => 0,
            };
            if nl > 0
                && line >= 16
                && line % 4 == 0
                && bytes.get(i + nl).is_some_and(|&b| class(b) & B64 != 0)
            {
                i += nl;
                line_start = i;
                continue;
            }
            break;
        }
        let mut end = i;
        while bytes.get(end) == Some(&b'=') && end - i < 6 {
            end += 1;
        }
        if end - start >= min {
            try_run_or_lines(layer, start..end, any, all, bufs, ctx);
        } else if i - start == 2
            && all & HEXD != 0
            && let Some(j) = hex_pairs(bytes, start, min)
        {
            attempt(layer, start..j, Encoding::Hex, hex::decode, bufs, ctx);
            i = j;
            continue;
        }
        i = end.max(start + 1);
    }
}

/// [`scan_runs`] as it was, byte by byte: the tests' oracle.
#[cfg(test)]
fn scan_runs_ref(layer: Layer<'_>, bufs: &mut [RawBuf], ctx: &mut Ctx<'_>) {
    let bytes = layer.bytes;
    let min = ctx.limits.min_encoded_len.max(4);
    let mut i = 0;
    while i < bytes.len() {
        if ctx.remaining() == 0 {
            return;
        }
        if class(bytes.get(i).copied().unwrap_or(0)) & B64 == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut line_start = i;
        let (mut any, mut all) = (0u8, 0xFFu8);
        loop {
            while let Some(&b) = bytes.get(i) {
                let k = class(b);
                if k & B64 == 0 {
                    break;
                }
                any |= k;
                all &= k;
                i += 1;
            }
            let line = i - line_start;
            let nl = match (bytes.get(i), bytes.get(i + 1)) {
                (Some(b'\n'), _) => 1,
                (Some(b'\r'), Some(b'\n')) => 2,
                _ => 0,
            };
            if nl > 0
                && line >= 16
                && line % 4 == 0
                && bytes.get(i + nl).is_some_and(|&b| class(b) & B64 != 0)
            {
                i += nl;
                line_start = i;
                continue;
            }
            break;
        }
        let mut end = i;
        while bytes.get(end) == Some(&b'=') && end - i < 6 {
            end += 1;
        }
        if end - start >= min {
            try_run_or_lines(layer, start..end, any, all, bufs, ctx);
        } else if i - start == 2
            && all & HEXD != 0
            && let Some(j) = hex_pairs(bytes, start, min)
        {
            attempt(layer, start..j, Encoding::Hex, hex::decode, bufs, ctx);
            i = j;
            continue;
        }
        i = end.max(start + 1);
    }
}

/// [`try_run`] on a run of one or more lines. A run of several lines is read as one
/// blob only when it is wrapped as encoders wrap (MIME at 76, PEM at 64: every line but
/// the last the same length, the last no longer); otherwise, or when the whole is not
/// text, each line on its own: two blobs on consecutive lines (whose decoded words would
/// run together, `sysignore all …`), or a line that decodes to garbage before a payload,
/// must not hide the payload.
fn try_run_or_lines(
    layer: Layer<'_>,
    range: std::ops::Range<usize>,
    any: u8,
    all: u8,
    bufs: &mut [RawBuf],
    ctx: &mut Ctx<'_>,
) {
    let Some(run) = layer.bytes.get(range.clone()) else {
        return;
    };
    let lines = run.contains(&b'\n');
    if (!lines || is_wrapped(run)) && try_run(layer, range.clone(), any, all, bufs, ctx) {
        return;
    }
    if !lines {
        return;
    }
    let min = ctx.limits.min_encoded_len.max(4);
    let mut from = range.start;
    for line in run.split(|&b| b == b'\n') {
        let next = from + line.len() + 1;
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let (mut any, mut all) = (0u8, 0xFFu8);
        for &b in body.iter().filter(|&&b| b != b'=') {
            any |= class(b);
            all &= class(b);
        }
        if body.len() >= min {
            try_run(layer, from..from + body.len(), any, all, bufs, ctx);
        }
        from = next;
    }
}

/// Whether the lines of `run` (`\n`, optionally `\r\n`, between them) are wrapped as an
/// encoder wraps one blob: all but the last of one length, the last not empty and no
/// longer.
fn is_wrapped(run: &[u8]) -> bool {
    let mut lines = run
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).len());
    let Some(width) = lines.next() else {
        return false;
    };
    let mut last = width;
    for (k, len) in lines.enumerate() {
        // A line before this one that is not full width is not wrapping.
        if k > 0 && last != width {
            return false;
        }
        last = len;
    }
    last > 0 && last <= width
}

/// Tries the encodings a run's byte classes allow: hex, then base32, then base64.
/// True when one was kept.
fn try_run(
    layer: Layer<'_>,
    range: std::ops::Range<usize>,
    any: u8,
    all: u8,
    bufs: &mut [RawBuf],
    ctx: &mut Ctx<'_>,
) -> bool {
    if all & HEXD != 0 && attempt(layer, range.clone(), Encoding::Hex, hex::decode, bufs, ctx) {
        return true;
    }
    // `0x69676e…`: hex with the prefix of C and most languages (the `x` is no hex digit).
    let prefixed = layer
        .bytes
        .get(range.clone())
        .and_then(|run| run.strip_prefix(b"0x").or_else(|| run.strip_prefix(b"0X")))
        .is_some_and(|digits| digits.len() >= 8 && digits.iter().all(u8::is_ascii_hexdigit));
    if prefixed && attempt(layer, range.clone(), Encoding::Hex, hex::decode, bufs, ctx) {
        return true;
    }
    let mixed = any & UP != 0 && any & LO != 0;
    if !mixed
        && (all & B32U != 0 || all & B32L != 0)
        && attempt(
            layer,
            range.clone(),
            Encoding::Base32,
            base32::decode,
            bufs,
            ctx,
        )
    {
        return true;
    }
    mixed && attempt(layer, range, Encoding::Base64, base64::decode, bufs, ctx)
}

/// `69 67 6e …`: hex pairs with one separator between; returns the end of the run.
fn hex_pairs(bytes: &[u8], start: usize, min: usize) -> Option<usize> {
    let sep = *bytes.get(start + 2)?;
    if !matches!(sep, b' ' | b':' | b',' | b'-') {
        return None;
    }
    let is_hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
    let is_alnum = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphanumeric);
    let mut j = start;
    let mut end = start;
    let mut pairs = 0;
    while is_hex(j) && is_hex(j + 1) && !is_alnum(j + 2) {
        pairs += 1;
        end = j + 2;
        if bytes.get(end) == Some(&sep) {
            j = end + 1;
        } else {
            break;
        }
    }
    (pairs >= 4 && end - start >= min).then_some(end)
}

/// Finds runs of prefixed hex bytes, `0x69, 0x67, 0x6e, …` (a C array) or `0x69 0x67 …`.
/// A pass of its own, from each `x` (SIMD search; rare in prose): found in [`scan_runs`]'
/// loop over every word, it cost ordinary text 1.3 % of a scan's instructions.
fn scan_prefixed_pairs(layer: Layer<'_>, bufs: &mut [RawBuf], ctx: &mut Ctx<'_>) {
    let bytes = layer.bytes;
    let min = ctx.limits.min_encoded_len.max(4);
    let mut i = 0;
    while let Some(next) = bytes
        .get(i..)
        .and_then(|rest| memchr::memchr2(b'x', b'X', rest))
    {
        if ctx.remaining() == 0 {
            return;
        }
        let x = i + next;
        i = x + 1;
        let Some(start) = x.checked_sub(1) else {
            continue;
        };
        let word_start = start == 0 || !bytes.get(start - 1).is_some_and(u8::is_ascii_alphanumeric);
        if word_start
            && hex_prefix(bytes, start)
            && let Some(end) = prefixed_hex_pairs(bytes, start, min)
        {
            attempt(layer, start..end, Encoding::Hex, hex::decode, bufs, ctx);
            i = end;
        }
    }
}

/// Whether `bytes[at..]` begins with a prefixed hex byte, `0x69` (or `0X69`).
fn hex_prefix(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b'0')
        && matches!(bytes.get(at + 1), Some(b'x' | b'X'))
        && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit)
        && bytes.get(at + 3).is_some_and(u8::is_ascii_hexdigit)
}

/// `0x69 0x67 0x6e …`, `0x69, 0x67, …`: prefixed hex bytes with a space, a colon, a
/// comma or a comma and a space between, at least four; returns the end of the run.
/// [`hex::decode`] reads the pairs and skips the prefixes.
fn prefixed_hex_pairs(bytes: &[u8], start: usize, min: usize) -> Option<usize> {
    let is_alnum = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphanumeric);
    let mut j = start;
    let mut end = start;
    let mut pairs = 0;
    while hex_prefix(bytes, j) && !is_alnum(j + 4) {
        pairs += 1;
        end = j + 4;
        match (bytes.get(end), bytes.get(end + 1)) {
            (Some(b','), Some(b' ')) => j = end + 2,
            (Some(b' ' | b',' | b':'), _) => j = end + 1,
            _ => break,
        }
    }
    (pairs >= 4 && end - start >= min).then_some(end)
}

/// Finds regions of `%HH`, `=HH` and `\xHH` escapes.
fn scan_escapes(layer: Layer<'_>, bufs: &mut [RawBuf], ctx: &mut Ctx<'_>) {
    let bytes = layer.bytes;
    let min = ctx.limits.min_encoded_len.max(4);
    let is_ws = |b: u8| b.is_ascii_whitespace();
    let mut i = 0;
    let mut prev_end = 0;
    while i < bytes.len() {
        if ctx.remaining() == 0 {
            return;
        }
        // Jump to the next byte that can start an escape (SIMD search).
        let Some(next) = bytes
            .get(i..)
            .and_then(|rest| memchr::memchr3(b'%', b'=', b'\\', rest))
        else {
            return;
        };
        i += next;
        let kind = match bytes.get(i) {
            Some(b'%') => Escape::Percent,
            Some(b'=') => Escape::Equals,
            Some(b'\\') => Escape::BackslashX,
            _ => {
                i += 1;
                continue;
            }
        };
        if escape_at(bytes, i, kind).is_none() {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > prev_end && bytes.get(start - 1).is_some_and(|&b| !is_ws(b)) {
            start -= 1;
        }
        let mut j = i;
        let mut count = 0;
        let mut last = i;
        while j < bytes.len() {
            if let Some((_, len)) = escape_at(bytes, j, kind) {
                count += 1;
                j += len;
                last = j;
                continue;
            }
            if kind == Escape::Equals {
                let soft = soft_break(bytes, j);
                if soft > 0 {
                    j += soft;
                    continue;
                }
            }
            if matches!(bytes.get(j), Some(b'\n' | b'\r')) || j - last > MAX_ESCAPE_GAP {
                break;
            }
            j += 1;
        }
        let mut end = last;
        while bytes.get(end).is_some_and(|&b| !is_ws(b)) {
            end += 1;
        }
        if count >= 1 && end - start >= min {
            let f: DecodeFn = match kind {
                Escape::Percent => url::decode,
                Escape::Equals => quoted_printable::decode,
                Escape::BackslashX => hex::decode_escaped,
            };
            attempt(layer, start..end, kind.encoding(), f, bufs, ctx);
        }
        prev_end = end;
        i = end.max(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The run search, new and old, on `text` with `limits`: same decoded bytes, spans
    /// and budget.
    fn check(text: &str, limits: &Limits) {
        let run = |f: fn(Layer<'_>, &mut [RawBuf], &mut Ctx<'_>)| {
            let mut views = Vec::new();
            let mut hidden = HiddenSink::default();
            let mut ctx = Ctx {
                limits,
                used: 0,
                views: &mut views,
                hidden: &mut hidden,
            };
            let mut bufs: [RawBuf; ENCODINGS.len()] = Default::default();
            let layer = Layer {
                bytes: text.as_bytes(),
                map: None,
            };
            f(layer, &mut bufs, &mut ctx);
            let used = ctx.used;
            (bufs, used)
        };
        assert_eq!(run(scan_runs), run(scan_runs_ref), "{text:?} {limits:?}");
    }

    fn limits(min: usize, cap: usize) -> Limits {
        Limits {
            min_encoded_len: min,
            max_decoded_bytes: cap,
            ..Limits::default()
        }
    }

    const PIECES: &[&str] = &[
        "aGVsbG8gd29ybGQ=",
        "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=",
        "69676e6f726520616c6c",
        "69 67 6e 6f 72 65 20 61 6c 6c",
        "69:67:6e:6f:72:65",
        "0x69676e6f726520616c6c",
        "0x69 0x67 0x6e 0x6f 0x72 0x65",
        "0x69, 0x67, 0x6e, 0x6f, 0x72",
        "0X6F",
        "0x",
        "NFXGQ2LTEBQWY3DMEB",
        "JBSWY3DPEBLW64TMMQ======",
        "ab",
        "6f",
        " ",
        "\n",
        "\r\n",
        "=",
        "==",
        "+",
        "/",
        "-",
        "_",
        ".",
        "word",
        "Mixed",
        "UPPER",
        "12345678",
        "é",
        "中",
        "\u{200B}",
        "Ａ",
        "0123456789abcdef",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
    ];

    #[test]
    fn fixed_cases_match_the_old_search() {
        for n in 0..=40 {
            for fill in ["a", "Z", "7", "=", " ", "é", "ab ", "6f "] {
                for edge in ["", "=", " ", "é", "\n", "0"] {
                    let body = fill.repeat(n);
                    for t in [
                        format!("{edge}{body}"),
                        format!("{body}{edge}"),
                        format!("{edge}{body}{edge}{body}"),
                    ] {
                        for (min, cap) in [(16, 1 << 18), (4, 1 << 18), (2, 1 << 18), (20, 6)] {
                            check(&t, &limits(min, cap));
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn runs_match_the_old_search(
            parts in prop::collection::vec(0..PIECES.len(), 0..40),
            min in 0usize..24,
            cap in prop::sample::select(vec![0usize, 5, 40, 1 << 18]),
        ) {
            let text: String = parts.iter().map(|&k| PIECES[k]).collect();
            check(&text, &limits(min, cap));
        }

        #[test]
        fn runs_match_on_any_text(text in "\\PC{0,80}|[a-f0-9 =:\n]{0,80}", min in 0usize..20) {
            check(&text, &limits(min, 1 << 18));
        }
    }
}
