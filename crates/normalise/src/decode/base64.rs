//! Base64, standard (`+/`) and URL-safe (`-_`) alphabets, padding optional, line
//! breaks (MIME wrapping) skipped.

use super::Out;

fn value(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes `src[range]` into `out`; stops at padding or any other char.
pub(crate) fn decode(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    let mut acc = 0u32;
    let mut bits = 0u32;
    // Where the bits of the byte being assembled started.
    let mut byte_start = range.start;
    for i in range {
        let Some(&b) = src.get(i) else { return };
        if b == b'\n' || b == b'\r' {
            continue;
        }
        let Some(v) = value(b) else { return };
        if bits == 0 {
            byte_start = i;
        }
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = ((acc >> bits) & 0xFF) as u8;
            if !out.push(byte, byte_start, i + 1) {
                return;
            }
            acc &= (1 << bits) - 1;
            byte_start = i;
        }
    }
}
