//! Hexadecimal bytes: contiguous (`69676e6f7265`, `0x69676e6f7265`), in separated pairs
//! (`69 67 6e`, `69:67:6e`, `0x69, 0x67, 0x6e`), or as `\x69\x67` escapes (found by the
//! escape scanner).

use super::{Out, hex_value};

/// Decodes hex digit pairs in `src[range]`, skipping anything between pairs
/// (separators, line breaks, `\x` and `0x` prefixes).
pub(crate) fn decode(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    let mut i = range.start;
    while i < range.end {
        let (Some(hi), Some(lo)) = (
            src.get(i).and_then(|&b| hex_value(b)),
            src.get(i + 1).and_then(|&b| hex_value(b)),
        ) else {
            i += 1;
            continue;
        };
        if i + 1 >= range.end {
            return;
        }
        if !out.push(hi << 4 | lo, i, i + 2) {
            return;
        }
        i += 2;
    }
}

/// Decodes a region of `\xHH` escapes mixed with literal text.
pub(crate) fn decode_escaped(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    super::decode_escapes(src, range, out, super::Escape::BackslashX);
}
