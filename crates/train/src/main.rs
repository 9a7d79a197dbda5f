//! `gatehouse-train`: `train` writes the shipped model and its manifest; `eval`
//! reports recall and false-positive rates per source and category.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Train and evaluate the Gatehouse injection classifier")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train on the licence-filtered, non-holdout corpus rows plus the generated set.
    Train {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the provenance manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// K-fold validation inside the tune split (trains once per fold).
    Crossval {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        /// Number of folds.
        #[arg(long, default_value_t = 4)]
        folds: u8,
        /// Classifier threshold.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
    },
    /// Recall and FPR per source and category, classifier alone, rules alone, combined.
    Eval {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        /// `tune` (default), `holdout` or `all`.
        #[arg(long, default_value = "tune")]
        split: String,
        /// A model file to evaluate instead of the shipped one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Classifier threshold for the "classifier alone" columns.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// Show up to this many misclassified rows per source (tune split only).
        #[arg(long, default_value_t = 0)]
        misses: usize,
        /// The stage whose rules run (`prompt` or `untrusted`).
        #[arg(long, default_value = "prompt")]
        stage: gatehouse_core::Stage,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train {
            corpus,
            out,
            manifest,
        } => {
            let (rows, sha) = gatehouse_train::corpus::read(&corpus)?;
            let t = gatehouse_train::train_from_corpus(&rows, &sha)?;
            std::fs::write(&out, &t.model)?;
            std::fs::write(
                &manifest,
                format!("{}\n", serde_json::to_string_pretty(&t.manifest)?),
            )?;
            println!(
                "wrote {} ({} bytes) and {}",
                out.display(),
                t.model.len(),
                manifest.display()
            );
            Ok(())
        }
        Command::Crossval {
            corpus,
            folds,
            threshold,
        } => {
            let (rows, _) = gatehouse_train::corpus::read(&corpus)?;
            print!("{}", gatehouse_train::crossval(&rows, folds, threshold)?);
            Ok(())
        }
        Command::Eval {
            corpus,
            split,
            model,
            threshold,
            misses,
            stage,
        } => {
            let (rows, _) = gatehouse_train::corpus::read(&corpus)?;
            let bytes = match model {
                Some(p) => std::fs::read(p)?,
                None => gatehouse_core::rules::classifier::INJECTION_V1.to_vec(),
            };
            let model = gatehouse_core::rules::classifier::Model::parse(&bytes)?;
            print!(
                "{}",
                gatehouse_train::eval::report_stage(
                    &rows, &split, &model, threshold, misses, stage
                )?
            );
            Ok(())
        }
    }
}
