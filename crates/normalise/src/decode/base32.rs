//! Base32 (RFC 4648 alphabet `A-Z2-7`, either case, padding optional).

use super::Out;

fn value(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a',
        b'2'..=b'7' => b - b'2' + 26,
        _ => return None,
    }))
}

/// Decodes `src[range]` into `out`; stops at padding or any other char.
pub(crate) fn decode(src: &[u8], range: std::ops::Range<usize>, out: &mut Out<'_>) {
    let mut acc = 0u32;
    let mut bits = 0u32;
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
        acc = (acc << 5) | v;
        bits += 5;
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
