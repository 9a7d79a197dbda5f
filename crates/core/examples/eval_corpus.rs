//! Dev tool: measures the default (or a given) policy on a labelled JSONL corpus.
//!
//! ```text
//! cargo run -p gatehouse-core --example eval_corpus -- FILE.jsonl \
//!     [--stage prompt|untrusted] [--policy FILE] [--split all|tune|holdout] \
//!     [--misses N] [--fps N]
//! ```
//!
//! Rows need `id`, `text` and `label` (`attack` | `benign`); `source` and `category`
//! are used for the breakdowns. An attack counts as caught when the decision is flag,
//! review or deny. The holdout split is every row whose id's FNV-1a 64-bit hash is
//! divisible by 5; `tune` is the rest. Reads the corpus at run time: no data is embedded.
//! Until `gatehouse eval` lands this is how the rules are tuned.

use std::collections::BTreeMap;
use std::io::BufRead;

use gatehouse_core::{Decision, Guard, Policy, ScanRequest, Stage};

#[derive(Default, Clone, Copy)]
struct Tally {
    attacks: u32,
    caught: u32,
    benign: u32,
    false_pos: u32,
}

impl Tally {
    fn add(&mut self, attack: bool, hit: bool) {
        if attack {
            self.attacks += 1;
            self.caught += u32::from(hit);
        } else {
            self.benign += 1;
            self.false_pos += u32::from(hit);
        }
    }

    fn line(&self) -> String {
        let pct = |a: u32, b: u32| {
            if b == 0 {
                "    -".to_owned()
            } else {
                format!("{:5.1}", 100.0 * f64::from(a) / f64::from(b))
            }
        };
        format!(
            "recall {} % ({:4}/{:4})  fpr {} % ({:3}/{:4})",
            pct(self.caught, self.attacks),
            self.caught,
            self.attacks,
            pct(self.false_pos, self.benign),
            self.false_pos,
            self.benign
        )
    }
}

fn fnv1a64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn short(s: &str, n: usize) -> String {
    let t: String = s.chars().take(n).collect();
    t.replace('\n', "⏎")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut stage = Stage::Prompt;
    let mut policy = None;
    let mut split = "all".to_owned();
    let mut misses = 0usize;
    let mut fps = 0usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--stage" => stage = args.next().ok_or("--stage needs a value")?.parse()?,
            "--policy" => policy = Some(args.next().ok_or("--policy needs a value")?),
            "--split" => split = args.next().ok_or("--split needs a value")?,
            "--misses" => misses = args.next().ok_or("--misses needs a value")?.parse()?,
            "--fps" => fps = args.next().ok_or("--fps needs a value")?.parse()?,
            _ => path = Some(a),
        }
    }
    let path = path.ok_or(
        "usage: eval_corpus FILE.jsonl [--stage S] [--policy FILE] [--split all|tune|holdout]",
    )?;
    let t0 = std::time::Instant::now();
    let guard = match policy {
        Some(p) => Guard::new(&Policy::from_file(std::path::Path::new(&p))?)?,
        None => Guard::embedded_default()?,
    };
    let compile = t0.elapsed();

    let mut total = Tally::default();
    let mut by_source: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut missed = Vec::new();
    let mut false_pos = Vec::new();
    let mut scan_time = std::time::Duration::ZERO;
    let file = std::io::BufReader::new(std::fs::File::open(&path)?);
    for line in file.lines() {
        let line = line?;
        let row: serde_json::Value = serde_json::from_str(&line)?;
        let field = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let id = field("id");
        let holdout = fnv1a64(&id).is_multiple_of(5);
        if (split == "tune" && holdout) || (split == "holdout" && !holdout) {
            continue;
        }
        let text = field("text");
        let attack = field("label") == "attack";
        let t = std::time::Instant::now();
        let verdict = guard.scan(&ScanRequest::new(stage, &text));
        scan_time += t.elapsed();
        let hit = verdict.decision >= Decision::Flag;
        total.add(attack, hit);
        let source = field("source");
        let source = source
            .rsplit_once(':')
            .map_or(source.as_str(), |(a, _)| a)
            .to_owned();
        by_source.entry(source).or_default().add(attack, hit);
        let category = field("category");
        let depth = if category.starts_with("banking77") {
            1
        } else {
            2
        };
        let category = category
            .split(':')
            .take(depth)
            .collect::<Vec<_>>()
            .join(":");
        by_category.entry(category).or_default().add(attack, hit);
        if attack && !hit {
            missed.push(format!(
                "{id} [{}] {}",
                field("category"),
                short(&text, 220)
            ));
        }
        if !attack && hit {
            let rules: Vec<String> = verdict
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}",
                        f.rule,
                        short(text.get(f.start..f.end).unwrap_or("?"), 60)
                    )
                })
                .collect();
            false_pos.push(format!(
                "{id} [{}] {} :: {}",
                field("category"),
                rules.join(" | "),
                short(&text, 160)
            ));
        }
    }
    println!(
        "policy compile {:.2} ms; scan total {:.1} ms",
        compile.as_secs_f64() * 1e3,
        scan_time.as_secs_f64() * 1e3
    );
    println!("== overall ({split}, stage {stage})\n{}", total.line());
    println!("== per source");
    for (k, t) in &by_source {
        println!("{}  {k}", t.line());
    }
    println!("== per category");
    for (k, t) in &by_category {
        println!("{}  {k}", t.line());
    }
    for m in missed.iter().take(misses) {
        println!("MISS {m}");
    }
    for f in false_pos.iter().take(fps) {
        println!("FP   {f}");
    }
    Ok(())
}
