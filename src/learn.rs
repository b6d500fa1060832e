//! Training the verdict model from labelled real claims: every article of
//! a folder is stored in one temporary store (open retrieval, as the
//! service runs), each claim is read and accounted exactly as `VerifyClaim`
//! does, and the model is fitted on the accounting's features
//! (`judge::decide::fit`). The L2 penalty is chosen by 5-fold
//! cross-validation on the training claims (the strongest within one
//! standard error of the best) and the temperature and the
//! near-verbatim threshold on their out-of-fold probabilities, so nothing
//! is tuned on the claims the figures are reported for. Folds are by
//! article (all claims about one article are held out together): the
//! service judges claims about articles it was not trained on, and folds
//! that share articles overrate what the features carry. Deterministic:
//! the same files give the same model, byte for byte.
//!
//! Used by `cargo run --release --example train-verdict` and by the test
//! that checks the shipped model is what training makes.

use std::path::Path;

use anyhow::Context as _;

use crate::analysis::analyse_document;
use crate::engine::{CacheSizes, Engine};
use crate::eval::{confusion, group_scores, GroupScores, LabelledClaim, Prediction};
use crate::judge::decide::{
    fit, near_verbatim, verbatim_window, Example, Model, LABELS,
    SUPPORTED_FIGURES_TARGET_PRECISION, SUPPORTED_TARGET_PRECISION, VERBATIM_MIN_PROBABILITY,
};
use crate::judge::{Features, NO_EVIDENCE_CONFIDENCE};
use crate::model::{ClaimInput, DocumentInput, Verdict};
use crate::service::Limits;

/// L2 penalties tried by cross-validation.
const L2_GRID: [f64; 5] = [0.001, 0.003, 0.01, 0.03, 0.1];
const FOLDS: usize = 5;
/// Cross-validated macro-F1 differences smaller than this are noise when
/// a margin is chosen ([`supported_margin`]).
const CV_TOLERANCE: f64 = 0.005;

/// A temporary store holding every article of a folder, for reading
/// claims' features.
pub struct FeatureStore {
    engine: Engine,
    _directory: tempfile::TempDir,
}

impl FeatureStore {
    /// Stores every file of `articles` under its file name.
    pub fn load(articles: &Path) -> anyhow::Result<FeatureStore> {
        let directory = tempfile::tempdir().context("cannot create a temporary store")?;
        let caches = CacheSizes {
            sled_bytes: 64 << 20,
            verdict_bytes: 0,
            ..CacheSizes::default()
        };
        let engine = Engine::open(
            directory.path(),
            caches,
            Limits::default().candidate_sentences,
        )?;
        let mut paths: Vec<_> = std::fs::read_dir(articles)
            .with_context(|| format!("cannot read {}", articles.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let id = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            engine.put_document(&analyse_document(DocumentInput::new(id, text)))?;
        }
        engine.flush()?;
        Ok(FeatureStore {
            engine,
            _directory: directory,
        })
    }

    /// The features of one claim, `None` when nothing stored shares its
    /// words.
    pub fn features(&self, claim: &str) -> anyhow::Result<Option<Features>> {
        let input = ClaimInput::new(claim, 5);
        Ok(self.engine.features(&input)?)
    }
}

fn label_index(verdict: Verdict) -> usize {
    LABELS.iter().position(|l| *l == verdict).unwrap_or(2)
}

/// What training made and measured.
pub struct Training {
    pub model: Model,
    /// Out-of-fold macro-F1 on the training claims, per L2 penalty tried.
    pub cross_validation: Vec<(f64, f64)>,
    /// One standard error of the best penalty's score: the penalty chosen
    /// is the strongest within it of the best.
    pub standard_error: f64,
    /// Out of fold, SUPPORTED verdicts on claims with figures (right,
    /// given): when every part is accounted for, and when one is not.
    pub figures_supported: [(usize, usize); 2],
}

/// One model per fold, trained without it: example `i` is held out by
/// model `folds[i]`.
fn fold_models(examples: &[Example], folds: &[usize], l2: f64) -> Vec<Model> {
    (0..FOLDS)
        .map(|fold| {
            let training: Vec<Example> = examples
                .iter()
                .zip(folds)
                .filter(|(_, held_out_by)| **held_out_by != fold)
                .map(|(example, _)| *example)
                .collect();
            fit(&training, l2)
        })
        .collect()
}

/// Temperatures tried: 0.50 to 3.00 by 0.05.
fn temperature_at(step: usize) -> f64 {
    0.5 + 0.05 * step as f64
}
const TEMPERATURE_STEPS: usize = 51;

/// Chooses the penalty and temperature by cross-validation (example `i`
/// in fold `folds[i]`, see [`folds_by_article`]) and fits the model on all
/// examples.
pub fn train(examples: &[Example], folds: &[usize]) -> Training {
    let mut cross_validation = Vec::new();
    let mut fold_models_by_l2 = Vec::new();
    for l2 in L2_GRID {
        let models = fold_models(examples, folds, l2);
        cross_validation.push((l2, out_of_fold_scores(examples, folds, &models).macro_f1));
        fold_models_by_l2.push(models);
    }
    // The one-standard-error rule (Hastie, Tibshirani and Friedman, The
    // Elements of Statistical Learning, 7.10): the strongest penalty
    // whose score is within one standard error of the best, the error
    // read from the spread of the best penalty's per-fold scores. The
    // penalties of the grid score within about 0.01 of each other, which
    // one leads changes with every feature added, and the standard error
    // is about 0.01.
    let best = (0..L2_GRID.len())
        .max_by(|a, b| cross_validation[*a].1.total_cmp(&cross_validation[*b].1))
        .expect("the grid is not empty");
    let error = standard_error(&per_fold_macro_f1(
        examples,
        folds,
        &fold_models_by_l2[best],
    ));
    let chosen = cross_validation
        .iter()
        .rposition(|(_, score)| *score >= cross_validation[best].1 - error)
        .expect("the grid is not empty");
    let l2 = L2_GRID[chosen];
    let mut models = fold_models_by_l2.swap_remove(chosen);
    // One temperature for the held-out probabilities of every fold model.
    let mut losses = [0.0; TEMPERATURE_STEPS];
    for (step, loss) in losses.iter_mut().enumerate() {
        for model in &mut models {
            model.temperature = temperature_at(step);
        }
        for (index, example) in examples.iter().enumerate() {
            let probability = models[folds[index]].probabilities(&example.features)[example.label];
            *loss -= probability.max(1e-12).ln();
        }
    }
    let step = (0..TEMPERATURE_STEPS)
        .min_by(|a, b| losses[*a].total_cmp(&losses[*b]))
        .unwrap_or(10);
    for model in &mut models {
        model.temperature = temperature_at(step);
    }
    let mut model = fit(examples, l2);
    model.temperature = temperature_at(step);
    model.verbatim_confidence = verbatim_confidence(examples, folds, &models);
    for fold_model in &mut models {
        fold_model.verbatim_confidence = model.verbatim_confidence;
    }
    model.supported_margin = supported_margin(examples, folds, &mut models);
    for fold_model in &mut models {
        fold_model.supported_margin = model.supported_margin;
    }
    model.figures_supported_floor = figures_supported_floor(examples, folds, &mut models);
    for fold_model in &mut models {
        fold_model.figures_supported_floor = model.figures_supported_floor;
    }
    Training {
        model,
        cross_validation,
        standard_error: error,
        figures_supported: figures_supported_by_accounting(examples, folds, &models),
    }
}

/// Out of fold, the SUPPORTED verdicts on claims with figures, (right,
/// given) when every part is accounted for and when one is not.
fn figures_supported_by_accounting(
    examples: &[Example],
    folds: &[usize],
    models: &[Model],
) -> [(usize, usize); 2] {
    let mut counts = [(0usize, 0usize); 2];
    for (index, example) in examples.iter().enumerate() {
        if example.features.get("has_figures") > 0.0
            && models[folds[index]].decide(&example.features).0 == Verdict::Supported
        {
            let count = &mut counts[usize::from(example.features.get("longest_gap") > 0.0)];
            count.0 += usize::from(example.label == 0);
            count.1 += 1;
        }
    }
    counts
}

/// The scores of the verdicts each example gets from the model of the
/// fold that held it out.
fn out_of_fold_scores(examples: &[Example], folds: &[usize], models: &[Model]) -> GroupScores {
    let pairs = examples.iter().enumerate().map(|(index, example)| {
        let model = &models[folds[index]];
        (LABELS[example.label], model.decide(&example.features).0)
    });
    group_scores(&confusion(pairs))
}

/// Macro-F1 of each fold's held-out examples, judged by the model that
/// held them out.
fn per_fold_macro_f1(examples: &[Example], folds: &[usize], models: &[Model]) -> Vec<f64> {
    (0..FOLDS)
        .map(|fold| {
            let pairs = examples
                .iter()
                .zip(folds)
                .filter(|(_, held_out_by)| **held_out_by == fold)
                .map(|(example, _)| {
                    (
                        LABELS[example.label],
                        models[fold].decide(&example.features).0,
                    )
                });
            group_scores(&confusion(pairs)).macro_f1
        })
        .collect()
}

/// The standard error of the mean of `scores` (sample standard deviation
/// over the square root of their count); 0 for fewer than two.
fn standard_error(scores: &[f64]) -> f64 {
    let n = scores.len() as f64;
    if scores.len() < 2 {
        return 0.0;
    }
    let mean = scores.iter().sum::<f64>() / n;
    let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (variance / n).sqrt()
}

/// Margins tried for [`Model::supported_margin`]: 0.00 to 0.30 by 0.01.
fn supported_margin_at(step: usize) -> f64 {
    0.01 * step as f64
}
const SUPPORTED_MARGIN_STEPS: usize = 31;

/// The least margin at which out-of-fold SUPPORTED verdicts are right at
/// least [`SUPPORTED_TARGET_PRECISION`] of the time while the out-of-fold
/// macro-F1 stays within [`CV_TOLERANCE`] of the margin-free one; the
/// widest margin within that tolerance when no margin reaches the target.
fn supported_margin(examples: &[Example], folds: &[usize], models: &mut [Model]) -> f64 {
    let mut scores = Vec::with_capacity(SUPPORTED_MARGIN_STEPS);
    for step in 0..SUPPORTED_MARGIN_STEPS {
        for model in models.iter_mut() {
            model.supported_margin = supported_margin_at(step);
        }
        let scores_at = out_of_fold_scores(examples, folds, models);
        scores.push((scores_at.macro_f1, scores_at.per_label[0].precision));
    }
    let floor = scores[0].0 - CV_TOLERANCE;
    let within: Vec<usize> = (0..SUPPORTED_MARGIN_STEPS)
        .take_while(|step| scores[*step].0 >= floor)
        .collect();
    within
        .iter()
        .find(|step| scores[**step].1 >= SUPPORTED_TARGET_PRECISION)
        .or(within.last())
        .map_or(0.0, |step| supported_margin_at(*step))
}

/// Floors tried for [`Model::figures_supported_floor`]: 0.00, then 0.40
/// to 0.80 by 0.01.
fn figures_floor_at(step: usize) -> f64 {
    if step == 0 {
        0.0
    } else {
        0.39 + 0.01 * step as f64
    }
}
const FIGURES_FLOOR_STEPS: usize = 42;

/// The least floor at which out-of-fold SUPPORTED verdicts on claims with
/// figures are right at least [`SUPPORTED_FIGURES_TARGET_PRECISION`] of
/// the time, one standard error below the measured share; the highest
/// tried when none is.
fn figures_supported_floor(examples: &[Example], folds: &[usize], models: &mut [Model]) -> f64 {
    let with_figures: Vec<usize> = (0..examples.len())
        .filter(|index| examples[*index].features.get("has_figures") > 0.0)
        .collect();
    (0..FIGURES_FLOOR_STEPS)
        .map(figures_floor_at)
        .find(|floor| {
            for model in models.iter_mut() {
                model.figures_supported_floor = *floor;
            }
            let (mut right, mut total) = (0usize, 0usize);
            for index in &with_figures {
                let example = &examples[*index];
                if models[folds[*index]].decide(&example.features).0 == Verdict::Supported {
                    total += 1;
                    right += usize::from(example.label == 0);
                }
            }
            wilson_lower_bound(right, total, ONE_STANDARD_ERROR)
                >= SUPPORTED_FIGURES_TARGET_PRECISION
        })
        .unwrap_or(figures_floor_at(FIGURES_FLOOR_STEPS - 1))
}

/// The normal quantile of a one-sided 95% bound.
const ONE_SIDED_95: f64 = 1.645;
/// The normal quantile of a bound one standard error below the share.
const ONE_STANDARD_ERROR: f64 = 1.0;

/// The Wilson score lower bound of a share of `right` in `total`, `z`
/// standard errors below it (e.g. [`ONE_SIDED_95`]): the least share
/// consistent with the count.
fn wilson_lower_bound(right: usize, total: usize, z: f64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    let share = right as f64 / n;
    let centre = share + z * z / (2.0 * n);
    let spread = z * (share * (1.0 - share) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - spread) / (1.0 + z * z / n)
}

/// [`Model::verbatim_confidence`]: per window size (see
/// [`verbatim_window`]), the lower bound of the share of near-verbatim
/// restatements right among those the model of the fold that held them
/// out leans towards (P(SUPPORTED) of at least
/// [`VERBATIM_MIN_PROBABILITY`]).
fn verbatim_confidence(examples: &[Example], folds: &[usize], models: &[Model]) -> [f64; 2] {
    let mut counts = [(0usize, 0usize); 2];
    for (index, example) in examples.iter().enumerate() {
        let leaned =
            models[folds[index]].probabilities(&example.features)[0] >= VERBATIM_MIN_PROBABILITY;
        if near_verbatim(&example.features) && leaned {
            let (right, total) = &mut counts[verbatim_window(&example.features)];
            *right += usize::from(example.label == 0);
            *total += 1;
        }
    }
    counts.map(|(right, total)| wilson_lower_bound(right, total, ONE_SIDED_95))
}

/// A model's predictions for labelled claims whose features were read
/// (`labelled`, in the same order); a claim without evidence is
/// NOT_ENOUGH_INFO, as the judge decides it.
pub fn predictions(
    model: &Model,
    claims: &[LabelledClaim],
    labelled: &[(Option<Features>, usize)],
) -> Vec<Prediction> {
    claims
        .iter()
        .zip(labelled)
        .map(|(claim, (features, _))| {
            let (verdict, confidence) = match features {
                Some(features) => model.decide(features),
                None => (Verdict::NotEnoughInfo, NO_EVIDENCE_CONFIDENCE),
            };
            Prediction {
                id: claim.id.clone(),
                verdict,
                first_evidence_document: None,
                explanation: String::new(),
                confidence,
                has_figures: features.is_some_and(|f| f.get("has_figures") > 0.0),
            }
        })
        .collect()
}

/// The features of every claim, with its label index.
pub fn labelled_features(
    store: &FeatureStore,
    claims: &[LabelledClaim],
) -> anyhow::Result<Vec<(Option<Features>, usize)>> {
    claims
        .iter()
        .map(|claim| Ok((store.features(&claim.claim)?, label_index(claim.label))))
        .collect()
}

/// The cross-validation fold of each training example (the claims of
/// `labelled` that have evidence to read, in order): the claim's article's
/// place among the distinct articles, in name order, modulo the number of
/// folds; a claim without an article is its own group.
pub fn folds_by_article(
    claims: &[LabelledClaim],
    labelled: &[(Option<Features>, usize)],
) -> Vec<usize> {
    let group = |index: usize, claim: &LabelledClaim| {
        claim
            .source
            .clone()
            .unwrap_or_else(|| format!("\u{0}{index}"))
    };
    let mut groups: Vec<String> = claims
        .iter()
        .enumerate()
        .map(|(index, claim)| group(index, claim))
        .collect();
    groups.sort();
    groups.dedup();
    claims
        .iter()
        .enumerate()
        .zip(labelled)
        .filter(|(_, (features, _))| features.is_some())
        .map(|((index, claim), _)| {
            let name = group(index, claim);
            groups.binary_search(&name).unwrap_or(0) % FOLDS
        })
        .collect()
}

/// Training examples: the claims that have evidence to read.
pub fn examples_of(labelled: &[(Option<Features>, usize)]) -> Vec<Example> {
    labelled
        .iter()
        .filter_map(|(features, label)| {
            features.map(|features| Example {
                features,
                label: *label,
            })
        })
        .collect()
}
