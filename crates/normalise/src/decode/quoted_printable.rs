//! Quoted-printable (`=69=67`, soft line breaks `=\r\n` joined).

use super::Out;

/// Decodes a region of `=HH` escapes mixed with literal text.
pub(crate) fn decode(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    super::decode_escapes(src, range, out, super::Escape::Equals);
}
