//! A literal gate: the *factors* of a list of named regexes, each factor a set of
//! literals one of which every match of its regex contains. The literals go into the
//! canonical automaton of a [`crate::Matcher`] beside its phrase patterns
//! ([`crate::Matcher::build_gated`]), so the one pass that finds the phrases in a view
//! also says which regexes may match there ([`Opened`]); the caller runs only those.
//! `gatehouse-core` gates its injection patterns with it (the factors are in
//! `crates/core/data/pattern-factors.txt`, and its build script compiles them with the
//! built-in phrases, so a cold start only reads the automaton).
//!
//! The factor file: `#` comment lines, then one line per regex, its name and its
//! literals separated by tabs. In a literal, bytes outside printable ASCII (and `\`)
//! are written `\xNN`, so any byte string (a literal cut in the middle of a UTF-8
//! character included) survives editors and diffs.

use crate::bytes::{Reader, put_str, put_u32};

/// One regex's factor: its name and its literals.
pub type Factor = (String, Vec<Vec<u8>>);

/// The regexes a [`crate::Matcher`]'s literals gate: their names, and the fingerprint
/// of the regexes the factors were made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// What the factors were made from (the caller's fingerprint of its regexes): a
    /// caller whose regexes have a different fingerprint must not use the gate.
    pub stamp: u64,
    names: Vec<String>,
}

impl Gate {
    pub(crate) fn new(stamp: u64, factors: &[Factor]) -> Gate {
        Gate {
            stamp,
            names: factors.iter().map(|(n, _)| n.clone()).collect(),
        }
    }

    /// The regexes' names, in the order of the factor list: regex `i` of
    /// [`crate::Automaton::opens`] and [`Opened`] is `names()[i]`.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.stamp.to_le_bytes());
        put_u32(out, self.names.len() as u32);
        for name in &self.names {
            put_str(out, name);
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Gate, String> {
        let mut stamp = [0u8; 8];
        stamp.copy_from_slice(r.take(8)?);
        let n = r.u32()? as usize;
        let mut names = Vec::with_capacity(n.min(r.rest.len()));
        for _ in 0..n {
            names.push(r.str()?.to_owned());
        }
        Ok(Gate {
            stamp: u64::from_le_bytes(stamp),
            names,
        })
    }
}

/// The gated regexes a pass over one text has opened so far: fed the
/// [`crate::Automaton::opens`] row of every match, it keeps each regex once. Past its
/// limit it lists no more and only marks them (the caller then searches the opened
/// regexes another way, as a hostile text full of near-misses needs).
#[derive(Debug, Clone, Default)]
pub struct Opened {
    seen: Vec<u64>,
    open: Vec<u32>,
    limit: usize,
    over: bool,
}

/// What a pass opened ([`Opened::finish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Openings {
    /// At most the limit: these regexes, in increasing order.
    Open(Vec<u32>),
    /// More than the limit: every opened regex as a bit set (regex `r` is bit `r % 64`
    /// of word `r / 64`; see [`is_open`]).
    Over(Vec<u64>),
}

/// True when regex `regex` is in the bit set `bits` of [`Openings::Over`].
pub fn is_open(bits: &[u64], regex: u32) -> bool {
    bits.get(regex as usize / 64)
        .is_some_and(|w| w & (1u64 << (regex % 64)) != 0)
}

impl Opened {
    /// Nothing open yet, for a gate of `regexes` regexes, listing at most `limit`.
    pub fn new(regexes: usize, limit: usize) -> Opened {
        Opened {
            seen: vec![0; regexes.div_ceil(64)],
            open: Vec::new(),
            limit,
            over: false,
        }
    }

    /// Opens `regexes` (a match's [`crate::Automaton::opens`] row).
    #[inline]
    pub fn add(&mut self, regexes: &[u32]) {
        for &regex in regexes {
            let (word, bit) = (regex as usize / 64, 1u64 << (regex % 64));
            if let Some(w) = self.seen.get_mut(word)
                && *w & bit == 0
            {
                *w |= bit;
                if self.open.len() == self.limit {
                    self.over = true;
                } else {
                    self.open.push(regex);
                }
            }
        }
    }

    /// The opened regexes: listed, or past the limit as bits.
    pub fn finish(mut self) -> Openings {
        if self.over {
            return Openings::Over(self.seen);
        }
        self.open.sort_unstable();
        Openings::Open(self.open)
    }
}

/// Writes a factor list in the file format of the module documentation: the `stamp`
/// line, then the `header` lines (each written as a `#` comment), then the factors.
pub fn format_factors(stamp: u64, header: &[&str], factors: &[Factor]) -> String {
    let mut out = format!("{STAMP}{stamp:016x}\n");
    for line in header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (name, lits) in factors {
        out.push_str(name);
        for lit in lits {
            out.push('\t');
            for &b in lit {
                if (0x21..=0x7e).contains(&b) && b != b'\\' {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The first line of a factor file, before the stamp in hexadecimal.
const STAMP: &str = "# stamp ";

/// Reads a factor list written by [`format_factors`]: its stamp and its factors.
pub fn parse_factors(text: &str) -> Result<(u64, Vec<Factor>), String> {
    let first = text.lines().next().unwrap_or_default();
    let stamp = first
        .strip_prefix(STAMP)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or("factor file, line 1: not `# stamp <hex>`")?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("factor file, line {}: {what}", n + 1);
        let mut fields = line.split('\t');
        let name = fields
            .next()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no name"))?;
        let mut lits = Vec::new();
        for field in fields {
            let mut lit = Vec::with_capacity(field.len());
            let mut bytes = field.bytes();
            while let Some(b) = bytes.next() {
                if b != b'\\' {
                    lit.push(b);
                    continue;
                }
                let (Some(b'x'), Some(h), Some(l)) = (bytes.next(), bytes.next(), bytes.next())
                else {
                    return Err(bad("an escape is not `\\xNN`"));
                };
                let hex = [h, l];
                let pair = std::str::from_utf8(&hex).map_err(|_| bad("bad escape"))?;
                lit.push(u8::from_str_radix(pair, 16).map_err(|_| bad("bad escape"))?);
            }
            if lit.is_empty() {
                return Err(bad("an empty literal opens every text"));
            }
            lits.push(lit);
        }
        if lits.is_empty() {
            return Err(bad("a regex without literals"));
        }
        out.push((name.to_owned(), lits));
    }
    Ok((stamp, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Matcher, PatternForm};

    fn factors() -> Vec<Factor> {
        vec![
            ("a".into(), vec![b"ignore".to_vec(), b"disregard".to_vec()]),
            ("b".into(), vec![b"rules".to_vec()]),
            (
                "c".into(),
                vec![b"rules".to_vec(), "\u{0456}\t\\".as_bytes().to_vec()],
            ),
        ]
    }

    /// Opened regexes and phrase origins of one pass over `text`.
    fn pass(m: &Matcher, text: &str) -> (Vec<u32>, Vec<(u32, u32)>) {
        let a = m.automaton(PatternForm::Canonical).unwrap();
        let mut opened = Opened::new(m.gate().map_or(0, |g| g.names().len()), 8);
        let mut phrases = Vec::new();
        for f in a.find_overlapping(text) {
            opened.add(a.opens(f.pattern));
            phrases.extend(a.origins(f.pattern).iter().map(|o| (o.list, o.phrase)));
        }
        let Openings::Open(open) = opened.finish() else {
            panic!("at most 8 regexes open in the test texts");
        };
        (open, phrases)
    }

    #[test]
    fn one_pass_finds_the_phrases_and_opens_the_regexes_whose_literals_occur() {
        let factors = factors();
        // "ignore" is both a phrase and a literal of regex `a`.
        let m = Matcher::build_gated([["ignore", "house", "developer mode"]], Some((7, &factors)))
            .unwrap();
        let again = Matcher::from_bytes(&m.to_bytes()).unwrap();
        for m in [&m, &again] {
            let gate = m.gate().unwrap();
            assert_eq!(
                (gate.stamp, gate.names()),
                (7, &["a", "b", "c"].map(String::from)[..])
            );
            assert_eq!(pass(m, "nothing here"), (vec![], vec![]));
            assert_eq!(
                pass(m, "the rules, please ignore"),
                (vec![0, 1, 2], vec![(0, 0)])
            );
            assert_eq!(pass(m, "house rules"), (vec![1, 2], vec![(0, 1)]));
            assert_eq!(pass(m, "x \u{0456}\t\\"), (vec![2], vec![]));
            assert_eq!(
                m.open("rules, rules and more rules", 8),
                Openings::Open(vec![1, 2])
            );
            // Over the limit: every opened regex as bits, those opened after the limit
            // was passed included (`ignore` opens regex 0 after `rules` opened 1 and 2).
            let over = m.open("the rules, please ignore", 1);
            assert_eq!(over, Openings::Over(vec![0b111]));
            let Openings::Over(bits) = over else {
                unreachable!()
            };
            assert!((0..3).all(|r| is_open(&bits, r)) && !is_open(&bits, 3) && !is_open(&bits, 64));
            // The squashed automaton carries no literal.
            let sq = m.automaton(PatternForm::Squashed).unwrap();
            let squashed: Vec<_> = sq.find_overlapping("xdevelopermodex").collect();
            assert_eq!(squashed.len(), 1);
            assert!(squashed.iter().all(|f| sq.opens(f.pattern).is_empty()));
        }
        let plain = Matcher::build([["ignore"]]).unwrap();
        assert!(plain.gate().is_none());
        assert_eq!(plain.open("ignore the rules", 8), Openings::Open(vec![]));
    }

    #[test]
    fn the_file_format_round_trips_any_bytes_and_refuses_bad_lines() {
        let text = format_factors(0xabc, &["generated"], &factors());
        assert!(text.starts_with("# stamp 0000000000000abc\n# generated\n"));
        assert!(text.contains("c\trules\t\\xd1\\x96\\x09\\x5c\n"), "{text}");
        assert_eq!(parse_factors(&text).unwrap(), (0xabc, factors()));
        for bad in ["a\t\\x4", "a\t\\q00", "a", "\tx", "a\t"] {
            let with_stamp = format!("# stamp 01\n{bad}");
            assert!(parse_factors(&with_stamp).is_err(), "{bad:?}");
        }
        assert!(parse_factors("a\tbc").is_err(), "no stamp");
        assert!(Matcher::build_gated([["x"]], Some((0, &[]))).is_err());
        let empty: Vec<Factor> = vec![("a".into(), vec![])];
        assert!(Matcher::build_gated([["x"]], Some((0, &empty))).is_err());
        let bytes = Matcher::build_gated([["x"]], Some((0, &factors())))
            .unwrap()
            .to_bytes();
        assert!(Matcher::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        // A pattern that opens a regex the gate does not name.
        let mut fewer = bytes.clone();
        let names = fewer.len() - (4 + 1) * 3;
        fewer.truncate(names - 4);
        fewer.extend_from_slice(&2u32.to_le_bytes());
        for name in ["a", "b"] {
            fewer.extend_from_slice(&1u32.to_le_bytes());
            fewer.extend_from_slice(name.as_bytes());
        }
        assert!(
            Matcher::from_bytes(&fewer)
                .unwrap_err()
                .contains("unknown gated regex")
        );
    }
}
