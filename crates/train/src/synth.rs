//! The generated part of the training set: the template files expanded with a fixed
//! seed, plus obfuscated copies of some attacks (letter spacing, leetspeak, upper case,
//! dotted letters) so the model sees the shapes the normaliser's squashed view folds.

use crate::tmpl::{self, SplitMix64};

/// The attack templates (hand-written, in our own words).
pub const ATTACKS_TMPL: &str = include_str!("../data/attacks.tmpl");
/// The benign templates (hand-written, in our own words).
pub const BENIGN_TMPL: &str = include_str!("../data/benign.tmpl");
/// Everyday requests to an assistant (hand-written templates, in our own words): writing,
/// editing, translating, coding, travel, cooking, health, money, school, harmless
/// role-play, and the words attacks use (ignore, instructions, system, mode, act as…)
/// in their everyday senses.
///
/// Trained into `prompt-v1` only ([`crate::PROMPT_V1`]), with BIPIA's documents and the
/// other benign corpus rows weighted up. Alone, it brought WildGuard's holdout false
/// positives from 4.2 % to 2.8 % but lost three holdout attacks (docs/DETECTION.md,
/// 2026-12-02 (5)); with the chat messages to an agent ([`AGENT`]) it keeps the
/// generic requests the agent's attacks resemble ("write", "list", "generate") from
/// being flagged.
pub const EVERYDAY_TMPL: &str = include_str!("../data/everyday.tmpl");
/// Benign tool outputs (hand-written templates, in our own words): JSON records and
/// plain log, ticket and note lines about orders, shipping, billing, refunds, support,
/// calendars, HR, IT operations and inventory, with ids, timestamps and amounts, using
/// the verbs attacks use (print, reprint, send, forward, cancel, delete, override,
/// ignore, skip, reset, refuse, promise, approve, reveal…) in their operational senses.
///
/// **Not in the shipped training set.** Trained with it at 15 fills per template, the
/// classifier stopped escalating generated benign tool outputs at the untrusted stage
/// (5.6 % → 0.6 % and 5.1 % → 0 % on two evaluation sets) but lost one holdout attack,
/// gained one holdout false positive and flagged six benign fixture texts, so it was not
/// shipped (docs/DETECTION.md, 2026-12-04 (2)). To try it: set
/// [`crate::RECORDS_WEIGHT`] above 0 ([`records`] expands it with its own seed and
/// weight; the 2026-12-04 (5) section has the figures at 0.3).
pub const RECORDS_TMPL: &str = include_str!("../data/records.tmpl");
/// Fills per template of [`RECORDS_TMPL`].
pub const RECORDS_PER_TEMPLATE: usize = 15;
/// Long tool outputs generated from the records: lists of 5 to 29 of them, one a line.
pub const RECORD_LISTS: usize = 60;
/// Seed of the records' expansion ("records").
const RECORDS_SEED: u64 = 0x7265_636f_7264_7300;

/// Benign tool outputs as whole documents (hand-written templates, in our own words):
/// tickets with comment threads, help-centre and wiki articles, e-mails with footers,
/// calendar invites, meeting notes, chat exports, READMEs, runbooks, release notes,
/// logs, API responses, CSV extracts, web pages, reviews, contracts, invoices,
/// itineraries, in several languages; the words attacks use in their operational senses.
/// Expanded as the [`DOCUMENTS`] pair.
pub const DOCUMENTS_TMPL: &str = include_str!("../data/documents.tmpl");
/// Attack tool outputs (hand-written templates, in our own words): documents of the
/// same kinds as [`DOCUMENTS_TMPL`] with an instruction to the agent planted where an
/// attacker who controls part of the data would put it (a review, a note field, an
/// e-mail footer, an HTML comment, a calendar description, fine print).
pub const DOCUMENT_ATTACKS_TMPL: &str = include_str!("../data/document-attacks.tmpl");
/// Fills per template of [`DOCUMENTS_TMPL`] and [`DOCUMENT_ATTACKS_TMPL`].
pub const DOCUMENTS_PER_TEMPLATE: usize = 8;
/// Fills per template of [`AGENT_ATTACKS_TMPL`] and [`AGENT_BENIGN_TMPL`].
pub const AGENT_PER_TEMPLATE: usize = 8;

/// Attack prompts typed into a chat with a tool-using support agent (hand-written
/// templates, in our own words): refusal suppression, staff and authority claims with a
/// request past the rules, fake system and admin messages, payload splitting and encoded
/// orders, hostile tool arguments, exfiltration, persona and fiction framing that asks
/// for real data or actions, the set-up asked for by other names, emotional pressure and
/// multi-step set-ups; seventeen languages.
/// Trained into `prompt-v1` only ([`crate::PROMPT_V1`]; [`crate::INJECTION_V1`] says why
/// not into the untrusted stage's model).
pub const AGENT_ATTACKS_TMPL: &str = include_str!("../data/agent-attacks.tmpl");
/// What real customers send such an agent, in the same words used in their ordinary
/// senses (hand-written templates, in our own words): "don't refuse my refund", account
/// holders and staff about their own affairs, pasted error messages, codes on a bill,
/// their own statement to their own e-mail, carers, quoted phishing, developers asking
/// about the API; task instructions with their input; everyday messages in seventeen
/// languages that use attack-like words in their ordinary sense.
pub const AGENT_BENIGN_TMPL: &str = include_str!("../data/agent-benign.tmpl");

/// Attack tool outputs from other domains than [`DOCUMENT_ATTACKS_TMPL`]'s (hand-written
/// templates, in our own words), in two parts by two authors: patient portals, property
/// listings, CVs, shop pages, code repositories, search results, contracts, course
/// platforms, CRM notes, bookings, social posts, payment webhooks, device logs, papers,
/// spreadsheets, meeting transcripts; then cloud and DevOps outputs, alerts, scanner
/// reports, bot transcripts, app reviews, places, surveys, subtitles, ad reports,
/// newsletters, localisation files, HR and payroll, vehicle service, bills, games,
/// tickets, donations, vet clinics, work orders, farm supplies. The instruction to the
/// agent hides in a field, a comment, alt text, metadata, a fake system or tool turn or
/// fine print; a quarter in other languages.
/// Trained into `injection-v1` only ([`crate::INJECTION_V1`]).
pub const UNTRUSTED_ATTACKS_TMPL: &str = include_str!("../data/untrusted-attacks.tmpl");
/// Benign tool outputs of the same domains, most of them hard cases: instructions to a
/// human reader or operator, text about AI, bots and prompts, security notices, role
/// and control words in their ordinary senses, lists of e-mail addresses; a quarter in
/// other languages. None addresses an AI agent.
pub const UNTRUSTED_BENIGN_TMPL: &str = include_str!("../data/untrusted-benign.tmpl");

/// A pair of our own template files, attacks and benign, expanded with their own seed
/// and kept apart from the other generated texts, so they carry their own sample weight
/// (set per model by its [`crate::Recipe`]) and the rest expands as before. At weight 0
/// a pair is not expanded at all, and the training set is what it was before the pair
/// was added.
#[derive(Debug, Clone, Copy)]
pub struct TemplatePair {
    /// Names the pair in the manifest.
    pub name: &'static str,
    /// The attack templates.
    pub attacks: &'static str,
    /// The benign templates.
    pub benign: &'static str,
    /// Fills per template.
    pub per_template: usize,
    /// Seed of the benign expansion; the attacks expand with `seed ^ 1`.
    pub seed: u64,
}

/// Tool outputs as whole documents: [`DOCUMENTS_TMPL`] and [`DOCUMENT_ATTACKS_TMPL`].
pub const DOCUMENTS: TemplatePair = TemplatePair {
    name: "documents",
    attacks: DOCUMENT_ATTACKS_TMPL,
    benign: DOCUMENTS_TMPL,
    per_template: DOCUMENTS_PER_TEMPLATE,
    seed: 0x646f_6375_6d65_6e74, // "document"
};

/// Chat messages to a tool-using agent: [`AGENT_ATTACKS_TMPL`] and
/// [`AGENT_BENIGN_TMPL`].
pub const AGENT: TemplatePair = TemplatePair {
    name: "agent",
    attacks: AGENT_ATTACKS_TMPL,
    benign: AGENT_BENIGN_TMPL,
    per_template: AGENT_PER_TEMPLATE,
    seed: 0x6167_656e_7463_6861, // "agentcha"
};

/// Tool outputs for the untrusted stage's model only: [`UNTRUSTED_ATTACKS_TMPL`] and
/// [`UNTRUSTED_BENIGN_TMPL`].
pub const UNTRUSTED: TemplatePair = TemplatePair {
    name: "untrusted",
    attacks: UNTRUSTED_ATTACKS_TMPL,
    benign: UNTRUSTED_BENIGN_TMPL,
    per_template: DOCUMENTS_PER_TEMPLATE,
    seed: 0x756e_7472_7573_7464, // "untrustd"
};

/// The texts of one expanded [`TemplatePair`].
#[derive(Debug, Clone)]
pub struct Weighted {
    /// The pair they come from.
    pub pair: TemplatePair,
    /// Sample weight of each text, against a generated benign text's 1.
    pub weight: f64,
    /// Attack texts.
    pub attacks: Vec<String>,
    /// Benign texts.
    pub benign: Vec<String>,
}

impl TemplatePair {
    /// Expands both files, each text to carry `weight`.
    pub fn expand(&self, weight: f64) -> anyhow::Result<Weighted> {
        Ok(Weighted {
            pair: *self,
            weight,
            benign: tmpl::parse(self.benign)?.expand(self.per_template, self.seed),
            attacks: tmpl::parse(self.attacks)?.expand(self.per_template, self.seed ^ 1),
        })
    }
}

/// Benign tool outputs from [`RECORDS_TMPL`]: single records, then [`RECORD_LISTS`]
/// lists of them (the classifier keeps a long text's best window, so a list teaches it
/// that no window of an ordinary list is an instruction). Expanded with their own seed
/// and kept apart from [`Generated::benign`], so they carry their own sample weight
/// ([`crate::RECORDS_WEIGHT`]) and the other generated texts expand as before.
pub fn records() -> anyhow::Result<Vec<String>> {
    let one = tmpl::parse(RECORDS_TMPL)?.expand(RECORDS_PER_TEMPLATE, RECORDS_SEED);
    let mut rng = SplitMix64(RECORDS_SEED ^ 2);
    let mut out = one.clone();
    for _ in 0..RECORD_LISTS {
        let n = 5 + rng.below(25);
        let list: Vec<&str> = (0..n)
            .filter_map(|_| one.get(rng.below(one.len())).map(String::as_str))
            .collect();
        out.push(list.join("\n"));
    }
    Ok(out)
}

/// A benign template file: its name (for the manifest) and its text.
pub type NamedTmpl = (&'static str, &'static str);

/// `benign.tmpl`, in every model.
pub const BENIGN: NamedTmpl = ("benign.tmpl", BENIGN_TMPL);
/// `everyday.tmpl`.
pub const EVERYDAY: NamedTmpl = ("everyday.tmpl", EVERYDAY_TMPL);

/// Fills per template.
pub const PER_TEMPLATE: usize = 40;
/// Seed of the expansion.
pub const SEED: u64 = 0x6761_7465_686f_7573; // "gatehous"

/// Generated attacks and benign texts, in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Attack texts.
    pub attacks: Vec<String>,
    /// Benign texts.
    pub benign: Vec<String>,
    /// Benign tool outputs ([`records`]), weighted apart from the other benign texts.
    pub records: Vec<String>,
    /// The recipe's template pairs with a weight above 0, expanded, each weighted apart.
    pub weighted: Vec<Weighted>,
}

/// Expands the shipped template files for one model.
pub fn generate(recipe: &crate::Recipe) -> anyhow::Result<Generated> {
    let benign: Vec<&str> = recipe.benign_tmpls.iter().map(|(_, t)| *t).collect();
    let mut generated = generate_from_files(ATTACKS_TMPL, &benign, PER_TEMPLATE, SEED)?;
    if crate::RECORDS_WEIGHT > 0.0 {
        generated.records = records()?;
    }
    for (pair, weight) in recipe.pairs.iter().filter(|(_, w)| *w > 0.0) {
        generated.weighted.push(pair.expand(*weight)?);
    }
    Ok(generated)
}

/// Expands the given template texts.
pub fn generate_from(
    attacks: &str,
    benign: &str,
    per: usize,
    seed: u64,
) -> anyhow::Result<Generated> {
    generate_from_files(attacks, &[benign], per, seed)
}

/// How many texts each of a recipe's benign template files expands to (before
/// obfuscated copies and long documents), by file name: for the manifest.
pub fn benign_expanded_by_file(
    recipe: &crate::Recipe,
) -> anyhow::Result<Vec<(&'static str, usize)>> {
    recipe
        .benign_tmpls
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            Ok((
                *name,
                tmpl::parse(text)?
                    .expand(PER_TEMPLATE, SEED ^ 1 ^ ((i as u64) << 8))
                    .len(),
            ))
        })
        .collect()
}

/// Expands one attack template text and several benign ones (file `i` with its own
/// seed, `seed ^ 1 ^ (i << 8)`, so the first file expands as it did alone).
pub fn generate_from_files(
    attacks: &str,
    benign: &[&str],
    per: usize,
    seed: u64,
) -> anyhow::Result<Generated> {
    let a = tmpl::parse(attacks)?.expand(per, seed);
    let mut b = Vec::new();
    for (i, text) in benign.iter().enumerate() {
        b.extend(tmpl::parse(text)?.expand(per, seed ^ 1 ^ ((i as u64) << 8)));
    }
    let mut rng = SplitMix64(seed ^ 2);
    let mut attacks = a.clone();
    for text in &a {
        if rng.below(6) == 0 {
            attacks.push(obfuscate(text, rng.below(4)));
        }
    }
    let mut benign = b.clone();
    for text in &b {
        if rng.below(10) == 0 {
            benign.push(obfuscate(text, 2));
        }
    }
    // Long documents: several benign texts joined, with one attack buried at a random
    // place (attack) or none (benign), so the windowed model learns that one bad window
    // in a long, ordinary document is enough.
    for _ in 0..LONG_DOCS {
        let (clean, dirty) = long_pair(&b, &a, &mut rng);
        benign.push(clean);
        attacks.push(dirty);
    }
    Ok(Generated {
        attacks,
        benign,
        records: Vec::new(),
        weighted: Vec::new(),
    })
}

/// Long-document pairs generated.
pub const LONG_DOCS: usize = 300;

fn long_pair(benign: &[String], attacks: &[String], rng: &mut SplitMix64) -> (String, String) {
    let pick =
        |rng: &mut SplitMix64, v: &[String]| v.get(rng.below(v.len())).cloned().unwrap_or_default();
    let parts = 4 + rng.below(16);
    let mut clean: Vec<String> = (0..parts).map(|_| pick(rng, benign)).collect();
    let mut dirty: Vec<String> = (0..parts).map(|_| pick(rng, benign)).collect();
    let at = rng.below(dirty.len() + 1);
    dirty.insert(at, pick(rng, attacks));
    if rng.below(2) == 0 {
        clean.push(pick(rng, benign));
    }
    (clean.join("\n"), dirty.join("\n"))
}

fn obfuscate(text: &str, how: usize) -> String {
    match how {
        0 => text.chars().flat_map(|c| [c, ' ']).collect(),
        1 => text
            .chars()
            .map(|c| match c {
                'o' => '0',
                'i' => '1',
                'e' => '3',
                'a' => '4',
                's' => '5',
                't' => '7',
                c => c,
            })
            .collect(),
        2 => text.to_uppercase(),
        _ => text
            .chars()
            .flat_map(|c| {
                if c.is_alphabetic() {
                    vec![c, '.']
                } else {
                    vec![c]
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template files kept beside the shipped ones parse and expand, so they are
    /// ready to try.
    #[test]
    fn kept_template_files_expand() {
        for (name, text) in [
            ("everyday.tmpl", EVERYDAY_TMPL),
            ("records.tmpl", RECORDS_TMPL),
            ("documents.tmpl", DOCUMENTS_TMPL),
            ("document-attacks.tmpl", DOCUMENT_ATTACKS_TMPL),
            ("agent-attacks.tmpl", AGENT_ATTACKS_TMPL),
            ("agent-benign.tmpl", AGENT_BENIGN_TMPL),
            ("untrusted-attacks.tmpl", UNTRUSTED_ATTACKS_TMPL),
            ("untrusted-benign.tmpl", UNTRUSTED_BENIGN_TMPL),
        ] {
            let texts = tmpl::parse(text)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .expand(PER_TEMPLATE, SEED);
            assert!(texts.len() > 100, "{name}: {} texts", texts.len());
        }
    }
}
