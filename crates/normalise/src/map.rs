//! Byte maps: where each byte of a view came from in the original text.
//!
//! A map is a list of segments rather than one entry per byte. A *linear* segment is
//! a 1:1 copy of ASCII bytes (view byte `at + k` came from original byte `start + k`);
//! a *block* segment maps every one of its bytes to the same original range (a folded
//! character, a collapsed whitespace run, a decoded byte). Ordinary prose therefore
//! needs a handful of segments, not eight bytes of map per byte of text.
//!
//! Offsets are `u32`: [`super::normalise`] never looks past the first 4 GiB of input.

use std::ops::Range;

/// One piece of a byte map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg {
    /// First view byte covered.
    at: u32,
    /// Original start (linear: of the copy; block: of the range every byte maps to).
    start: u32,
    /// Original end.
    end: u32,
    /// 1:1 copy or block.
    linear: bool,
}

/// The byte map of one view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ByteMap {
    segs: Vec<Seg>,
}

impl ByteMap {
    /// The original range view byte `v` came from.
    pub(crate) fn span(&self, v: usize) -> Option<(u32, u32)> {
        let i = self.segs.partition_point(|s| s.at as usize <= v);
        let s = self.segs.get(i.checked_sub(1)?)?;
        if s.linear {
            let o = s.start + (v as u32 - s.at);
            Some((o, o + 1))
        } else {
            Some((s.start, s.end))
        }
    }

    /// Maps a byte range of the view to a byte range of the original.
    pub(crate) fn to_original(&self, range: Range<usize>) -> Range<usize> {
        if range.start >= range.end {
            return match self.span(range.start) {
                Some((s, _)) => s as usize..s as usize,
                None => 0..0,
            };
        }
        let first = self.span(range.start);
        let last = self.span(range.end - 1);
        match (first, last) {
            (Some((s1, e1)), Some((s2, e2))) => s1.min(s2) as usize..e1.max(e2) as usize,
            (Some((s, e)), None) | (None, Some((s, e))) => s as usize..e as usize,
            (None, None) => 0..0,
        }
    }

    /// Maps `len` view bytes from `at` (the view's end) 1:1 to the original from
    /// `orig`, extending the last segment when it is a linear copy ending at `orig`.
    fn extend_linear(&mut self, at: u32, orig: u32, len: u32) {
        match self.segs.last_mut() {
            Some(last) if last.linear && last.end == orig => last.end += len,
            _ => self.segs.push(Seg {
                at,
                start: orig,
                end: orig + len,
                linear: true,
            }),
        }
    }

    /// Maps the view bytes from `at` (the view's end) on to the original range
    /// `start..end`, unless the last segment already is that block.
    fn extend_block(&mut self, at: u32, start: u32, end: u32) {
        match self.segs.last() {
            Some(last) if !last.linear && last.start == start && last.end == end => {}
            _ => self.segs.push(Seg {
                at,
                start,
                end,
                linear: false,
            }),
        }
    }

    /// The view positions inside `range` (after its first byte) just before which
    /// something of the original was dropped (an invisible character the canonical
    /// view removed): where a segment starts past the end of the one before it.
    pub(crate) fn drops_in(&self, range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let first = self.segs.partition_point(|s| s.at as usize <= range.start);
        self.segs
            .get(first.saturating_sub(1)..)
            .unwrap_or_default()
            .windows(2)
            .take_while(move |w| w.get(1).is_some_and(|s| (s.at as usize) < range.end))
            .filter_map(move |w| match w {
                [a, b] if b.start > a.end && b.at as usize > range.start => Some(b.at as usize),
                _ => None,
            })
    }

    /// Number of segments (for tests and benches of map compactness).
    pub(crate) fn segments(&self) -> usize {
        self.segs.len()
    }
}

/// A view under construction: text plus byte map.
#[derive(Debug, Clone, Default)]
pub(crate) struct ViewBuf {
    /// The text so far.
    pub(crate) text: String,
    /// Its map.
    pub(crate) map: ByteMap,
}

impl ViewBuf {
    /// An empty buffer with room for `n` bytes.
    pub(crate) fn with_capacity(n: usize) -> ViewBuf {
        ViewBuf {
            text: String::with_capacity(n),
            map: ByteMap {
                segs: Vec::with_capacity(16),
            },
        }
    }

    /// Current length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    fn pos(&self) -> u32 {
        self.text.len() as u32
    }

    /// Appends ASCII `s`, copied 1:1 from original offset `orig`.
    pub(crate) fn push_linear(&mut self, orig: u32, s: &str) {
        if s.is_empty() {
            return;
        }
        let at = self.pos();
        self.map.extend_linear(at, orig, s.len() as u32);
        self.text.push_str(s);
    }

    /// A copy keeping only the chars `keep` accepts (ASCII bytes tested by
    /// `keep_ascii`), maps included, as bytes and map: the caller may still rewrite
    /// ASCII bytes in place (one ASCII byte for another) before [`ViewBuf::from_parts`].
    ///
    /// Kept ASCII bytes are copied one by one into a buffer sized up front, and the
    /// map gets one segment per run of them: no call per word.
    pub(crate) fn filtered_parts(
        &self,
        keep_ascii: impl Fn(u8) -> bool,
        keep: impl Fn(char) -> bool,
    ) -> (Vec<u8>, ByteMap) {
        /// Runs up to this long are copied as one fixed-size block (bytes past the run
        /// are overwritten by what follows or cut at the end): no `memcpy` call a word.
        const BLOCK: usize = 16;
        let bytes = self.text.as_bytes();
        // Written at `w`, with room for one block past the longest possible output.
        let mut out: Vec<u8> = vec![0; bytes.len() + BLOCK];
        let mut w = 0;
        let mut map = ByteMap {
            segs: Vec::with_capacity(16),
        };
        let segs = &self.map.segs;
        for (k, seg) in segs.iter().enumerate() {
            let from = seg.at as usize;
            let to = segs.get(k + 1).map_or(bytes.len(), |s| s.at as usize);
            if seg.linear {
                let slice = bytes.get(from..to).unwrap_or_default();
                let mut off = 0;
                while off < slice.len() {
                    let start = off
                        + slice
                            .get(off..)
                            .unwrap_or_default()
                            .iter()
                            .take_while(|&&b| !keep_ascii(b))
                            .count();
                    let run = slice.get(start..).unwrap_or_default();
                    let len = run.iter().take_while(|&&b| keep_ascii(b)).count();
                    if let Some(kept) = run.get(..len).filter(|k| !k.is_empty()) {
                        map.extend_linear(w as u32, seg.start + start as u32, len as u32);
                        let src = from + start;
                        match (bytes.get(src..src + BLOCK), out.get_mut(w..w + BLOCK)) {
                            (Some(s), Some(d)) if len <= BLOCK => d.copy_from_slice(s),
                            _ => {
                                if let Some(d) = out.get_mut(w..w + len) {
                                    d.copy_from_slice(kept);
                                }
                            }
                        }
                        w += len;
                    }
                    off = start + len.max(1);
                }
            } else if let Some(piece) = self.text.get(from..to) {
                for c in piece.chars().filter(|&c| keep(c)) {
                    map.extend_block(w as u32, seg.start, seg.end);
                    let mut b = [0u8; 4];
                    let e = c.encode_utf8(&mut b).as_bytes();
                    if let Some(d) = out.get_mut(w..w + e.len()) {
                        d.copy_from_slice(e);
                    }
                    w += e.len();
                }
            }
        }
        out.truncate(w);
        (out, map)
    }

    /// [`ViewBuf::filtered_parts`] as it was before the one-pass copy: the oracle of
    /// the tests.
    #[cfg(test)]
    pub(crate) fn filtered_parts_ref(
        &self,
        keep_ascii: impl Fn(u8) -> bool,
        keep: impl Fn(char) -> bool,
    ) -> (Vec<u8>, ByteMap) {
        let bytes = self.text.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut map = ByteMap {
            segs: Vec::with_capacity(16),
        };
        let segs = &self.map.segs;
        for (k, seg) in segs.iter().enumerate() {
            let from = seg.at as usize;
            let to = segs.get(k + 1).map_or(bytes.len(), |s| s.at as usize);
            if seg.linear {
                let slice = bytes.get(from..to).unwrap_or_default();
                let mut off = 0;
                while off < slice.len() {
                    let start = off
                        + slice
                            .get(off..)
                            .unwrap_or_default()
                            .iter()
                            .take_while(|&&b| !keep_ascii(b))
                            .count();
                    let run = slice.get(start..).unwrap_or_default();
                    let len = run.iter().take_while(|&&b| keep_ascii(b)).count();
                    if let Some(kept) = run.get(..len).filter(|k| !k.is_empty()) {
                        map.extend_linear(out.len() as u32, seg.start + start as u32, len as u32);
                        out.extend_from_slice(kept);
                    }
                    off = start + len.max(1);
                }
            } else if let Some(piece) = self.text.get(from..to) {
                for c in piece.chars().filter(|&c| keep(c)) {
                    map.extend_block(out.len() as u32, seg.start, seg.end);
                    let mut b = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        (out, map)
    }

    /// A buffer from the bytes and map of [`ViewBuf::filtered_parts`]. The bytes are
    /// UTF-8 (whole chars were copied, ASCII bytes replaced by ASCII bytes); should
    /// they not be, the invalid bytes become U+FFFD rather than a panic.
    pub(crate) fn from_parts(bytes: Vec<u8>, map: ByteMap) -> ViewBuf {
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        ViewBuf { text, map }
    }

    /// Appends `s`, every byte of which came from original `start..end`.
    pub(crate) fn push_block(&mut self, start: u32, end: u32, s: &str) {
        if s.is_empty() {
            return;
        }
        let at = self.pos();
        self.map.extend_block(at, start, end);
        self.text.push_str(s);
    }

    /// Appends one char from original `start..end`.
    pub(crate) fn push_char(&mut self, start: u32, end: u32, c: char) {
        let mut b = [0u8; 4];
        self.push_block(start, end, c.encode_utf8(&mut b));
    }

    /// Cuts the text (and map) back to `len` bytes (a char boundary).
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.text.len() || !self.text.is_char_boundary(len) {
            return;
        }
        self.text.truncate(len);
        let len = len as u32;
        while self.map.segs.last().is_some_and(|s| s.at >= len) {
            self.map.segs.pop();
        }
        if let Some(last) = self.map.segs.last_mut()
            && last.linear
        {
            last.end = last.start + (len - last.at);
        }
    }

    /// Replaces the last char by `c`, widening its original range to end at `end`
    /// (used when two chars compose into one).
    pub(crate) fn replace_last(&mut self, c: char, end: u32) {
        let Some((at, _)) = self.text.char_indices().next_back() else {
            return;
        };
        let Some((start, old_end)) = self.map.span(at) else {
            return;
        };
        self.truncate(at);
        self.push_char(start, old_end.max(end), c);
    }

    /// Appends `range` of another buffer's text with its map. `cursor` is a segment
    /// hint for `src`: pass the same variable for increasing ranges.
    pub(crate) fn copy_from(&mut self, src: &ViewBuf, range: Range<usize>, cursor: &mut usize) {
        let segs = &src.map.segs;
        if segs
            .get(*cursor)
            .is_none_or(|s| s.at as usize > range.start)
        {
            *cursor = segs
                .partition_point(|s| s.at as usize <= range.start)
                .saturating_sub(1);
        }
        let mut v = range.start;
        while v < range.end {
            while segs.get(*cursor + 1).is_some_and(|s| s.at as usize <= v) {
                *cursor += 1;
            }
            let Some(seg) = segs.get(*cursor) else { return };
            let seg_end = segs
                .get(*cursor + 1)
                .map_or(src.text.len(), |s| s.at as usize);
            let piece_end = seg_end.min(range.end);
            let Some(piece) = src.text.get(v..piece_end) else {
                return;
            };
            if seg.linear {
                self.push_linear(seg.start + (v as u32 - seg.at), piece);
            } else {
                self.push_block(seg.start, seg.end, piece);
            }
            if piece_end <= v {
                return;
            }
            v = piece_end;
        }
    }
}
