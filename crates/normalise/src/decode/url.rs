//! Percent-encoding (`%69%67` and `ignore%20all`), `+` read as a space when the run
//! has no literal spaces.

use super::Out;

/// Decodes a region of `%HH` escapes mixed with literal text.
pub(crate) fn decode(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    super::decode_escapes(src, range, out, super::Escape::Percent);
}
