//! Trains the verdict model from the real-claims training split and writes
//! it where the judge loads it from; prints cross-validation, train and dev
//! figures.
//!
//! ```sh
//! cargo run --release --example train-verdict -- [DATA_DIR] [OUT_FILE]
//! ```
//!
//! `DATA_DIR` defaults to `../shared/eval/vifactcheck` (its `articles/`,
//! `train.jsonl` and `dev.jsonl`), `OUT_FILE` to
//! `src/judge/verdict-model.json`. Only `train.jsonl` is fitted; dev is
//! measured. With `--check` first, nothing is written: the command fails
//! unless training reproduces `OUT_FILE` byte for byte. With
//! `--features-csv DIR` first, every claim's features are also written to
//! `DIR/train-features.csv` and `DIR/dev-features.csv` (id, label, then one
//! column per feature; claims without evidence are left out), for study.

use std::path::PathBuf;

use anyhow::Context;
use claimcheck::eval::{parse_claims, score, summary};
use claimcheck::judge::decide::{
    about_another_subject, names_unknown_abbreviation, near_verbatim, refutes_outright,
};
use claimcheck::judge::Features;
use claimcheck::learn::{
    examples_of, folds_by_article, labelled_features, predictions, train, FeatureStore,
};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let check = args.next_if(|arg| arg == "--check").is_some();
    let features_csv = args
        .next_if(|arg| arg == "--features-csv")
        .and_then(|_| args.next())
        .map(PathBuf::from);
    let data = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/eval/vifactcheck".into()),
    );
    let out = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "src/judge/verdict-model.json".into()),
    );
    let read = |name: &str| -> anyhow::Result<_> {
        let path = data.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(parse_claims(&text)?)
    };
    let (train_claims, dev_claims) = (read("train.jsonl")?, read("dev.jsonl")?);
    let store = FeatureStore::load(&data.join("articles"))?;
    let train_features = labelled_features(&store, &train_claims)?;
    let dev_features = labelled_features(&store, &dev_claims)?;
    if let Some(dir) = &features_csv {
        write_features_csv(
            &dir.join("train-features.csv"),
            &train_claims,
            &train_features,
        )?;
        write_features_csv(&dir.join("dev-features.csv"), &dev_claims, &dev_features)?;
    }
    let training = train(
        &examples_of(&train_features),
        &folds_by_article(&train_claims, &train_features),
    );
    for (l2, score) in &training.cross_validation {
        println!("cross-validation on train (folds by article), l2 {l2}: macro-F1 {score:.3}");
    }
    println!(
        "standard error of the best: {:.3} (the strongest l2 within it is chosen)",
        training.standard_error
    );
    let [accounted, unaccounted] = training.figures_supported;
    println!(
        "out of fold, SUPPORTED on claims with figures: {} of {} right with every part accounted for, {} of {} with a part not",
        accounted.0, accounted.1, unaccounted.0, unaccounted.1
    );
    println!(
        "chosen l2 {}, temperature {:.2}, near-verbatim confidence {:.3} (one sentence) / {:.3} (more), SUPPORTED margin {:.2}, floor with figures {:.2}",
        training.model.l2,
        training.model.temperature,
        training.model.verbatim_confidence[0],
        training.model.verbatim_confidence[1],
        training.model.supported_margin,
        training.model.figures_supported_floor
    );
    let report = |claims: &[_], features: &[_]| {
        summary(&score(
            claims,
            &predictions(&training.model, claims, features),
        ))
    };
    println!("train: {}", report(&train_claims, &train_features));
    println!("dev:   {}", report(&dev_claims, &dev_features));
    // How often single signals fire on train, and the labels where they do.
    let examples = examples_of(&train_features);
    for name in claimcheck::judge::FEATURE_NAMES {
        let firing: Vec<_> = examples
            .iter()
            .filter(|e| e.features.get(name) > 0.0)
            .collect();
        if firing.len() * 2 < examples.len() {
            let mut counts = [0usize; 3];
            for example in &firing {
                counts[example.label] += 1;
            }
            println!(
                "train signal {name}: fires {} (S {} / R {} / NEI {})",
                firing.len(),
                counts[0],
                counts[1],
                counts[2]
            );
        }
    }
    type Rule = fn(&Features) -> bool;
    let rules: [(&str, Rule); 4] = [
        ("near-verbatim restatement (supports)", near_verbatim),
        ("outright refutation", refutes_outright),
        (
            "about another subject (not enough info)",
            about_another_subject,
        ),
        (
            "an abbreviation the document never writes (not SUPPORTED)",
            names_unknown_abbreviation,
        ),
    ];
    for (name, rule) in rules {
        let mut counts = [0usize; 3];
        for example in examples.iter().filter(|e| rule(&e.features)) {
            counts[example.label] += 1;
        }
        println!(
            "train rule {name}: holds for {} (S {} / R {} / NEI {})",
            counts.iter().sum::<usize>(),
            counts[0],
            counts[1],
            counts[2]
        );
    }
    let trained = training.model.to_json();
    if check {
        let shipped = std::fs::read_to_string(&out)
            .with_context(|| format!("cannot read {}", out.display()))?;
        anyhow::ensure!(
            shipped == trained,
            "training does not reproduce {}: retrain and commit it",
            out.display()
        );
        println!("training reproduces {}", out.display());
        return Ok(());
    }
    std::fs::write(&out, trained).with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// Writes one CSV line per claim with evidence: id, label, features.
fn write_features_csv(
    path: &std::path::Path,
    claims: &[claimcheck::eval::LabelledClaim],
    features: &[(Option<claimcheck::judge::Features>, usize)],
) -> anyhow::Result<()> {
    let mut text = format!("id,label,{}\n", claimcheck::judge::FEATURE_NAMES.join(","));
    for (claim, (features, label)) in claims.iter().zip(features) {
        if let Some(features) = features {
            let values: Vec<String> = features.values.iter().map(|v| format!("{v:.6}")).collect();
            text.push_str(&format!("{},{},{}\n", claim.id, label, values.join(",")));
        }
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
