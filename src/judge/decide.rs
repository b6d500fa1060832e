//! The learned decision: a multinomial logistic regression over the
//! accounting's [`Features`], with a temperature that calibrates its
//! probabilities, and hard rules for rare signals whose precision on the
//! training claims is higher than the model gives them credit for.
//!
//! Why logistic regression: about 40 features and 1,751 training claims;
//! a linear model is calibrated by construction (its confidence can be
//! read as a probability after one temperature), cannot memorise a claim,
//! trains deterministically in well under a second, and its weights are a
//! file one can read. Trees gained nothing measurable on the same features
//! in the feasibility study (0.648 vs 0.653 macro-F1).
//!
//! The shipped model is `verdict-model.json` beside this file, made by
//! `cargo run --release --example train-verdict` from the real-claims
//! training split (see README); [`fit`] is that training, deterministic.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::account::{Features, FEATURE_COUNT, FEATURE_NAMES};
use crate::model::Verdict;

/// Labels in the order of the model's rows.
pub const LABELS: [Verdict; 3] = [Verdict::Supported, Verdict::Refuted, Verdict::NotEnoughInfo];

/// The shipped weights.
const SHIPPED: &str = include_str!("verdict-model.json");

static SHIPPED_MODEL: LazyLock<Model> = LazyLock::new(|| {
    Model::from_json(SHIPPED).expect("the shipped verdict model matches the feature list")
});

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the verdict model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the verdict model's features {found:?} are not the accounting's {expected:?}")]
    Features {
        found: Vec<String>,
        expected: Vec<String>,
    },
    #[error("the verdict model's {field} has {found} values, expected {expected}")]
    Shape {
        field: &'static str,
        found: usize,
        expected: usize,
    },
}

/// A trained model: standardisation, one weight row per label (bias
/// first), and the calibration temperature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub features: Vec<String>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    /// Rows: SUPPORTED, REFUTED, NOT_ENOUGH_INFO; each `1 + features` long.
    pub weights: Vec<Vec<f64>>,
    pub temperature: f64,
    /// The L2 penalty it was trained with.
    pub l2: f64,
    /// Confidence of a near-verbatim restatement the model leans towards
    /// (see [`VERBATIM_MIN_PROBABILITY`]), for a window of one sentence
    /// and for one of more: the one-sided 95% lower bound of the share of
    /// such verdicts right out of fold on the training claims (folds by
    /// article), so that it holds on articles the model never saw. A claim
    /// that restates one sentence is right far more often than one that
    /// joins two or three, where a subject of one sentence can be given the
    /// predicate of another.
    pub verbatim_confidence: [f64; 2],
    /// How much more probable SUPPORTED must be than each other label to
    /// be the verdict: a wrong SUPPORTED costs a newsroom more than a
    /// claim sent for a look. Chosen by cross-validation as the least
    /// margin at which SUPPORTED verdicts are right
    /// [`SUPPORTED_TARGET_PRECISION`] of the time out of fold.
    pub supported_margin: f64,
    /// Least probability of SUPPORTED for a claim with figures that leaves
    /// a part unaccounted for to be SUPPORTED by the model (below it, it is
    /// NOT_ENOUGH_INFO): the figure engine checks such claims' figures, so
    /// what is left to doubt is their words, and a newsroom republishes
    /// figures. Out of fold on the training claims, such SUPPORTED
    /// verdicts are right about 56% of the time, those accounting for
    /// every part 93%. Chosen by cross-validation as the least floor at which
    /// such verdicts are right [`SUPPORTED_FIGURES_TARGET_PRECISION`] of
    /// the time out of fold, less one standard error: a floor that only
    /// just reaches the target on the training claims falls short of it on
    /// articles the model never saw.
    pub figures_supported_floor: f64,
}

impl Model {
    /// The model shipped in the binary.
    pub fn shipped() -> &'static Model {
        &SHIPPED_MODEL
    }

    pub fn from_json(text: &str) -> Result<Model, ModelError> {
        let model: Model = serde_json::from_str(text)?;
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), ModelError> {
        if self
            .features
            .iter()
            .map(String::as_str)
            .ne(FEATURE_NAMES.iter().copied())
        {
            return Err(ModelError::Features {
                found: self.features.clone(),
                expected: FEATURE_NAMES.iter().map(|n| n.to_string()).collect(),
            });
        }
        let shape = |field, found, expected| {
            if found == expected {
                Ok(())
            } else {
                Err(ModelError::Shape {
                    field,
                    found,
                    expected,
                })
            }
        };
        shape("mean", self.mean.len(), FEATURE_COUNT)?;
        shape("scale", self.scale.len(), FEATURE_COUNT)?;
        shape("weights", self.weights.len(), LABELS.len())?;
        for row in &self.weights {
            shape("weight row", row.len(), FEATURE_COUNT + 1)?;
        }
        Ok(())
    }

    /// The model as a JSON text, six decimals per number, so that training
    /// twice writes the same bytes.
    pub fn to_json(&self) -> String {
        let round = |values: &[f64]| -> Vec<f64> {
            values.iter().map(|v| (v * 1e6).round() / 1e6).collect()
        };
        let rounded = Model {
            features: self.features.clone(),
            mean: round(&self.mean),
            scale: round(&self.scale),
            weights: self.weights.iter().map(|row| round(row)).collect(),
            temperature: (self.temperature * 1e6).round() / 1e6,
            l2: self.l2,
            verbatim_confidence: self
                .verbatim_confidence
                .map(|confidence| (confidence * 1e6).round() / 1e6),
            supported_margin: (self.supported_margin * 1e6).round() / 1e6,
            figures_supported_floor: (self.figures_supported_floor * 1e6).round() / 1e6,
        };
        let mut text = serde_json::to_string_pretty(&rounded).unwrap_or_default();
        text.push('\n');
        text
    }

    fn standardised(&self, features: &Features) -> [f64; FEATURE_COUNT] {
        let mut values = [0.0; FEATURE_COUNT];
        for (index, value) in values.iter_mut().enumerate() {
            *value = (features.values[index] - self.mean[index]) / self.scale[index];
        }
        values
    }

    /// Calibrated probabilities of SUPPORTED, REFUTED, NOT_ENOUGH_INFO.
    pub fn probabilities(&self, features: &Features) -> [f64; 3] {
        let values = self.standardised(features);
        let mut logits = [0.0; 3];
        for (label, row) in self.weights.iter().enumerate() {
            logits[label] = row[0]
                + row[1..]
                    .iter()
                    .zip(&values)
                    .map(|(w, x)| w * x)
                    .sum::<f64>();
            logits[label] /= self.temperature;
        }
        softmax(logits)
    }
}

/// Least share of the claim's content words in tiles for an aligned change
/// to refute outright.
const OUTRIGHT_MIN_TILED: f64 = 0.5;
/// Confidence of an outright refutation (at most what such refutations
/// reached on the training claims).
const OUTRIGHT_CONFIDENCE: f64 = 0.8;

/// A contradiction precise enough to refute on its own: a figure, an
/// opposite word, a scale word or a name changed in an aligned slot, a
/// negation added or removed next to a restated phrase, or two names
/// swapped between their slots, in a window that states most of the claim
/// in its own words, about the names the claim is about. On the training
/// claims the rule holds for 329, of which 267 are REFUTED, 35
/// NOT_ENOUGH_INFO and 27 SUPPORTED (`train-verdict` prints these counts);
/// the learned model alone gives such single, precise signals too little
/// weight beside the many that a restatement shares with its source.
pub fn refutes_outright(features: &Features) -> bool {
    let aligned_change = features.get("figure_slot_changes") > 0.0
        || features.get("opposites") > 0.0
        || features.get("scale_changes") > 0.0
        || features.get("names_crossed") > 0.0
        || features.get("negation_added") > 0.0
        || features.get("negation_removed") > 0.0
        || features.get("name_swaps") > 0.0;
    let names_bound =
        features.get("names_unbound") == 0.0 && features.get("names_absent_document") == 0.0;
    aligned_change && names_bound && features.get("tiled_content") >= OUTRIGHT_MIN_TILED
}

/// Confidence of a claim about another subject: on the training claims 3
/// of the 4 where the rule holds are NOT_ENOUGH_INFO; shaded for so few.
const OTHER_SUBJECT_CONFIDENCE: f64 = 0.6;

/// The claim names a place, person or body (of two words or more) the
/// window's document never mentions nor the figure engine finds, and its
/// figures differ from the window's: the document tells of another subject's figures, so it can
/// neither support nor refute the claim ("Huyện Ba Chẽ giảm 10 biên chế"
/// against an article about another district's cuts).
pub fn about_another_subject(features: &Features) -> bool {
    features.get("names_absent_document") > 0.0
        && features.get("names_unbound") > 0.0
        && (features.get("figure_slot_changes") > 0.0
            || features.get("figure_mismatch_aligned") > 0.0)
}

/// The claim names something by an abbreviation (SVB, WHO) its evidence's
/// document never writes, nor spells out in the window: the document
/// cannot support what the claim says of it. A precise signal the model
/// weighs too little for how rare it is: on the training claims it holds
/// for 35, of which 1 is SUPPORTED (`train-verdict` prints these counts),
/// so it keeps a claim the model would call SUPPORTED from being
/// SUPPORTED (it is NOT_ENOUGH_INFO unless something refutes it).
pub fn names_unknown_abbreviation(features: &Features) -> bool {
    features.get("acronyms_absent") > 0.0
}

/// Least share of the claim's content words in tiles, and of its word
/// pairs found as pairs, for a near-verbatim restatement.
const VERBATIM_MIN_TILED: f64 = 0.95;
const VERBATIM_MIN_PAIRS: f64 = 0.9;
/// Least model probability of SUPPORTED at which a near-verbatim
/// restatement gets [`Model::verbatim_confidence`]: the model leans
/// towards it. Above that, the model's probability tells right
/// near-verbatim verdicts from wrong ones no better than chance (out of
/// fold on the training claims, their share right is 0.93-0.95 at every
/// threshold from 0.5 to 0.84), so it is no threshold to tune.
pub const VERBATIM_MIN_PROBABILITY: f64 = 0.5;

/// Share of SUPPORTED verdicts that must be right, out of fold on the
/// training claims, for [`Model::supported_margin`]: the least margin
/// reaching it is taken.
pub const SUPPORTED_TARGET_PRECISION: f64 = 0.72;

/// Share of SUPPORTED verdicts on claims with figures that must be right,
/// out of fold on the training claims and one standard error below the
/// share measured there (the Wilson bound), for
/// [`Model::figures_supported_floor`]. Without that margin the floor
/// (0.52) reached the target out of fold and 0.761 on the dev claims;
/// with it (0.59), 0.780, for 0.006 less macro-F1. The target is 0.82,
/// above the 0.80 a newsroom is promised, so that unseen articles keep
/// it: on the training claims 0.82 (floor 0.62) against 0.80 (floor
/// 0.59) moved SUPPORTED precision with figures from 0.836 to 0.860 and
/// left macro-F1 at 0.706. A target of 0.84 (floor 0.66) gave 0.867 out
/// of fold, but on the dev claims moved SUPPORTED precision with figures
/// only from 0.810 to 0.826 while macro-F1 with figures fell from 0.745 to
/// 0.727 (0.72 promised) and over all claims from 0.708 to 0.697.
pub const SUPPORTED_FIGURES_TARGET_PRECISION: f64 = 0.82;

/// Which of [`Model::verbatim_confidence`] a near-verbatim restatement
/// gets: 0 for a window of one sentence, 1 for more.
pub fn verbatim_window(features: &Features) -> usize {
    usize::from(features.get("extra_sentences") > 0.0)
}

/// A near-verbatim restatement: the window states the claim word for word
/// and pair for pair, with no part missing and no change of any kind.
pub fn near_verbatim(features: &Features) -> bool {
    let unchanged = [
        "figure_slot_changes",
        "negation_added",
        "negation_removed",
        "opposites",
        "name_swaps",
        "scale_changes",
        "beside_changes",
        "names_crossed",
        "persons_swapped",
        "quantifiers_added",
        "longest_gap",
        "figure_mismatch_aligned",
    ]
    .iter()
    .all(|name| features.get(name) == 0.0);
    unchanged
        && features.get("tiled_content") >= VERBATIM_MIN_TILED
        && features.get("bigram_share") >= VERBATIM_MIN_PAIRS
}

impl Model {
    /// The verdict and its confidence: a claim about another subject, an
    /// outright refutation, a near-verbatim restatement, or the most
    /// probable label.
    pub fn decide(&self, features: &Features) -> (Verdict, f64) {
        let probabilities = self.probabilities(features);
        if about_another_subject(features) {
            return (
                Verdict::NotEnoughInfo,
                probabilities[2].max(OTHER_SUBJECT_CONFIDENCE),
            );
        }
        if refutes_outright(features) {
            return (Verdict::Refuted, probabilities[1].max(OUTRIGHT_CONFIDENCE));
        }
        if near_verbatim(features) {
            let confidence = if probabilities[0] >= VERBATIM_MIN_PROBABILITY {
                probabilities[0].max(self.verbatim_confidence[verbatim_window(features)])
            } else {
                probabilities[0]
            };
            return (Verdict::Supported, confidence);
        }
        let mut weighed = probabilities;
        weighed[0] -= self.supported_margin;
        let best = (0..LABELS.len())
            .max_by(|a, b| weighed[*a].total_cmp(&weighed[*b]).then(b.cmp(a)))
            .unwrap_or(2);
        if best == 0
            && (self.below_figures_floor(features, probabilities[0])
                || names_unknown_abbreviation(features))
        {
            return (Verdict::NotEnoughInfo, probabilities[2]);
        }
        (LABELS[best], probabilities[best])
    }

    /// A claim with figures that leaves a part unaccounted for, whose
    /// SUPPORTED is less probable than [`Model::figures_supported_floor`]:
    /// not enough to say SUPPORTED, and nothing contradicts it, so it is
    /// NOT_ENOUGH_INFO (a look is needed).
    fn below_figures_floor(&self, features: &Features, supported: f64) -> bool {
        features.get("has_figures") > 0.0
            && features.get("longest_gap") > 0.0
            && supported < self.figures_supported_floor
    }
}

fn softmax(logits: [f64; 3]) -> [f64; 3] {
    let top = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let exps = logits.map(|l| (l - top).exp());
    let total: f64 = exps.iter().sum();
    exps.map(|e| e / total)
}

/// One labelled training example.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub features: Features,
    /// Index into [`LABELS`].
    pub label: usize,
}

/// Full-batch gradient descent steps; the loss is convex, so a fixed
/// number of steps from zero weights is deterministic and converged.
const STEPS: usize = 3000;
const LEARNING_RATE: f64 = 0.5;

/// Fits the logistic regression (features standardised by their mean and
/// standard deviation over `examples`), temperature 1.
pub fn fit(examples: &[Example], l2: f64) -> Model {
    let count = examples.len().max(1) as f64;
    let mut mean = vec![0.0; FEATURE_COUNT];
    let mut scale = vec![0.0; FEATURE_COUNT];
    for example in examples {
        for (index, value) in example.features.values.iter().enumerate() {
            mean[index] += value / count;
        }
    }
    for example in examples {
        for (index, value) in example.features.values.iter().enumerate() {
            scale[index] += (value - mean[index]).powi(2) / count;
        }
    }
    for value in &mut scale {
        *value = if *value > 1e-12 { value.sqrt() } else { 1.0 };
    }
    let mut model = Model {
        features: FEATURE_NAMES.iter().map(|n| n.to_string()).collect(),
        mean,
        scale,
        weights: vec![vec![0.0; FEATURE_COUNT + 1]; LABELS.len()],
        temperature: 1.0,
        l2,
        verbatim_confidence: [0.0; 2],
        supported_margin: 0.0,
        figures_supported_floor: 0.0,
    };
    let standardised: Vec<[f64; FEATURE_COUNT]> = examples
        .iter()
        .map(|e| model.standardised(&e.features))
        .collect();
    for _ in 0..STEPS {
        let mut gradient = vec![vec![0.0; FEATURE_COUNT + 1]; LABELS.len()];
        for (example, values) in examples.iter().zip(&standardised) {
            let mut logits = [0.0; 3];
            for (label, row) in model.weights.iter().enumerate() {
                logits[label] =
                    row[0] + row[1..].iter().zip(values).map(|(w, x)| w * x).sum::<f64>();
            }
            let probabilities = softmax(logits);
            for label in 0..LABELS.len() {
                let error = probabilities[label] - f64::from(u8::from(label == example.label));
                gradient[label][0] += error / count;
                for (index, value) in values.iter().enumerate() {
                    gradient[label][index + 1] += error * value / count;
                }
            }
        }
        for (row, gradient_row) in model.weights.iter_mut().zip(&gradient) {
            for (index, (weight, step)) in row.iter_mut().zip(gradient_row).enumerate() {
                let penalty = if index == 0 { 0.0 } else { l2 * *weight };
                *weight -= LEARNING_RATE * (step + penalty);
            }
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_gives_probabilities() {
        let model = Model::shipped();
        let probabilities = model.probabilities(&Features {
            values: [0.5; FEATURE_COUNT],
        });
        assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn a_model_with_other_features_is_refused() {
        let mut model = Model::shipped().clone();
        model.features[0] = "something_else".into();
        let error = Model::from_json(&model.to_json()).unwrap_err();
        assert!(error.to_string().contains("something_else"), "{error}");
    }

    /// For a model that gives SUPPORTED 0.45, REFUTED 0.30,
    /// NOT_ENOUGH_INFO 0.25 whatever the features, with a floor of 0.50.
    #[test]
    fn the_guards_hold_back_supported_only_when_they_apply() {
        let mut model = Model::shipped().clone();
        model.mean = vec![0.0; FEATURE_COUNT];
        model.scale = vec![1.0; FEATURE_COUNT];
        model.temperature = 1.0;
        model.supported_margin = 0.0;
        model.figures_supported_floor = 0.5;
        for (row, probability) in model.weights.iter_mut().zip([0.45f64, 0.30, 0.25]) {
            row.fill(0.0);
            row[0] = probability.ln();
        }
        // (has figures, a part unaccounted for, an abbreviation the
        // document never writes, verdict).
        let cases = [
            (true, true, false, Verdict::NotEnoughInfo),
            (true, false, false, Verdict::Supported),
            (false, true, false, Verdict::Supported),
            (false, false, true, Verdict::NotEnoughInfo),
        ];
        for (has_figures, gap, abbreviation, expected) in cases {
            let mut values = [0.0; FEATURE_COUNT];
            let index = |name: &str| FEATURE_NAMES.iter().position(|n| *n == name).unwrap();
            values[index("has_figures")] = f64::from(u8::from(has_figures));
            values[index("longest_gap")] = if gap { 2f64.ln() } else { 0.0 };
            values[index("acronyms_absent")] = if abbreviation { 2f64.ln() } else { 0.0 };
            let (verdict, _) = model.decide(&Features { values });
            assert_eq!(
                verdict, expected,
                "figures {has_figures}, gap {gap}, abbreviation {abbreviation}"
            );
        }
        model.figures_supported_floor = 0.4;
        let mut values = [0.0; FEATURE_COUNT];
        values[FEATURE_NAMES
            .iter()
            .position(|n| *n == "has_figures")
            .unwrap()] = 1.0;
        values[FEATURE_NAMES
            .iter()
            .position(|n| *n == "longest_gap")
            .unwrap()] = 1.0;
        assert_eq!(model.decide(&Features { values }).0, Verdict::Supported);
    }

    #[test]
    fn fitting_separable_labels_learns_them_and_is_deterministic() {
        let examples: Vec<Example> = (0..60)
            .map(|index| {
                let label = index % 3;
                let mut values = [0.0; FEATURE_COUNT];
                values[label] = 1.0 + (index as f64) * 0.01;
                Example {
                    features: Features { values },
                    label,
                }
            })
            .collect();
        let model = fit(&examples, 0.01);
        for example in &examples {
            let probabilities = model.probabilities(&example.features);
            let predicted = (0..3)
                .max_by(|a, b| probabilities[*a].total_cmp(&probabilities[*b]))
                .unwrap();
            assert_eq!(predicted, example.label);
        }
        assert_eq!(fit(&examples, 0.01).to_json(), model.to_json());
    }
}
