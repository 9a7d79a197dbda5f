//! `gatehouse-train`: `train` writes a shipped model (`injection-v1` or `prompt-v1`)
//! and its manifest; `crossval` validates a model's recipe on the tune split; `eval`
//! reports recall and false-positive rates per source and category.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use gatehouse_core::rules::classifier::features::FeatureSet;

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
        #[command(flatten)]
        recipe: RecipeArgs,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the provenance manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// Another learner than the recipe's, to write a candidate's model file
        /// (`make train` gives none; the manifest records the learner used).
        #[command(flatten)]
        learner: LearnerArgs,
    },
    /// K-fold validation inside the tune split (trains once per fold).
    Crossval {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        #[command(flatten)]
        recipe: RecipeArgs,
        /// Number of folds.
        #[arg(long, default_value_t = 4)]
        folds: u8,
        /// Classifier threshold.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// The stage whose other rules join the classifier in the policy columns.
        #[arg(long, default_value = "prompt")]
        stage: gatehouse_core::Stage,
        #[command(flatten)]
        learner: LearnerArgs,
    },
    /// Trains the recipe and scores labelled files with the stage's rules (totals only).
    ScoreSets {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        #[command(flatten)]
        recipe: RecipeArgs,
        /// Classifier threshold.
        #[arg(long, default_value_t = 0.45)]
        threshold: f32,
        /// The stage whose rules run.
        #[arg(long, default_value = "prompt")]
        stage: gatehouse_core::Stage,
        /// Labelled JSON-lines files.
        files: Vec<PathBuf>,
        #[command(flatten)]
        learner: LearnerArgs,
    },
    /// Recall and FPR per source and category, classifier alone, rules alone, combined.
    Eval {
        /// The dev corpus (JSON lines).
        #[arg(long)]
        corpus: PathBuf,
        /// `tune` (default), `holdout` or `all`.
        #[arg(long, default_value = "tune")]
        split: String,
        /// A model file to evaluate instead of the one the default policy uses at the
        /// stage.
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
        /// The `policy` column's min_score instead of the default policy's.
        #[arg(long)]
        min_score: Option<f32>,
    },
}

/// Which model's recipe, and weights to try in its place.
#[derive(Debug, clap::Args)]
struct RecipeArgs {
    /// The model whose recipe is trained: `injection-v1` (the default, so the commands
    /// recorded before there were two models still run) or `prompt-v1`.
    #[arg(long = "model-name", default_value = "injection-v1")]
    model_name: String,
    /// A template pair's weight instead of the recipe's, as `PAIR=WEIGHT` (e.g.
    /// `agent=0.3`); repeatable. The manifest records the weights used.
    #[arg(long = "weight", value_name = "PAIR=WEIGHT")]
    weights: Vec<String>,
}

impl RecipeArgs {
    fn recipe(&self) -> anyhow::Result<gatehouse_train::Recipe> {
        let mut recipe = gatehouse_train::Recipe::named(&self.model_name)?;
        for w in &self.weights {
            let (pair, weight) = w
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("`--weight {w}`: expected PAIR=WEIGHT"))?;
            let weight: f64 = weight
                .parse()
                .map_err(|e| anyhow::anyhow!("`--weight {w}`: {e}"))?;
            recipe = recipe.with_weight(pair, weight)?;
        }
        Ok(recipe)
    }
}

/// The learner a validation trains: the recipe's unless `--hidden` is given.
#[derive(Debug, clap::Args)]
struct LearnerArgs {
    /// Hidden units of a wide-and-deep learner (0: the linear model; unset: the
    /// recipe's learner, and the other learner flags are ignored).
    #[arg(long)]
    hidden: Option<usize>,
    /// The hidden layer's learning rate.
    #[arg(long, default_value_t = gatehouse_train::mlp::Settings::default().rate)]
    deep_rate: f64,
    /// The hidden layer's L2 penalty.
    #[arg(long, default_value_t = gatehouse_train::mlp::Settings::default().l2)]
    deep_l2: f64,
    /// Seed of the hidden layer's initial weights.
    #[arg(long, default_value_t = gatehouse_train::mlp::Settings::default().init_seed)]
    init_seed: u64,
    /// Half-width of the hidden layer's initial weights (0: the linear model unquantised).
    #[arg(long, default_value_t = gatehouse_train::mlp::Settings::default().init)]
    init: f64,
    /// The hidden layer reads words (unigrams and bigrams) only, not every family.
    #[arg(long)]
    deep_words: bool,
    /// log2 of the hidden layer's embedding rows (unset: the weights' bucket count).
    #[arg(long)]
    deep_rows: Option<u8>,
}

impl LearnerArgs {
    fn learner(&self, recipe: &gatehouse_train::Recipe) -> gatehouse_train::Learner {
        let hidden = match self.hidden {
            None => return recipe.learner,
            Some(0) => return gatehouse_train::Learner::Linear,
            Some(h) => h,
        };
        gatehouse_train::Learner::WideDeep(gatehouse_train::mlp::Settings {
            hidden,
            rate: self.deep_rate,
            l2: self.deep_l2,
            init_seed: self.init_seed,
            init: self.init,
            features: FeatureSet(if self.deep_words {
                FeatureSet::WORD1 | FeatureSet::WORD2
            } else {
                FeatureSet::FAMILIES
            }),
            log2_rows: self.deep_rows,
        })
    }
}

/// What a validation command starts from: its recipe, the corpus rows and the learner.
fn setup(
    recipe: &RecipeArgs,
    corpus: &std::path::Path,
    learner: &LearnerArgs,
) -> anyhow::Result<(
    gatehouse_train::Recipe,
    Vec<gatehouse_train::corpus::Row>,
    gatehouse_train::Learner,
)> {
    let recipe = recipe.recipe()?;
    let (rows, _) = gatehouse_train::corpus::read(corpus)?;
    let learner = learner.learner(&recipe);
    Ok((recipe, rows, learner))
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train {
            corpus,
            recipe,
            out,
            manifest,
            learner,
        } => {
            let recipe = recipe.recipe()?;
            let recipe = gatehouse_train::Recipe {
                learner: learner.learner(&recipe),
                ..recipe
            };
            let (rows, sha) = gatehouse_train::corpus::read(&corpus)?;
            let t = gatehouse_train::train_from_corpus(&rows, &sha, &recipe)?;
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
            recipe,
            folds,
            threshold,
            stage,
            learner,
        } => {
            let (recipe, rows, learner) = setup(&recipe, &corpus, &learner)?;
            print!(
                "{}",
                gatehouse_train::crossval(&rows, folds, threshold, &recipe, stage, learner)?
            );
            Ok(())
        }
        Command::ScoreSets {
            corpus,
            recipe,
            threshold,
            stage,
            files,
            learner,
        } => {
            let (recipe, rows, learner) = setup(&recipe, &corpus, &learner)?;
            print!(
                "{}",
                gatehouse_train::score_sets(&rows, &recipe, stage, threshold, &files, learner)?
            );
            Ok(())
        }
        Command::Eval {
            corpus,
            split,
            model,
            threshold,
            misses,
            stage,
            min_score,
        } => {
            let (rows, _) = gatehouse_train::corpus::read(&corpus)?;
            let bytes = match model {
                Some(p) => std::fs::read(p)?,
                None => gatehouse_train::eval::stage_model(stage)?.bytes().to_vec(),
            };
            let model = gatehouse_core::rules::classifier::Model::parse(&bytes)?;
            print!(
                "{}",
                gatehouse_train::eval::report(
                    &rows,
                    &model,
                    &gatehouse_train::eval::Options {
                        split,
                        threshold,
                        misses,
                        stage,
                        min_score,
                    },
                )?
            );
            Ok(())
        }
    }
}
