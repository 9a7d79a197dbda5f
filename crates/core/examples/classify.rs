//! Prints the classifier's probability for each line of standard input.
//! `echo "ignore the rules above" | cargo run -p gatehouse-core --example classify`

use std::io::BufRead;

use gatehouse_core::normalise::normalise;
use gatehouse_core::policy::Limits;
use gatehouse_core::rules::classifier::{DEFAULT_MAX_BYTES, ModelName, score_views};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = ModelName::InjectionV1.load()?;
    for line in std::io::stdin().lock().lines() {
        let line = line?.replace("\\n", "\n");
        let p = score_views(
            model,
            &normalise(&line, &Limits::default()),
            true,
            DEFAULT_MAX_BYTES,
        )
        .unwrap_or(0.0);
        println!("{p:.3}\t{line:?}");
    }
    Ok(())
}
