//! Phrase lists compiled into one double-array Aho-Corasick automaton per pattern form,
//! with a table from each pattern back to the phrases it stands for, and optionally a
//! literal gate's literals in the canonical automaton (see [`crate::gate`]).
//!
//! A [`Matcher`] is built from numbered phrase lists (the built-in sets, or a policy's
//! own phrases) and can be written to bytes and read back: the built-in sets are
//! compiled when Gatehouse is built, so a cold start only reads them.

use std::collections::HashMap;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};

use crate::bytes::{Reader, put_str, put_u32, put_u32s};
use crate::forms::{PatternForm, Variant, patterns};
use crate::gate::{Factor, Gate, Opened, Openings};
use crate::rows::Rows;

/// Where a pattern comes from: phrase `phrase` of list `list`, written as `variant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The list's number (its position in the lists the matcher was built from).
    pub list: u32,
    /// The phrase's position in its list.
    pub phrase: u32,
    /// How the phrase is written when this pattern matches.
    pub variant: Variant,
    /// The match counts only with a non-alphanumeric character (or the text's edge)
    /// on each side.
    pub boundary: bool,
}

/// One pattern occurrence in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The pattern's number in its [`Automaton`].
    pub pattern: u32,
    /// Byte offset of the start of the match.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
}

/// The patterns of one form: an automaton, per pattern its origins, and per pattern
/// the gated regexes it opens.
#[derive(Clone)]
pub struct Automaton {
    ac: DoubleArrayAhoCorasick<u32>,
    /// Row `p`: the origins of pattern `p` (empty for a gate literal only).
    origins: Rows<Origin>,
    /// Row `p`: the regexes (indexes into the [`Gate`]'s names) pattern `p` opens
    /// (empty for a phrase pattern only, and without a gate).
    opens: Rows<u32>,
}

impl std::fmt::Debug for Automaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Automaton")
            .field("patterns", &self.len())
            .field("origins", &self.origins.items())
            .field("opens", &self.opens.items())
            .finish()
    }
}

impl Automaton {
    /// Number of distinct patterns.
    pub fn len(&self) -> usize {
        self.origins.rows()
    }

    /// True when there is no pattern (never the case for a built automaton).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The origins of a pattern.
    pub fn origins(&self, pattern: u32) -> &[Origin] {
        self.origins.get(pattern as usize)
    }

    /// The gated regexes a pattern opens (indexes into the [`Gate`]'s names).
    #[inline]
    pub fn opens(&self, pattern: u32) -> &[u32] {
        self.opens.get(pattern as usize)
    }

    /// Every occurrence of every pattern in `text`, overlapping ones included.
    pub fn find_overlapping<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Found> + 'a {
        self.ac.find_overlapping_iter(text).map(|m| Found {
            pattern: m.value(),
            start: m.start(),
            end: m.end(),
        })
    }
}

/// Collects patterns of one form with their origins and the regexes they open,
/// interning equal texts.
#[derive(Debug, Default)]
struct Collect {
    texts: Vec<Vec<u8>>,
    ids: HashMap<Vec<u8>, u32>,
    origins: Vec<Vec<Origin>>,
    opens: Vec<Vec<u32>>,
}

impl Collect {
    /// The id of pattern `text`, added if new.
    fn id(&mut self, text: &[u8]) -> Result<u32, String> {
        if let Some(&id) = self.ids.get(text) {
            return Ok(id);
        }
        let id =
            u32::try_from(self.texts.len()).map_err(|_| "too many phrase patterns".to_owned())?;
        self.texts.push(text.to_vec());
        self.ids.insert(text.to_vec(), id);
        self.origins.push(Vec::new());
        self.opens.push(Vec::new());
        Ok(id)
    }

    fn add(&mut self, text: &str, origin: Origin) -> Result<(), String> {
        let id = self.id(text.as_bytes())?;
        if let Some(o) = self.origins.get_mut(id as usize) {
            o.push(origin);
        }
        Ok(())
    }

    /// Adds a gate literal that opens regex `regex`.
    fn add_literal(&mut self, literal: &[u8], regex: u32) -> Result<(), String> {
        if literal.is_empty() {
            return Err("an empty gate literal would open every text".to_owned());
        }
        let id = self.id(literal)?;
        if let Some(o) = self.opens.get_mut(id as usize)
            && !o.contains(&regex)
        {
            o.push(regex);
        }
        Ok(())
    }

    fn build(self) -> Result<Option<Automaton>, String> {
        if self.texts.is_empty() {
            return Ok(None);
        }
        // No q-gram prefilter: with thousands of patterns nearly every 2-gram of
        // ordinary text starts one, so it would cost more than it skips (and its 64 KB
        // table would be built or read at every cold start).
        let ac = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .use_prefilter(false)
            .build_with_values(self.texts.iter().zip(0u32..))
            .map_err(|e| format!("cannot build phrase automaton: {e}"))?;
        let mut origins = Rows::with_capacity(self.origins.len());
        for o in self.origins {
            origins.push_row(o)?;
        }
        let mut opens = Rows::default();
        if self.opens.iter().any(|o| !o.is_empty()) {
            opens = Rows::with_capacity(self.opens.len());
            for o in self.opens {
                opens.push_row(o)?;
            }
        }
        Ok(Some(Automaton { ac, origins, opens }))
    }
}

/// Numbered phrase lists compiled in both forms.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// Matched against the canonical, leet and decoded views.
    pub canonical: Option<Automaton>,
    /// Matched against the squashed view.
    pub squashed: Option<Automaton>,
    /// Per list, how many of its phrases can be matched at all.
    usable: Vec<u32>,
    /// Per list, its phrases, for readable finding reasons.
    lists: Vec<Vec<String>>,
    /// The regexes the canonical automaton's gate literals open, when it has any.
    gate: Option<Gate>,
}

impl Matcher {
    /// Compiles phrase lists (already expanded): list `i` of `lists` becomes
    /// [`Origin::list`] `i`.
    pub fn build<L, P>(lists: L) -> Result<Matcher, String>
    where
        L: IntoIterator,
        L::Item: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        Matcher::build_gated(lists, None)
    }

    /// Compiles phrase lists as [`Matcher::build`] does, and with `gate`'s factors (made
    /// from regexes whose fingerprint is the `u64`) their literals in the canonical
    /// automaton: regex `i` is `factors[i]`, and [`Automaton::opens`] says which
    /// regexes a pattern opens.
    pub fn build_gated<L, P>(lists: L, gate: Option<(u64, &[Factor])>) -> Result<Matcher, String>
    where
        L: IntoIterator,
        L::Item: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let mut canonical = Collect::default();
        let mut squashed = Collect::default();
        let mut usable = Vec::new();
        let mut texts = Vec::new();
        for (list, phrases) in (0u32..).zip(lists) {
            let mut n = 0u32;
            let mut list_texts = Vec::new();
            for (phrase, text) in (0u32..).zip(phrases) {
                list_texts.push(text.as_ref().to_owned());
                let pats = patterns(text.as_ref());
                n += u32::from(!pats.is_empty());
                for p in pats {
                    let origin = Origin {
                        list,
                        phrase,
                        variant: p.variant,
                        boundary: p.boundary,
                    };
                    match p.form {
                        PatternForm::Canonical => canonical.add(&p.text, origin)?,
                        PatternForm::Squashed => squashed.add(&p.text, origin)?,
                    }
                }
            }
            usable.push(n);
            texts.push(list_texts);
        }
        if let Some((_, factors)) = gate {
            if factors.is_empty() {
                return Err("a literal gate needs at least one regex".to_owned());
            }
            for (regex, (name, literals)) in (0u32..).zip(factors) {
                if literals.is_empty() {
                    return Err(format!("gated regex `{name}` has no literal"));
                }
                for literal in literals {
                    canonical.add_literal(literal, regex)?;
                }
            }
        }
        Ok(Matcher {
            canonical: canonical.build()?,
            squashed: squashed.build()?,
            usable,
            lists: texts,
            gate: gate.map(|(stamp, factors)| Gate::new(stamp, factors)),
        })
    }

    /// The regexes the canonical automaton's literals gate, if it has a gate.
    pub fn gate(&self) -> Option<&Gate> {
        self.gate.as_ref()
    }

    /// The gated regexes that may match in `text` (indexes into the [`Gate`]'s names),
    /// from a pass of the canonical automaton: listed up to `limit`, as bits past it
    /// ([`Openings`]); none without a gate. A caller that already runs the automaton
    /// over `text` feeds [`Opened`] instead.
    pub fn open(&self, text: &str, limit: usize) -> Openings {
        let (Some(gate), Some(a)) = (&self.gate, &self.canonical) else {
            return Openings::Open(Vec::new());
        };
        let mut opened = Opened::new(gate.names().len(), limit);
        for f in a.find_overlapping(text) {
            opened.add(a.opens(f.pattern));
        }
        opened.finish()
    }

    /// The automaton of a form, if any pattern has that form.
    pub fn automaton(&self, form: PatternForm) -> Option<&Automaton> {
        match form {
            PatternForm::Canonical => self.canonical.as_ref(),
            PatternForm::Squashed => self.squashed.as_ref(),
        }
    }

    /// How many phrases of list `list` can be matched (0 for an unknown list).
    pub fn usable(&self, list: usize) -> usize {
        self.usable.get(list).map_or(0, |&n| n as usize)
    }

    /// The phrases of list `list`, as given (empty for an unknown list).
    pub fn phrases(&self, list: usize) -> &[String] {
        self.lists.get(list).map_or(&[], Vec::as_slice)
    }

    /// The matcher as bytes, for [`Matcher::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32s(&mut out, &self.usable);
        for list in &self.lists {
            put_u32(&mut out, list.len() as u32);
            for p in list {
                put_str(&mut out, p);
            }
        }
        for a in [&self.canonical, &self.squashed] {
            match a {
                None => out.push(0),
                Some(a) => {
                    out.push(1);
                    let (starts, origins) = a.origins.parts();
                    put_u32s(&mut out, starts);
                    put_u32(&mut out, origins.len() as u32);
                    for o in origins {
                        put_u32(&mut out, o.list);
                        put_u32(&mut out, o.phrase);
                        out.push(o.variant.code());
                        out.push(u8::from(o.boundary));
                    }
                    let (starts, opens) = a.opens.parts();
                    put_u32s(&mut out, starts);
                    put_u32s(&mut out, opens);
                    let ac = a.ac.serialize();
                    put_u32(&mut out, ac.len() as u32);
                    out.extend_from_slice(&ac);
                }
            }
        }
        match &self.gate {
            None => out.push(0),
            Some(g) => {
                out.push(1);
                g.write(&mut out);
            }
        }
        out
    }

    /// Reads a matcher written by [`Matcher::to_bytes`], checking every index in it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Matcher, String> {
        let bad = |what: &str| format!("phrase matcher bytes: {what}");
        let mut r = Reader::new(bytes, "phrase matcher bytes");
        if r.take(MAGIC.len())? != MAGIC {
            return Err(bad("bad magic"));
        }
        let usable = r.u32s()?;
        let mut lists = Vec::with_capacity(usable.len());
        for _ in 0..usable.len() {
            let n = r.u32()? as usize;
            let mut list = Vec::with_capacity(n.min(r.rest.len()));
            for _ in 0..n {
                list.push(r.str()?.to_owned());
            }
            lists.push(list);
        }
        let mut forms = [None, None];
        for slot in &mut forms {
            if r.take(1)? == [0] {
                continue;
            }
            let starts = r.u32s()?;
            let n = r.u32()? as usize;
            let mut origins = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                let list = r.u32()?;
                let phrase = r.u32()?;
                let flags = r.take(2)?;
                let variant = flags
                    .first()
                    .and_then(|&c| Variant::from_code(c))
                    .ok_or_else(|| bad("unknown variant"))?;
                if list as usize >= usable.len()
                    || phrase as usize >= lists.get(list as usize).map_or(0, Vec::len)
                {
                    return Err(bad("origin names an unknown phrase"));
                }
                origins.push(Origin {
                    list,
                    phrase,
                    variant,
                    boundary: flags.get(1) == Some(&1),
                });
            }
            let opens_starts = r.u32s()?;
            let opens = Rows::from_parts(opens_starts, r.u32s()?)
                .ok_or_else(|| bad("inconsistent gate table"))?;
            let len = r.u32()? as usize;
            let (ac, rest) = DoubleArrayAhoCorasick::<u32>::deserialize(r.take(len)?)
                .map_err(|e| bad(&e.to_string()))?;
            if !rest.is_empty() {
                return Err(bad("trailing automaton bytes"));
            }
            let origins = Rows::from_parts(starts, origins)
                .ok_or_else(|| bad("inconsistent pattern table"))?;
            if opens.rows() != 0 && opens.rows() != origins.rows() {
                return Err(bad("gate table and pattern table differ in length"));
            }
            *slot = Some(Automaton { ac, origins, opens });
        }
        let gate = match r.take(1)? {
            [0] => None,
            _ => Some(Gate::read(&mut r)?),
        };
        if !r.rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let regexes = gate.as_ref().map_or(0, |g| g.names().len());
        for a in forms.iter().flatten() {
            if a.opens.parts().1.iter().any(|&o| o as usize >= regexes) {
                return Err(bad("a pattern opens an unknown gated regex"));
            }
        }
        let [canonical, squashed] = forms;
        Ok(Matcher {
            canonical,
            squashed,
            usable,
            lists,
            gate,
        })
    }
}

const MAGIC: &[u8] = b"GHPHRASE2";

#[cfg(test)]
mod tests {
    use super::*;

    fn found(m: &Matcher, form: PatternForm, text: &str) -> Vec<(u32, u32, Variant)> {
        let a = m.automaton(form).unwrap();
        a.find_overlapping(text)
            .flat_map(|f| {
                a.origins(f.pattern)
                    .iter()
                    .map(|o| (o.list, o.phrase, o.variant))
            })
            .collect()
    }

    #[test]
    fn finds_phrases_in_every_form_and_round_trips() {
        let lists: [&[&str]; 2] = [
            &["ignore previous instructions"],
            &["developer mode", "dan"],
        ];
        let m = Matcher::build(lists).unwrap();
        let back = Matcher::from_bytes(&m.to_bytes()).unwrap();
        for m in [&m, &back] {
            assert_eq!(m.usable(0), 1);
            assert_eq!(m.usable(1), 2);
            assert_eq!(m.usable(2), 0);
            assert_eq!(m.phrases(1), ["developer mode", "dan"]);
            assert!(m.phrases(2).is_empty());
            let plain = found(
                m,
                PatternForm::Canonical,
                "please ignore previous instructions",
            );
            assert_eq!(plain, [(0, 0, Variant::Plain)]);
            let rot = found(m, PatternForm::Canonical, "qrirybcre zbqr");
            assert_eq!(rot, [(1, 0, Variant::Rot13)]);
            let rev = found(m, PatternForm::Canonical, "edom repoleved");
            assert_eq!(rev, [(1, 0, Variant::Reversed)]);
            let sq = found(m, PatternForm::Squashed, "xxignorepreviousinstructionsxx");
            assert_eq!(sq, [(0, 0, Variant::Squashed)]);
        }
    }

    #[test]
    fn one_text_keeps_every_origin() {
        let m = Matcher::build([["act as dan"], ["act as dan"]]).unwrap();
        let got = found(&m, PatternForm::Canonical, "act as dan");
        assert_eq!(got, [(0, 0, Variant::Plain), (1, 0, Variant::Plain)]);
    }

    #[test]
    fn corrupt_bytes_are_refused() {
        let m = Matcher::build([["ignore previous instructions"]]).unwrap();
        let bytes = m.to_bytes();
        assert!(Matcher::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(Matcher::from_bytes(b"nonsense").is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(Matcher::from_bytes(&extra).is_err());
        let mut magic = bytes;
        magic[0] ^= 1;
        assert!(Matcher::from_bytes(&magic).is_err());
    }
}
