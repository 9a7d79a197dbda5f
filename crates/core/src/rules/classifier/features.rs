//! Hashed features of one text, computed in one pass without allocating per n-gram.
//!
//! The text is the canonical view (lowercase, NFKC, single spaces). Three families:
//!
//! - **char n-grams**: every byte 3-, 4- and 5-gram of the canonical text;
//! - **words**: unigrams and bigrams of the words (runs of ASCII letters and digits and
//!   of non-ASCII bytes);
//! - **squashed 5-grams**: byte 5-grams of the text with everything but letters and
//!   digits dropped and leetspeak digits folded (`0→o 1→i 3→e 4→a 5→s 7→t`, `@→a`,
//!   `$→s`), so `i g n o r e` and `1gn0re` share features with `ignore`.
//!
//! Hashes are fixed and documented, so a model trained anywhere gives the same scores
//! everywhere (no `RandomState`):
//!
//! - an n-gram of at most 5 bytes is packed big-endian into a `u64` (first byte
//!   highest), its family tag (`3`, `4`, `5` for char n-grams, `s` for squashed) is
//!   put in the top byte, and the key is multiplied by [`MIX`] (Fibonacci hashing:
//!   one multiplication, so consecutive n-grams hash independently and fast);
//! - a word is hashed with FNV-1a 64 (offset `0xcbf29ce484222325`, prime
//!   `0x100000001b3`) over the tag `w` followed by its bytes; a word bigram with FNV-1a
//!   over the tag `b` and the two word hashes as little-endian `u64`s.
//!
//! The bucket is `(h ^ (h >> 32)) & (buckets - 1)`.

/// FNV-1a 64 offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
pub const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// One FNV-1a step.
#[inline]
pub fn fnv_step(h: u64, byte: u8) -> u64 {
    (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// FNV-1a 64 of a byte string.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b))
}

/// The multiplier of packed n-gram keys: 2^64 / golden ratio, odd.
pub const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn mix(tag: u8, key: u64) -> u64 {
    (key | (u64::from(tag) << 56)).wrapping_mul(MIX)
}

const TAG_WORD: u8 = b'w';
const TAG_BIGRAM: u8 = b'b';
const TAG_SQUASH: u8 = b's';

/// Which features to compute, stored in the model header as bit flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSet(pub u8);

impl FeatureSet {
    /// Byte 3-grams.
    pub const CHAR3: u8 = 1;
    /// Byte 4-grams.
    pub const CHAR4: u8 = 1 << 1;
    /// Byte 5-grams.
    pub const CHAR5: u8 = 1 << 2;
    /// Word unigrams.
    pub const WORD1: u8 = 1 << 3;
    /// Word bigrams.
    pub const WORD2: u8 = 1 << 4;
    /// Squashed (letters and digits, leet folded) 5-grams.
    pub const SQUASH5: u8 = 1 << 5;
    /// Every feature family this version knows.
    pub const KNOWN: u8 = 0b11_1111;

    fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn squash_fold(b: u8) -> Option<u8> {
    match b {
        b'0' => Some(b'o'),
        b'1' => Some(b'i'),
        b'3' => Some(b'e'),
        b'4' | b'@' => Some(b'a'),
        b'5' | b'$' => Some(b's'),
        b'7' => Some(b't'),
        b if is_word_byte(b) => Some(b),
        _ => None,
    }
}

/// Calls `emit(position, hash)` for every feature of `text`, where `position` is the
/// byte offset in `text` where the feature starts. Positions are not emitted in
/// order across families. No allocation.
pub fn for_each_feature(text: &str, set: FeatureSet, mut emit: impl FnMut(usize, u64)) {
    let bytes = text.as_bytes();
    let (c3, c4, c5) = (
        set.has(FeatureSet::CHAR3),
        set.has(FeatureSet::CHAR4),
        set.has(FeatureSet::CHAR5),
    );
    if c3 || c4 || c5 {
        let mut packed = 0u64;
        for (i, &b) in bytes.iter().enumerate() {
            packed = (packed << 8) | u64::from(b);
            if c3 && i >= 2 {
                emit(i - 2, mix(b'3', packed & 0xff_ffff));
            }
            if c4 && i >= 3 {
                emit(i - 3, mix(b'4', packed & 0xffff_ffff));
            }
            if c5 && i >= 4 {
                emit(i - 4, mix(b'5', packed & 0xff_ffff_ffff));
            }
        }
    }
    if set.has(FeatureSet::WORD1) || set.has(FeatureSet::WORD2) {
        // The previous word: where it started and the FNV state of the bigram tag
        // followed by its hash, so a bigram only hashes the second word's bytes (the
        // two halves are independent chains the CPU overlaps).
        let mut prev: Option<(usize, u64)> = None;
        let mut start: Option<usize> = None;
        let mut h = 0;
        for (i, &b) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
            if is_word_byte(b) {
                if start.is_none() {
                    start = Some(i);
                    h = fnv_step(FNV_OFFSET, TAG_WORD);
                }
                h = fnv_step(h, b);
            } else if let Some(s) = start.take() {
                if set.has(FeatureSet::WORD1) {
                    emit(s, h);
                }
                let bytes = h.to_le_bytes();
                if let (Some((ps, prefix)), true) = (prev, set.has(FeatureSet::WORD2)) {
                    emit(ps, bytes.iter().fold(prefix, |bh, &x| fnv_step(bh, x)));
                }
                let prefix = bytes
                    .iter()
                    .fold(fnv_step(FNV_OFFSET, TAG_BIGRAM), |bh, &x| fnv_step(bh, x));
                prev = Some((s, prefix));
            }
        }
    }
    if set.has(FeatureSet::SQUASH5) {
        // The last five kept bytes, packed, and where each of them started (a ring).
        let (mut packed, mut starts, mut n) = (0u64, [0usize; 5], 0usize);
        for (i, &b) in bytes.iter().enumerate() {
            let Some(f) = squash_fold(b) else { continue };
            packed = ((packed << 8) | u64::from(f)) & 0xff_ffff_ffff;
            if let Some(slot) = starts.get_mut(n % 5) {
                *slot = i;
            }
            n += 1;
            if n >= 5 {
                // The oldest of the five is the slot written next.
                let first = starts.get(n % 5).copied().unwrap_or(i);
                emit(first, mix(TAG_SQUASH, packed));
            }
        }
    }
}

/// The bucket of a feature hash in a table of `1 << log2` weights.
#[inline]
pub fn bucket(h: u64, log2: u8) -> usize {
    let mask = (1u64 << log2) - 1;
    ((h ^ (h >> 32)) & mask) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn squashed_grams_ignore_spacing_and_leet() {
        let collect = |t: &str| {
            let mut v = Vec::new();
            for_each_feature(t, FeatureSet(FeatureSet::SQUASH5), |_, h| v.push(h));
            v
        };
        assert_eq!(collect("ignore"), collect("i g n 0 r e"));
        assert_eq!(collect("ignore").len(), 2);
    }

    #[test]
    fn word_hashes_match_their_definition() {
        let mut got = Vec::new();
        for_each_feature(
            "ab, cd ef",
            FeatureSet(FeatureSet::WORD1 | FeatureSet::WORD2),
            |pos, h| got.push((pos, h)),
        );
        let word = |w: &[u8]| fnv1a(&[b"w".as_slice(), w].concat());
        let bigram =
            |a: u64, b: u64| fnv1a(&[b"b".as_slice(), &a.to_le_bytes(), &b.to_le_bytes()].concat());
        let (ab, cd, ef) = (word(b"ab"), word(b"cd"), word(b"ef"));
        assert_eq!(
            got,
            [
                (0, ab),
                (4, cd),
                (0, bigram(ab, cd)),
                (7, ef),
                (4, bigram(cd, ef))
            ]
        );
    }

    #[test]
    fn counts_per_family() {
        let mut n = 0;
        for_each_feature("abcdef gh", FeatureSet(FeatureSet::KNOWN), |_, _| n += 1);
        // 7 + 6 + 5 char grams, 2 words, 1 bigram, 4 squashed 5-grams.
        assert_eq!(n, 7 + 6 + 5 + 2 + 1 + 4);
    }
}
