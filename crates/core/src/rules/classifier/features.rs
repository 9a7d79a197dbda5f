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
pub const fn fnv_step(h: u64, byte: u8) -> u64 {
    (h ^ byte as u64).wrapping_mul(FNV_PRIME)
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
    /// Not a family: the model reads e-mail addresses as one placeholder
    /// ([`super::mask`]), in training and scoring alike.
    pub const MASK_EMAIL: u8 = 1 << 6;
    /// Every feature family this version knows.
    pub const FAMILIES: u8 = 0b11_1111;
    /// Every flag this version knows: the families and [`FeatureSet::MASK_EMAIL`].
    pub const KNOWN: u8 = Self::FAMILIES | Self::MASK_EMAIL;

    /// Whether `flag` is set.
    pub fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    /// The feature families alone (without [`FeatureSet::MASK_EMAIL`]).
    pub fn families(self) -> FeatureSet {
        FeatureSet(self.0 & Self::FAMILIES)
    }
}

const fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// The squashed family's fold of one byte: leet digits and `@`, `$` to letters, other
/// word bytes kept, the rest dropped.
const fn squash_fold(b: u8) -> Option<u8> {
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

/// [`squash_fold`] as a table: the folded byte, or 0 for a byte that is dropped (0
/// itself is never kept).
#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: `b < 256` indexes a 256-entry array, checked at compile time"
)]
const SQUASH_TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match squash_fold(b as u8) {
            Some(f) => f,
            None => 0,
        };
        b += 1;
    }
    t
};

/// [`is_word_byte`] as a table, for the scoring pass's word loop.
#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: `b < 256` indexes a 256-entry array, checked at compile time"
)]
const WORD_TABLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = is_word_byte(b as u8);
        b += 1;
    }
    t
};

/// The FNV-1a state after a word's tag, before its first byte.
const WORD_BASIS: u64 = fnv_step(FNV_OFFSET, TAG_WORD);
/// The FNV-1a state after a bigram's tag, before the first word's hash.
const BIGRAM_BASIS: u64 = fnv_step(FNV_OFFSET, TAG_BIGRAM);

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
        word_features(bytes, set, &mut emit);
    }
    if set.has(FeatureSet::SQUASH5) {
        squash_features(bytes, &mut emit);
    }
}

/// Per-block sums of feature weights: for each block of `1 << shift` bytes of `text`,
/// the sum of `weight(hash)` and the count of the features that *start* in it. The
/// same features as [`for_each_feature`] (a test checks both agree; words and squashed
/// grams come from the same helpers), computed for scoring: one load per byte for the
/// three char n-grams, and the running block's sums in registers. A `shift` of 63 or more gives
/// one block for the whole text.
pub fn block_sums(
    text: &str,
    set: FeatureSet,
    shift: u32,
    weight: impl Fn(u64) -> i32,
) -> Vec<(i32, u32)> {
    block_sums_and_words(text, set, shift, weight, &mut ())
}

/// What else reads the word features of [`block_sums_and_words`]' word loop: a hidden
/// layer over words. A trait, not a closure, so that its method is always inlined into
/// the loop (a closure there was called out of line, its state in memory).
pub trait WordSink {
    /// A word unigram or bigram: the byte where it starts and its hash.
    fn word(&mut self, start: usize, h: u64);
}

/// No sink: a linear model's pass.
impl WordSink for () {
    #[inline(always)]
    fn word(&mut self, _: usize, _: u64) {}
}

/// [`block_sums`], also giving `words` every word unigram and bigram of `text` (as
/// [`for_each_word`] emits them; `set` must have both word families), from the same
/// pass: a hidden layer over words reads them without a second word loop.
pub fn block_sums_and_words(
    text: &str,
    set: FeatureSet,
    shift: u32,
    weight: impl Fn(u64) -> i32,
    words: &mut impl WordSink,
) -> Vec<(i32, u32)> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let shift = shift.min(63);
    if set.0 & FeatureSet::FAMILIES == FeatureSet::FAMILIES {
        return known_set_block_sums(bytes, shift, &weight, words);
    }
    let mut sums = vec![(0i32, 0u32); block_count(n, shift)];
    let mut acc = Acc::default();
    let (c3, c4, c5) = (
        set.has(FeatureSet::CHAR3),
        set.has(FeatureSet::CHAR4),
        set.has(FeatureSet::CHAR5),
    );
    if c3 || c4 || c5 {
        // Positions with eight bytes ahead: one big-endian load gives all three keys.
        let fast_end = n.saturating_sub(7);
        for (bi, slot) in sums.iter_mut().enumerate() {
            let lo = bi << shift;
            let hi = (lo.saturating_add(1 << shift)).min(fast_end);
            let (mut sum, mut count) = (0i32, 0u32);
            if c3 && c4 && c5 {
                // Every window of eight bytes starting in `lo..hi`.
                let span = bytes.get(lo..hi.max(lo) + 7).unwrap_or_default();
                for w in span.windows(8) {
                    let k = <[u8; 8]>::try_from(w).map_or(0, u64::from_be_bytes);
                    sum = sum
                        .wrapping_add(weight(mix(b'3', k >> 40)))
                        .wrapping_add(weight(mix(b'4', k >> 32)))
                        .wrapping_add(weight(mix(b'5', k >> 24)));
                }
                count = count.wrapping_add(3 * hi.saturating_sub(lo) as u32);
            } else {
                for p in lo..hi {
                    let k = load_be8(bytes, p);
                    for (on, tag, keep) in [(c3, b'3', 40), (c4, b'4', 32), (c5, b'5', 24)] {
                        if on {
                            sum = sum.wrapping_add(weight(mix(tag, k >> keep)));
                            count = count.wrapping_add(1);
                        }
                    }
                }
            }
            slot.0 = slot.0.wrapping_add(sum);
            slot.1 = slot.1.wrapping_add(count);
        }
        // The last few positions, byte by byte.
        for p in fast_end..n {
            for (on, len, tag) in [(c3, 3, b'3'), (c4, 4, b'4'), (c5, 5, b'5')] {
                if let (true, Some(gram)) = (on, bytes.get(p..p + len)) {
                    let key = gram.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b));
                    acc.add(&mut sums, p >> shift, weight(mix(tag, key)));
                }
            }
        }
    }
    if set.has(FeatureSet::WORD1) || set.has(FeatureSet::WORD2) {
        word_features(bytes, set, |pos, h| {
            acc.add(&mut sums, pos >> shift, weight(h));
            words.word(pos, h);
        });
    }
    if set.has(FeatureSet::SQUASH5) {
        squash_features(bytes, |pos, h| acc.add(&mut sums, pos >> shift, weight(h)));
    }
    acc.flush(&mut sums);
    sums
}

/// The number of blocks of `1 << shift` bytes that [`block_sums`] cuts a text of `n`
/// bytes into (one for an empty text; a `shift` of 63 or more gives one block). Every
/// per-block pass over the same text uses it, so their blocks line up by index.
pub fn block_count(n: usize, shift: u32) -> usize {
    match n {
        0 => 1,
        n => ((n - 1) >> shift.min(63)) + 1,
    }
}

/// [`block_sums`] for every feature family ([`FeatureSet::FAMILIES`], the shipped
/// models' set): three tight loops, each with few enough live values for the
/// optimiser to keep them all in registers (one loop over both words and squashed
/// grams measured slower: its state spilled to the stack):
///
/// - char n-grams block by block, one big-endian load per position, the block's sums
///   in registers;
/// - words, with one [`WORD_TABLE`] lookup per byte;
/// - squashed grams, with one [`SQUASH_TABLE`] lookup per byte.
///
/// Each feature is added to the block where it starts, as in [`for_each_feature`];
/// only the order of the (wrapping, so exactly associative and commutative) integer
/// additions differs, so the sums are the same. Tests check it against
/// [`for_each_feature`] and against the definitions.
fn known_set_block_sums(
    bytes: &[u8],
    shift: u32,
    weight: &impl Fn(u64) -> i32,
    words: &mut impl WordSink,
) -> Vec<(i32, u32)> {
    let n = bytes.len();
    let size = 1usize.checked_shl(shift).unwrap_or(usize::MAX);
    let mut sums = vec![(0i32, 0u32); block_count(n, shift)];
    // Positions with eight bytes ahead: one load gives all three char n-grams.
    let fast_end = n.saturating_sub(7);
    for (bi, slot) in sums.iter_mut().enumerate() {
        let lo = bi.checked_shl(shift).unwrap_or(0);
        let hi = lo.saturating_add(size).min(n);
        let fast_hi = hi.min(fast_end).max(lo);
        let (mut sum, mut count) = (0i32, (fast_hi - lo) as u32);
        let span = bytes.get(lo..fast_hi + 7).unwrap_or_default();
        for w in span.windows(8) {
            let k = <[u8; 8]>::try_from(w).map_or(0, u64::from_be_bytes);
            sum = sum
                .wrapping_add(weight(mix(b'3', k >> 40)))
                .wrapping_add(weight(mix(b'4', k >> 32)))
                .wrapping_add(weight(mix(b'5', k >> 24)));
        }
        count = count.wrapping_mul(3);
        // The last few positions of the text: only whole grams count.
        for p in fast_hi..hi {
            let rest = bytes.get(p..).unwrap_or_default();
            let mut pad = [0u8; 8];
            for (d, &s) in pad.iter_mut().zip(rest) {
                *d = s;
            }
            let k = u64::from_be_bytes(pad);
            for (len, tag, keep) in [(3, b'3', 40), (4, b'4', 32), (5, b'5', 24)] {
                if rest.len() >= len {
                    sum = sum.wrapping_add(weight(mix(tag, k >> keep)));
                    count = count.wrapping_add(1);
                }
            }
        }
        slot.0 = slot.0.wrapping_add(sum);
        slot.1 = slot.1.wrapping_add(count);
    }
    word_block_sums(bytes, shift, &mut sums, weight, words);
    // Squashed 5-grams: the last five kept bytes, packed, and where the last five
    // started (`at[0]` the oldest), all in registers. The first four kept bytes end no
    // gram.
    let (mut packed, mut at, mut kept) = (0u64, [0usize; 5], 0usize);
    let fold = |b: u8| SQUASH_TABLE.get(usize::from(b)).copied().unwrap_or(0);
    let mut it = (0..n).zip(bytes);
    for (i, &b) in it.by_ref() {
        let f = fold(b);
        if f != 0 {
            packed = (packed << 8) | u64::from(f);
            at = [at[1], at[2], at[3], at[4], i];
            kept += 1;
            if kept == 4 {
                break;
            }
        }
    }
    let mut acc = Acc::default();
    for (i, &b) in it {
        let f = fold(b);
        if f == 0 {
            continue;
        }
        packed = ((packed << 8) | u64::from(f)) & 0xff_ffff_ffff;
        at = [at[1], at[2], at[3], at[4], i];
        // Five kept: the gram's first byte is the oldest of them.
        acc.add(&mut sums, at[0] >> shift, weight(mix(TAG_SQUASH, packed)));
    }
    acc.flush(&mut sums);
    sums
}

/// The word part of [`known_set_block_sums`] ([`for_each_word`]), added to `sums`, and
/// each feature given to `words`.
fn word_block_sums<W: Fn(u64) -> i32, S: WordSink>(
    bytes: &[u8],
    shift: u32,
    sums: &mut [(i32, u32)],
    weight: &W,
    words: &mut S,
) {
    let mut linear = LinearWords {
        acc: Acc::default(),
        sums,
        shift,
        weight,
        also: words,
    };
    for_each_word(bytes, &mut linear);
    linear.acc.flush(linear.sums);
}

/// The linear part's word sums as a [`WordSink`], passing each feature on to `also`.
/// The running block's sums stay in registers ([`Acc`]): adding to `sums` in memory
/// for every feature made each addition wait for the previous one's store.
struct LinearWords<'a, W, S> {
    acc: Acc,
    sums: &'a mut [(i32, u32)],
    shift: u32,
    weight: &'a W,
    also: &'a mut S,
}

impl<W: Fn(u64) -> i32, S: WordSink> WordSink for LinearWords<'_, W, S> {
    #[inline(always)]
    fn word(&mut self, start: usize, h: u64) {
        self.acc
            .add(self.sums, start >> self.shift, (self.weight)(h));
        self.also.word(start, h);
    }
}

/// Word unigrams and bigrams of `bytes`, given to `sink` as (start, hash) (the unigram
/// at each word's end, then the bigram it closes, with the previous word's start): the
/// features of [`FeatureSet::WORD1`] and [`FeatureSet::WORD2`], each word found by its
/// first byte and read to its end in an inner loop, one table lookup per byte.
/// [`block_sums`]' word loop, which a hidden layer over words shares. Always inlined:
/// called out of line, or iterating with `enumerate`, [`block_sums`] took 1.5 % more
/// instructions on the 1 KB prompt (its running sums left the registers). The sink is a
/// trait, not a closure: a closure called from the loop's two places was not inlined
/// once the hidden layer's sums were added to it.
#[inline(always)]
pub fn for_each_word(bytes: &[u8], sink: &mut impl WordSink) {
    const NONE: usize = usize::MAX;
    let (mut prev, mut prefix) = (NONE, 0u64);
    let is_word = |b: u8| WORD_TABLE.get(usize::from(b)).copied().unwrap_or(false);
    let mut it = (0..bytes.len()).zip(bytes);
    while let Some((start, &b)) = it.next() {
        if !is_word(b) {
            continue;
        }
        let mut h = fnv_step(WORD_BASIS, b);
        // The byte that ends the word (if any) is not a word byte: nothing to do for it.
        for (_, &c) in it.by_ref() {
            if !is_word(c) {
                break;
            }
            h = fnv_step(h, c);
        }
        let (bigram, next) = bigram_hashes(prefix, h);
        sink.word(start, h);
        if prev != NONE {
            sink.word(prev, bigram);
        }
        (prev, prefix) = (start, next);
    }
}

/// The bigram that a word of hash `h` closes after a word whose bigram prefix is
/// `prefix`, and the bigram prefix of the word itself.
#[inline]
fn bigram_hashes(prefix: u64, h: u64) -> (u64, u64) {
    let hb = h.to_le_bytes();
    (
        hb.iter().fold(prefix, |bh, &x| fnv_step(bh, x)),
        hb.iter().fold(BIGRAM_BASIS, |bh, &x| fnv_step(bh, x)),
    )
}

/// Word unigrams and bigrams of `bytes` (as `set` asks), `emit(start, hash)` in the
/// order [`for_each_feature`] documents: at each word's end its unigram, then the
/// bigram it closes.
fn word_features(bytes: &[u8], set: FeatureSet, mut emit: impl FnMut(usize, u64)) {
    let (w1, w2) = (set.has(FeatureSet::WORD1), set.has(FeatureSet::WORD2));
    let mut prev: Option<(usize, u64)> = None;
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        if !bytes.get(i).copied().is_some_and(is_word_byte) {
            i += 1;
            continue;
        }
        let s = i;
        let mut h = fnv_step(FNV_OFFSET, TAG_WORD);
        while let Some(&b) = bytes.get(i).filter(|&&b| is_word_byte(b)) {
            h = fnv_step(h, b);
            i += 1;
        }
        if w1 {
            emit(s, h);
        }
        let hb = h.to_le_bytes();
        if let (Some((ps, prefix)), true) = (prev, w2) {
            let bigram = hb.iter().fold(prefix, |bh, &x| fnv_step(bh, x));
            emit(ps, bigram);
        }
        let prefix = hb
            .iter()
            .fold(fnv_step(FNV_OFFSET, TAG_BIGRAM), |bh, &x| fnv_step(bh, x));
        prev = Some((s, prefix));
    }
}

/// Squashed 5-grams of `bytes`, `emit(start, hash)` in order of position.
fn squash_features(bytes: &[u8], mut emit: impl FnMut(usize, u64)) {
    // The last kept bytes, packed, and where each started (a ring of eight).
    let (mut packed, mut starts, mut kept) = (0u64, [0usize; 8], 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        let f = SQUASH_TABLE.get(usize::from(b)).copied().unwrap_or(0);
        if f == 0 {
            continue;
        }
        packed = ((packed << 8) | u64::from(f)) & 0xff_ffff_ffff;
        if let Some(slot) = starts.get_mut(kept & 7) {
            *slot = i;
        }
        kept += 1;
        if kept >= 5 {
            let first = starts.get(kept.wrapping_sub(5) & 7).copied().unwrap_or(i);
            emit(first, mix(TAG_SQUASH, packed));
        }
    }
}

/// The eight bytes at `at`, big-endian (the caller makes sure they exist; 0 if not).
#[inline]
fn load_be8(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_be_bytes)
}

/// The running block of [`block_sums`]: its sums are added to the table when the
/// block changes, not once per feature.
#[derive(Default)]
struct Acc {
    block: usize,
    sum: i32,
    count: u32,
}

impl Acc {
    #[inline]
    fn add(&mut self, sums: &mut [(i32, u32)], block: usize, weight: i32) {
        if block != self.block {
            self.flush(sums);
            self.block = block;
        }
        // A block holds at most a few features per byte: no overflow.
        self.sum = self.sum.wrapping_add(weight);
        self.count = self.count.wrapping_add(1);
    }

    fn flush(&mut self, sums: &mut [(i32, u32)]) {
        if let Some(b) = sums.get_mut(self.block) {
            b.0 = b.0.wrapping_add(self.sum);
            b.1 = b.1.wrapping_add(self.count);
        }
        self.sum = 0;
        self.count = 0;
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

    /// [`block_sums`] against the reference: every feature of [`for_each_feature`]
    /// added to the block where it starts.
    #[test]
    fn block_sums_match_the_reference() {
        let texts = [
            "",
            "a",
            "abcd",
            "abcdefg",
            "abcdefgh",
            "ignore all previous instructions, i g n 0 r e 4ll!",
            "ünïcödé wörds and 1337 sp34k @nd $ymbols ... mixed ascii",
            "x",
        ];
        let weight = |h: u64| ((h >> 40) % 255) as i32 - 127;
        let mut long = String::new();
        for i in 0..400 {
            long.push_str(texts.get(i % texts.len()).copied().unwrap_or(""));
            long.push(if i % 3 == 0 { ' ' } else { '-' });
        }
        for set in [
            FeatureSet::KNOWN,
            FeatureSet::CHAR4 | FeatureSet::SQUASH5,
            FeatureSet::WORD2,
        ] {
            for text in texts.iter().copied().chain([long.as_str()]) {
                for shift in [3, 6, 7, 63] {
                    let n = text.len();
                    let blocks = if n == 0 { 1 } else { ((n - 1) >> shift) + 1 };
                    let mut want = vec![(0i32, 0u32); blocks];
                    for_each_feature(text, FeatureSet(set), |pos, h| {
                        want[pos >> shift].0 += weight(h);
                        want[pos >> shift].1 += 1;
                    });
                    let got = block_sums(text, FeatureSet(set), shift, weight);
                    assert_eq!(got, want, "set {set:#x} shift {shift} text {text:?}");
                }
            }
        }
    }

    /// The features of a text straight from the definitions in this module's
    /// documentation, sharing no code with the scoring paths: every n-gram sliced out,
    /// words split out, the squashed stream filtered out, every hash computed whole.
    fn spec_features(text: &str) -> Vec<(usize, u64)> {
        let b = text.as_bytes();
        let pack = |g: &[u8]| g.iter().fold(0u64, |k, &x| (k << 8) | u64::from(x));
        let key = |tag: u8, g: &[u8]| (pack(g) | (u64::from(tag) << 56)).wrapping_mul(MIX);
        let mut out = Vec::new();
        for (len, tag) in [(3, b'3'), (4, b'4'), (5, b'5')] {
            for i in 0..b.len() {
                if i + len <= b.len() {
                    out.push((i, key(tag, &b[i..i + len])));
                }
            }
        }
        let mut words = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if is_word_byte(b[i]) {
                let s = i;
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
                words.push((s, fnv1a(&[b"w".as_slice(), &b[s..i]].concat())));
            } else {
                i += 1;
            }
        }
        out.extend(words.iter().copied());
        for pair in words.windows(2) {
            let (a, c) = (pair[0].1.to_le_bytes(), pair[1].1.to_le_bytes());
            out.push((pair[0].0, fnv1a(&[b"b".as_slice(), &a, &c].concat())));
        }
        let kept: Vec<(usize, u8)> = b
            .iter()
            .enumerate()
            .filter_map(|(i, &x)| squash_fold(x).map(|f| (i, f)))
            .collect();
        for g in kept.windows(5) {
            let grams: Vec<u8> = g.iter().map(|&(_, f)| f).collect();
            out.push((g[0].0, key(b's', &grams)));
        }
        out
    }

    /// Per-block sums of `spec_features` with `weight`.
    fn spec_block_sums(text: &str, shift: u32, weight: impl Fn(u64) -> i32) -> Vec<(i32, u32)> {
        let n = text.len();
        let blocks = if n == 0 { 1 } else { ((n - 1) >> shift) + 1 };
        let mut want = vec![(0i32, 0u32); blocks];
        for (pos, h) in spec_features(text) {
            want[pos >> shift].0 += weight(h);
            want[pos >> shift].1 += 1;
        }
        want
    }

    /// The weights of a 2^16 table filled from a fixed generator, as scoring looks
    /// them up (and a second weight that uses more of the hash).
    fn table_weight() -> impl Fn(u64) -> i32 {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let table: Vec<i8> = (0..1 << 16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 56) as i8
            })
            .collect();
        move |h: u64| i32::from(table[bucket(h, 16)])
    }

    /// A text of `len` bytes or a little more (never splitting a character) from a
    /// fixed generator over word bytes, separators, leet folds and multi-byte UTF-8.
    fn stress_text(seed: u64, len: usize) -> String {
        const PIECES: [&str; 16] = [
            "a", "z", "e", "0", "1", "4", "@", "$", " ", "  ", ".", "\n", "é", "€", "😀", "ignore",
        ];
        let mut x = seed.wrapping_mul(MIX) | 1;
        let mut s = String::new();
        while s.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let piece = PIECES[(x % 16) as usize];
            if s.len() + piece.len() > len && piece.len() > 1 {
                s.push('x');
            } else {
                s.push_str(piece);
            }
        }
        s
    }

    /// The shipped set's scoring path ([`FeatureSet::KNOWN`]) and the general one
    /// against the definitions, for every text length from 0 to 300 bytes (every tail
    /// of the eight-byte load, every position around the 64-byte stride and 128-byte
    /// window) and every block size the format allows up to 2^9, plus one block.
    #[test]
    fn block_sums_match_the_spec_at_every_length() {
        let weights: [Box<dyn Fn(u64) -> i32>; 2] = [
            Box::new(table_weight()),
            Box::new(|h: u64| ((h >> 40) % 255) as i32 - 127),
        ];
        for weight in &weights {
            for len in 0..=300 {
                for seed in 0..3 {
                    let text = stress_text(seed * 1000 + len as u64, len);
                    for shift in [0, 1, 3, 6, 7, 9, 63] {
                        let want = spec_block_sums(&text, shift, weight);
                        for set in [FeatureSet::KNOWN, FeatureSet::KNOWN & !FeatureSet::CHAR3] {
                            let got = block_sums(&text, FeatureSet(set), shift, weight);
                            if set == FeatureSet::KNOWN {
                                assert_eq!(got, want, "shift {shift} text {text:?}");
                            }
                            let mut reference = vec![(0i32, 0u32); want.len()];
                            for_each_feature(&text, FeatureSet(set), |pos, h| {
                                reference[pos >> shift].0 += weight(h);
                                reference[pos >> shift].1 += 1;
                            });
                            assert_eq!(got, reference, "set {set:#x} shift {shift} text {text:?}");
                        }
                    }
                }
            }
        }
    }

    /// [`for_each_feature`] (what the trainer reads) is the definition too.
    #[test]
    fn for_each_feature_is_the_spec() {
        for len in [0, 1, 2, 5, 8, 9, 63, 64, 65, 127, 128, 129, 200, 1000] {
            for seed in 0..5 {
                let text = stress_text(seed, len);
                let mut got = Vec::new();
                for_each_feature(&text, FeatureSet(FeatureSet::KNOWN), |p, h| {
                    got.push((p, h))
                });
                let mut want = spec_features(&text);
                got.sort_unstable();
                want.sort_unstable();
                assert_eq!(got, want, "text {text:?}");
            }
        }
    }

    proptest::proptest! {
        /// The shipped set's path equals the definitions on random texts: any Unicode, and
        /// texts drawn from the bytes that steer the word and squashed families.
        #[test]
        fn known_set_block_sums_match_the_spec(
            text in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[a-z0-9 @$.,!?'\n\t_éü€😀-]{0,400}",
                "([a-z]{1,12}[ .,]){0,60}",
            ],
            shift in proptest::prop_oneof![0u32..=9, proptest::strategy::Just(63u32)],
        ) {
            let weight = |h: u64| ((h >> 40) % 255) as i32 - 127;
            let got = block_sums(&text, FeatureSet(FeatureSet::KNOWN), shift, weight);
            proptest::prop_assert_eq!(got, spec_block_sums(&text, shift, weight));
        }
    }

    #[test]
    fn squash_table_is_squash_fold() {
        for b in 0..=255u8 {
            let want = squash_fold(b).unwrap_or(0);
            assert_eq!(SQUASH_TABLE[usize::from(b)], want, "byte {b:#04x}");
            assert_eq!(WORD_TABLE[usize::from(b)], is_word_byte(b), "byte {b:#04x}");
        }
        assert_eq!(WORD_BASIS, fnv_step(FNV_OFFSET, TAG_WORD));
        assert_eq!(BIGRAM_BASIS, fnv_step(FNV_OFFSET, TAG_BIGRAM));
    }

    #[test]
    fn counts_per_family() {
        let mut n = 0;
        for_each_feature("abcdef gh", FeatureSet(FeatureSet::KNOWN), |_, _| n += 1);
        // 7 + 6 + 5 char grams, 2 words, 1 bigram, 4 squashed 5-grams.
        assert_eq!(n, 7 + 6 + 5 + 2 + 1 + 4);
    }
}
