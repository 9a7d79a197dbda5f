//! Byte searches eight bytes at a time: one `u64` holds eight bytes of text, and a few
//! arithmetic operations on it test all eight at once ("SWAR"). Shared by the
//! normaliser's views and the PII rules of `gatehouse-core`, so each test is written
//! once.
//!
//! Every mask here is exact per byte: no carry or borrow crosses from one byte into
//! the next, so a set high bit means that byte passed, and no other byte's value can
//! change it. Tests check every byte value in every lane.

/// `0x01` in every byte.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// The first eight bytes of `chunk` (all zero when it is shorter) as a little-endian
/// `u64`: byte `i` of the chunk is byte lane `i`, so `trailing_zeros() / 8` of a mask
/// is an index into the chunk.
#[inline]
pub(crate) fn word_at(chunk: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    if let Some(c) = chunk.get(..8) {
        word.copy_from_slice(c);
    }
    u64::from_le_bytes(word)
}

/// The high bit of every byte `b` of `x` with `m < b < n`, and no other; bytes of
/// `0x80` and above never pass. `m` and `n` must be at most `0x80` (Sean Anderson's
/// "hasbetween", from his bit twiddling hacks).
#[inline]
pub(crate) const fn bytes_between(x: u64, m: u8, n: u8) -> u64 {
    let low7 = x & (LO * 0x7F);
    (LO * (127 + n as u64)).wrapping_sub(low7) & !x & low7.wrapping_add(LO * (127 - m as u64)) & HI
}

/// The high bit of every byte of `x` equal to `b`, and no other.
#[inline]
pub(crate) const fn bytes_equal(x: u64, b: u8) -> u64 {
    let y = x ^ (LO * b as u64);
    !(((y & (LO * 0x7F)).wrapping_add(LO * 0x7F)) | y) & HI
}

/// The high bit of every ASCII digit byte of `x`, and no other.
#[inline]
const fn digit_bits(x: u64) -> u64 {
    bytes_between(x, b'0' - 1, b'9' + 1)
}

/// The char that starts at byte `at` of `bytes` (UTF-8), if one does. For the
/// boundary checks of the PII rules and of e-mail addresses, which look at one
/// neighbour of a match: a non-ASCII letter glues to it, non-ASCII punctuation
/// (`—`, `“`, `。`, a no-break space) does not.
pub fn char_at(bytes: &[u8], at: usize) -> Option<char> {
    let head = bytes.get(at..bytes.len().min(at.saturating_add(4)))?;
    let valid = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to())?).ok()?,
    };
    valid.chars().next()
}

/// The char that ends just before byte `at` of `bytes` (UTF-8), if one does.
pub fn char_before(bytes: &[u8], at: usize) -> Option<char> {
    let from =
        (at.saturating_sub(4)..at).find(|&i| bytes.get(i).is_some_and(|&b| b & 0xC0 != 0x80))?;
    std::str::from_utf8(bytes.get(from..at)?)
        .ok()?
        .chars()
        .next_back()
}

/// Position of the first ASCII digit of `bytes` at or after `from` (`None` when there
/// is none, or `from` is past the end): sixteen bytes a step, the digit's place in its
/// word from the word's digit bits. Most text has few digits, so the PII rules and
/// the leet view skip it at several bytes a cycle.
#[inline]
pub fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(16);
    let mut base = from;
    for chunk in chunks.by_ref() {
        let (a, b) = chunk.split_at(8);
        let (ma, mb) = (digit_bits(word_at(a)), digit_bits(word_at(b)));
        if ma | mb != 0 {
            return Some(if ma != 0 {
                base + (ma.trailing_zeros() / 8) as usize
            } else {
                base + 8 + (mb.trailing_zeros() / 8) as usize
            });
        }
        base += 16;
    }
    chunks
        .remainder()
        .iter()
        .position(u8::is_ascii_digit)
        .map(|i| base + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: the first digit, byte by byte.
    fn next_digit_plain(bytes: &[u8], from: usize) -> Option<usize> {
        let rest = bytes.get(from..)?;
        rest.iter().position(u8::is_ascii_digit).map(|i| from + i)
    }

    /// `x` in lane `lane` of a word whose other lanes hold `fill`.
    fn in_lane(x: u8, lane: usize, fill: u8) -> u64 {
        let mut w = [fill; 8];
        w[lane] = x;
        u64::from_le_bytes(w)
    }

    #[test]
    fn masks_are_exact_for_every_byte_in_every_lane() {
        for fill in [0x00, b'0', b'|', 0x2b, 0x7f, 0x80, 0xff] {
            for lane in 0..8 {
                for x in 0u8..=255 {
                    let w = in_lane(x, lane, fill);
                    let bit = |m: u64| m & (0x80 << (8 * lane)) != 0;
                    assert_eq!(bit(digit_bits(w)), x.is_ascii_digit(), "{x} {lane} {fill}");
                    assert_eq!(bit(bytes_equal(w, b'|')), x == b'|', "{x} {lane} {fill}");
                    for (m, n) in [(0x20, 0x2C), (0x2F, 0x41), (0x00, 0x80), (0x60, 0x7B)] {
                        assert_eq!(
                            bit(bytes_between(w, m, n)),
                            m < x && x < n,
                            "{x} in ({m}, {n}), lane {lane}, fill {fill}"
                        );
                    }
                }
            }
        }
    }

    /// Every start of every text: lengths around the 16- and 8-byte steps, digits and
    /// multibyte chars at each edge.
    #[test]
    fn next_digit_is_the_first_digit() {
        let check = |t: &str| {
            let b = t.as_bytes();
            for from in 0..=b.len() + 1 {
                assert_eq!(
                    next_digit(b, from),
                    next_digit_plain(b, from),
                    "{t:?} {from}"
                );
            }
        };
        for n in 0..=40 {
            for fill in ["a", " ", "é", "中", "/", ":"] {
                for edge in ["0", "9", "5", "€", "٣", "１"] {
                    let body = fill.repeat(n);
                    check(&format!("{edge}{body}"));
                    check(&format!("{body}{edge}"));
                    check(&format!("{body}{edge}{body}{edge}"));
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn next_digit_is_the_first_digit_of_any_text(
            t in "[a-z0-9 .:/()+\\-]{0,70}|\\PC{0,50}"
        ) {
            let b = t.as_bytes();
            for from in 0..=b.len() {
                proptest::prop_assert_eq!(next_digit(b, from), next_digit_plain(b, from));
            }
        }
    }
}
