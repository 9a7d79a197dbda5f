//! A literal gate: one Aho-Corasick automaton over the *factors* of a list of named
//! regexes, each factor a set of literals one of which every match of its regex
//! contains. A pass over a text says which regexes may match there; the caller runs
//! only those. `gatehouse-core` gates its injection patterns with it (the factors are
//! in `crates/core/data/pattern-factors.txt`, and its build script compiles them here,
//! so a cold start only reads the automaton).
//!
//! The factor file: `#` comment lines, then one line per regex, its name and its
//! literals separated by tabs. In a literal, bytes outside printable ASCII (and `\`)
//! are written `\xNN`, so any byte string (a literal cut in the middle of a UTF-8
//! character included) survives editors and diffs.

use std::collections::HashMap;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};

use crate::bytes::{Reader, put_u32, put_u32s};
use crate::rows::Rows;

/// One regex's factor: its name and its literals.
pub type Factor = (String, Vec<Vec<u8>>);

/// The automaton of a [`Factor`] list.
#[derive(Clone)]
pub struct LiteralGate {
    /// What the factors were made from (the caller's fingerprint of its regexes): a
    /// caller whose regexes have a different fingerprint must not use the gate.
    pub stamp: u64,
    ac: DoubleArrayAhoCorasick<u32>,
    /// Row `l`: the regexes (indexes into `names`) that literal `l` opens.
    owners: Rows<u32>,
    names: Vec<String>,
}

impl std::fmt::Debug for LiteralGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteralGate")
            .field("regexes", &self.names.len())
            .field("literals", &self.owners.rows())
            .finish()
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

impl LiteralGate {
    /// The gate of `factors`, made from regexes whose fingerprint is `stamp`.
    pub fn build(stamp: u64, factors: &[Factor]) -> Result<LiteralGate, String> {
        let mut ids: HashMap<&[u8], u32> = HashMap::new();
        let mut lits: Vec<&[u8]> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        for (regex, (_, factor)) in factors.iter().enumerate() {
            let regex = u32::try_from(regex).map_err(|_| "too many regexes".to_owned())?;
            for lit in factor {
                let id = *ids.entry(lit).or_insert_with(|| {
                    lits.push(lit);
                    owners.push(Vec::new());
                    (lits.len() - 1) as u32
                });
                if let Some(o) = owners.get_mut(id as usize)
                    && o.last() != Some(&regex)
                {
                    o.push(regex);
                }
            }
        }
        if lits.is_empty() {
            return Err("a literal gate needs at least one literal".to_owned());
        }
        // No prefilter, as for the phrase automaton: ordinary text starts a literal at
        // nearly every byte.
        let ac = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .use_prefilter(false)
            .build_with_values(lits.iter().zip(0u32..))
            .map_err(|e| format!("cannot build the literal gate: {e}"))?;
        let mut rows = Rows::with_capacity(owners.len());
        for o in owners {
            rows.push_row(o)?;
        }
        Ok(LiteralGate {
            stamp,
            ac,
            owners: rows,
            names: factors.iter().map(|(n, _)| n.clone()).collect(),
        })
    }

    /// The regexes' names, in the order of the factor list.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The regexes (indexes into [`LiteralGate::names`]) that may match in `text`, in
    /// increasing order; `None` as soon as more than `limit` are open (the caller then
    /// searches every regex another way, as a hostile text full of near-misses needs).
    pub fn open(&self, text: &[u8], limit: usize) -> Option<Vec<u32>> {
        let mut seen = vec![0u64; self.names.len().div_ceil(64)];
        let mut open = Vec::new();
        for m in self.ac.find_overlapping_iter(text) {
            for &regex in self.owners.get(m.value() as usize) {
                let (word, bit) = (regex as usize / 64, 1u64 << (regex % 64));
                if let Some(w) = seen.get_mut(word)
                    && *w & bit == 0
                {
                    *w |= bit;
                    if open.len() == limit {
                        return None;
                    }
                    open.push(regex);
                }
            }
        }
        open.sort_unstable();
        Some(open)
    }

    /// The gate as bytes, for [`LiteralGate::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.stamp.to_le_bytes());
        put_u32(&mut out, self.names.len() as u32);
        for name in &self.names {
            put_u32(&mut out, name.len() as u32);
            out.extend_from_slice(name.as_bytes());
        }
        let (starts, owners) = self.owners.parts();
        put_u32s(&mut out, starts);
        put_u32s(&mut out, owners);
        out.extend_from_slice(&self.ac.serialize());
        out
    }

    /// Reads a gate written by [`LiteralGate::to_bytes`], checking every index in it.
    pub fn from_bytes(bytes: &[u8]) -> Result<LiteralGate, String> {
        let bad = |what: &str| format!("literal gate bytes: {what}");
        let mut r = Reader::new(bytes, "literal gate bytes");
        if r.take(MAGIC.len())? != MAGIC {
            return Err(bad("bad magic"));
        }
        let mut stamp = [0u8; 8];
        stamp.copy_from_slice(r.take(8)?);
        let stamp = u64::from_le_bytes(stamp);
        let n = r.u32()? as usize;
        let mut names = Vec::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let len = r.u32()? as usize;
            let name = std::str::from_utf8(r.take(len)?).map_err(|_| bad("name is not UTF-8"))?;
            names.push(name.to_owned());
        }
        let starts = r.u32s()?;
        let owners = r.u32s()?;
        if owners.iter().any(|&o| o as usize >= names.len()) {
            return Err(bad("a literal opens an unknown regex"));
        }
        let owners =
            Rows::from_parts(starts, owners).ok_or_else(|| bad("inconsistent owner table"))?;
        let (ac, rest) =
            DoubleArrayAhoCorasick::<u32>::deserialize(r.rest).map_err(|e| bad(&e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(LiteralGate {
            stamp,
            ac,
            owners,
            names,
        })
    }
}

const MAGIC: &[u8] = b"GHGATE1";

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn opens_the_regexes_whose_literals_occur_and_round_trips() {
        let gate = LiteralGate::build(7, &factors()).unwrap();
        let again = LiteralGate::from_bytes(&gate.to_bytes()).unwrap();
        assert_eq!(again.stamp, 7);
        for g in [&gate, &again] {
            assert_eq!(g.open(b"nothing here", 8), Some(vec![]));
            assert_eq!(g.open(b"the rules, please ignore", 8), Some(vec![0, 1, 2]));
            assert_eq!(g.open(b"house rules", 8), Some(vec![1, 2]));
            assert_eq!(g.open("x \u{0456}\t\\".as_bytes(), 8), Some(vec![2]));
            // Over the limit: no answer.
            assert_eq!(g.open(b"the rules, please ignore", 2), None);
            assert_eq!(g.names(), ["a", "b", "c"]);
        }
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
        assert!(LiteralGate::build(0, &[]).is_err());
        let bytes = LiteralGate::build(0, &factors()).unwrap().to_bytes();
        assert!(LiteralGate::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(LiteralGate::from_bytes(b"GHGATE0").is_err());
    }
}
