//! Evaluation over labelled claims: reads claims in JSON lines (`id`,
//! `claim`, `label`, optional `source`), and scores predictions: label
//! accuracy, macro-F1 over the three verdicts, precision and recall per
//! verdict, the same for claims with and without figures, strict accuracy
//! (a SUPPORTED or REFUTED claim counts only when its first evidence comes
//! from `source`), expected calibration error of the confidence, how often
//! a SUPPORTED given at confidence 0.9 or more is right, the confusion
//! matrix and every miss. Pure: the caller runs the claims.

use serde::Serialize;

use crate::model::Verdict;

const VERDICTS: [Verdict; 3] = [Verdict::Supported, Verdict::Refuted, Verdict::NotEnoughInfo];

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("line {line}: {message}")]
    BadLine { line: usize, message: String },
    #[error("no claims in the file")]
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelledClaim {
    pub id: String,
    pub claim: String,
    pub label: Verdict,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub id: String,
    pub verdict: Verdict,
    pub first_evidence_document: Option<String>,
    pub explanation: String,
    pub confidence: f64,
    /// The claim holds a figure the service read.
    pub has_figures: bool,
}

/// Scores over one group of claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScores {
    pub total: usize,
    pub label_accuracy: f64,
    pub macro_f1: f64,
    /// SUPPORTED, REFUTED, NOT_ENOUGH_INFO, in that order.
    pub per_label: Vec<LabelScores>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScores {
    pub label: &'static str,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// SUPPORTED verdicts given at confidence 0.9 or more.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfidentSupport {
    pub count: usize,
    /// Share of them that are right.
    pub precision: f64,
    /// Share of the SUPPORTED claims they cover.
    pub coverage: f64,
}

/// Confidence a SUPPORTED verdict needs to count as confident.
pub const CONFIDENT: f64 = 0.9;
/// Confidence bins of the calibration error.
const CALIBRATION_BINS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub id: String,
    pub claim: String,
    pub expected: &'static str,
    pub predicted: &'static str,
    pub expected_source: Option<String>,
    pub first_evidence_document: Option<String>,
    /// The label was right but the first evidence came from elsewhere.
    pub strict_only: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub total: usize,
    pub correct: usize,
    pub label_accuracy: f64,
    pub macro_f1: f64,
    pub strict_correct: usize,
    pub strict_accuracy: f64,
    /// Rows: expected SUPPORTED, REFUTED, NOT_ENOUGH_INFO; columns: predicted.
    pub confusion: [[usize; 3]; 3],
    pub per_label: Vec<LabelScores>,
    pub with_figures: GroupScores,
    pub without_figures: GroupScores,
    /// Expected calibration error: over ten confidence bins, the gap
    /// between mean confidence and accuracy, weighted by the bin's share.
    pub calibration_error: f64,
    pub confident_supported: ConfidentSupport,
    pub misses: Vec<Miss>,
}

/// The confusion matrix of (expected, predicted) verdicts.
pub fn confusion(pairs: impl IntoIterator<Item = (Verdict, Verdict)>) -> [[usize; 3]; 3] {
    let mut confusion = [[0usize; 3]; 3];
    for (expected, predicted) in pairs {
        confusion[position(expected)][position(predicted)] += 1;
    }
    confusion
}

fn confusion_of<'a>(
    pairs: impl Iterator<Item = (&'a LabelledClaim, &'a Prediction)>,
) -> [[usize; 3]; 3] {
    confusion(pairs.map(|(claim, prediction)| (claim.label, prediction.verdict)))
}

fn label_scores(confusion: &[[usize; 3]; 3]) -> Vec<LabelScores> {
    VERDICTS
        .iter()
        .enumerate()
        .map(|(class, verdict)| {
            let hits = confusion[class][class] as f64;
            let predicted: usize = (0..3).map(|row| confusion[row][class]).sum();
            let actual: usize = confusion[class].iter().sum();
            let f1 = if predicted + actual == 0 {
                1.0
            } else {
                2.0 * hits / (predicted + actual) as f64
            };
            LabelScores {
                label: verdict.label(),
                precision: if predicted == 0 {
                    0.0
                } else {
                    hits / predicted as f64
                },
                recall: if actual == 0 {
                    0.0
                } else {
                    hits / actual as f64
                },
                f1,
            }
        })
        .collect()
}

/// Accuracy, macro-F1 and per-verdict scores of a confusion matrix.
pub fn group_scores(confusion: &[[usize; 3]; 3]) -> GroupScores {
    let total: usize = confusion.iter().flatten().sum();
    let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
    let per_label = label_scores(confusion);
    GroupScores {
        total,
        label_accuracy: if total == 0 {
            0.0
        } else {
            correct as f64 / total as f64
        },
        macro_f1: per_label.iter().map(|l| l.f1).sum::<f64>() / 3.0,
        per_label,
    }
}

fn calibration_error(claims: &[LabelledClaim], predictions: &[Prediction]) -> f64 {
    let mut bins = [(0.0f64, 0.0f64, 0usize); CALIBRATION_BINS];
    for (claim, prediction) in claims.iter().zip(predictions) {
        let bin =
            ((prediction.confidence * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        bins[bin].0 += prediction.confidence;
        bins[bin].1 += f64::from(u8::from(claim.label == prediction.verdict));
        bins[bin].2 += 1;
    }
    let total = claims.len().min(predictions.len()).max(1) as f64;
    bins.iter()
        .filter(|(_, _, count)| *count > 0)
        .map(|(confidence, right, _)| (confidence - right).abs() / total)
        .sum::<f64>()
}

/// Parses claims in JSON lines; blank lines are skipped.
pub fn parse_claims(text: &str) -> Result<Vec<LabelledClaim>, EvalError> {
    let mut claims = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_number = number + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| EvalError::BadLine {
            line: line_number,
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let claim = field("claim").ok_or_else(|| bad("missing string field \"claim\"".into()))?;
        let label_text =
            field("label").ok_or_else(|| bad("missing string field \"label\"".into()))?;
        let label = Verdict::from_label(&label_text)
            .ok_or_else(|| bad(format!("unknown label {label_text:?}")))?;
        let id = field("id").unwrap_or_else(|| format!("line-{line_number}"));
        claims.push(LabelledClaim {
            id,
            claim,
            label,
            source: field("source"),
        });
    }
    if claims.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(claims)
}

fn position(verdict: Verdict) -> usize {
    VERDICTS.iter().position(|v| *v == verdict).unwrap_or(2)
}

/// Scores predictions against labelled claims (matched by position).
pub fn score(claims: &[LabelledClaim], predictions: &[Prediction]) -> EvalReport {
    let confusion = confusion_of(claims.iter().zip(predictions));
    let mut misses = Vec::new();
    let mut strict_correct = 0;
    for (claim, prediction) in claims.iter().zip(predictions) {
        let label_right = claim.label == prediction.verdict;
        let source_right = match (claim.label, &claim.source) {
            (Verdict::NotEnoughInfo, _) | (_, None) => true,
            (_, Some(source)) => {
                prediction.first_evidence_document.as_deref() == Some(source.as_str())
            }
        };
        if label_right && source_right {
            strict_correct += 1;
            continue;
        }
        misses.push(Miss {
            id: claim.id.clone(),
            claim: claim.claim.clone(),
            expected: claim.label.label(),
            predicted: prediction.verdict.label(),
            expected_source: claim.source.clone(),
            first_evidence_document: prediction.first_evidence_document.clone(),
            strict_only: label_right,
            explanation: prediction.explanation.clone(),
        });
    }
    let all = group_scores(&confusion);
    let with_figures = confusion_of(
        claims
            .iter()
            .zip(predictions)
            .filter(|(_, prediction)| prediction.has_figures),
    );
    let without_figures = confusion_of(
        claims
            .iter()
            .zip(predictions)
            .filter(|(_, prediction)| !prediction.has_figures),
    );
    let confident: Vec<bool> = claims
        .iter()
        .zip(predictions)
        .filter(|(_, p)| p.verdict == Verdict::Supported && p.confidence >= CONFIDENT)
        .map(|(claim, _)| claim.label == Verdict::Supported)
        .collect();
    let confident_right = confident.iter().filter(|right| **right).count();
    let supported_claims = claims
        .iter()
        .filter(|c| c.label == Verdict::Supported)
        .count();
    let total = all.total;
    EvalReport {
        total,
        correct: (0..3).map(|i| confusion[i][i]).sum(),
        label_accuracy: all.label_accuracy,
        macro_f1: all.macro_f1,
        strict_correct,
        strict_accuracy: if total == 0 {
            0.0
        } else {
            strict_correct as f64 / total as f64
        },
        confusion,
        per_label: all.per_label,
        with_figures: group_scores(&with_figures),
        without_figures: group_scores(&without_figures),
        calibration_error: calibration_error(claims, predictions),
        confident_supported: ConfidentSupport {
            count: confident.len(),
            precision: if confident.is_empty() {
                0.0
            } else {
                confident_right as f64 / confident.len() as f64
            },
            coverage: if supported_claims == 0 {
                0.0
            } else {
                confident_right as f64 / supported_claims as f64
            },
        },
        misses,
    }
}

/// The headline figures of a report in one line.
pub fn summary(report: &EvalReport) -> String {
    let [s, r, n] = [0, 1, 2].map(|i| &report.per_label[i]);
    format!(
        "{} claims: accuracy {:.3}, macro-F1 {:.3}; SUPPORTED P/R {:.3}/{:.3}, REFUTED P/R {:.3}/{:.3}, NOT_ENOUGH_INFO P/R {:.3}/{:.3}; with figures macro-F1 {:.3}, SUPPORTED P/R {:.3}/{:.3}; ECE {:.3}; SUPPORTED at >= {CONFIDENT}: {} verdicts, {:.3} right, {:.3} of SUPPORTED claims",
        report.total,
        report.label_accuracy,
        report.macro_f1,
        s.precision,
        s.recall,
        r.precision,
        r.recall,
        n.precision,
        n.recall,
        report.with_figures.macro_f1,
        report.with_figures.per_label[0].precision,
        report.with_figures.per_label[0].recall,
        report.calibration_error,
        report.confident_supported.count,
        report.confident_supported.precision,
        report.confident_supported.coverage
    )
}

/// The report as text for a terminal.
pub fn render(report: &EvalReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "claims: {}\nlabel accuracy: {:.1}% ({}/{})\nmacro-F1: {:.3}\nstrict accuracy: {:.1}% ({}/{})\n\n",
        report.total,
        report.label_accuracy * 100.0,
        report.correct,
        report.total,
        report.macro_f1,
        report.strict_accuracy * 100.0,
        report.strict_correct,
        report.total
    ));
    out.push_str(&format!(
        "calibration error: {:.3}\nSUPPORTED at confidence >= {CONFIDENT}: {} verdicts, {:.1}% right, covering {:.1}% of SUPPORTED claims\n\n",
        report.calibration_error,
        report.confident_supported.count,
        report.confident_supported.precision * 100.0,
        report.confident_supported.coverage * 100.0
    ));
    out.push_str(&format!(
        "{:<22}{:>7}{:>9}{:>11}{:>11}{:>11}\n",
        "", "claims", "macro-F1", "S P/R", "R P/R", "NEI P/R"
    ));
    for (name, group) in [
        (
            "all",
            &GroupScores {
                total: report.total,
                label_accuracy: report.label_accuracy,
                macro_f1: report.macro_f1,
                per_label: report.per_label.clone(),
            },
        ),
        ("with figures", &report.with_figures),
        ("without figures", &report.without_figures),
    ] {
        let pr = |index: usize| {
            group.per_label.get(index).map_or(String::new(), |l| {
                format!("{:.2}/{:.2}", l.precision, l.recall)
            })
        };
        out.push_str(&format!(
            "{:<22}{:>7}{:>9.3}{:>11}{:>11}{:>11}\n",
            name,
            group.total,
            group.macro_f1,
            pr(0),
            pr(1),
            pr(2)
        ));
    }
    out.push('\n');
    out.push_str("confusion (rows: expected, columns: predicted)\n");
    out.push_str(&format!(
        "{:<18}{:>11}{:>9}{:>17}\n",
        "", "SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"
    ));
    for (row, verdict) in VERDICTS.iter().enumerate() {
        out.push_str(&format!(
            "{:<18}{:>11}{:>9}{:>17}\n",
            verdict.label(),
            report.confusion[row][0],
            report.confusion[row][1],
            report.confusion[row][2]
        ));
    }
    if !report.misses.is_empty() {
        out.push_str(&format!("\nmisses ({}):\n", report.misses.len()));
        for miss in &report.misses {
            out.push_str(&format!(
                "- {} expected {} got {}{}\n  claim: {}\n  why: {}\n",
                miss.id,
                miss.expected,
                miss.predicted,
                if miss.strict_only {
                    format!(
                        " (first evidence from {:?}, expected {:?})",
                        miss.first_evidence_document, miss.expected_source
                    )
                } else {
                    String::new()
                },
                miss.claim,
                miss.explanation
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: &str, label: Verdict, source: Option<&str>) -> LabelledClaim {
        LabelledClaim {
            id: id.into(),
            claim: format!("claim {id}"),
            label,
            source: source.map(str::to_string),
        }
    }

    fn prediction(id: &str, verdict: Verdict, document: Option<&str>) -> Prediction {
        Prediction {
            id: id.into(),
            verdict,
            first_evidence_document: document.map(str::to_string),
            explanation: String::new(),
            confidence: 0.95,
            has_figures: id == "1",
        }
    }

    #[test]
    fn parses_the_dev_format() {
        let text = "{\"id\": \"a\", \"claim\": \"x\", \"label\": \"SUPPORTED\", \"source\": \"d.txt\"}\n\n{\"id\": \"b\", \"claim\": \"y\", \"label\": \"NOT_ENOUGH_INFO\", \"source\": null}\n";
        let claims = parse_claims(text).unwrap();
        assert_eq!(claims.len(), 2);
        assert_eq!(claims[0].source.as_deref(), Some("d.txt"));
        assert_eq!(claims[1].label, Verdict::NotEnoughInfo);
        assert!(matches!(
            parse_claims("{\"claim\": \"x\", \"label\": \"MAYBE\"}"),
            Err(EvalError::BadLine { line: 1, .. })
        ));
        assert!(matches!(parse_claims("\n"), Err(EvalError::Empty)));
    }

    #[test]
    fn scores_accuracy_f1_and_strictness() {
        let claims = [
            claim("1", Verdict::Supported, Some("a")),
            claim("2", Verdict::Refuted, Some("a")),
            claim("3", Verdict::NotEnoughInfo, None),
            claim("4", Verdict::Supported, Some("b")),
        ];
        let predictions = [
            prediction("1", Verdict::Supported, Some("a")),
            prediction("2", Verdict::Refuted, Some("b")),
            prediction("3", Verdict::NotEnoughInfo, Some("a")),
            prediction("4", Verdict::NotEnoughInfo, None),
        ];
        let report = score(&claims, &predictions);
        assert_eq!(report.correct, 3);
        assert_eq!(report.strict_correct, 2);
        assert_eq!(report.confusion[0], [1, 0, 1]);
        assert_eq!(report.misses.len(), 2);
        assert!(report.misses.iter().any(|m| m.id == "2" && m.strict_only));
        // F1: supported 2*1/(1+2)=0.667, refuted 1, nei 2*1/(2+1)=0.667
        assert!((report.macro_f1 - (2.0 / 3.0 + 1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-9);
        assert_eq!(report.per_label[0].precision, 1.0);
        assert_eq!(report.per_label[0].recall, 0.5);
        assert_eq!(report.with_figures.total, 1);
        assert_eq!(report.without_figures.total, 3);
        // Every verdict at 0.95, three of four right: |0.95 - 0.75|.
        assert!((report.calibration_error - 0.2).abs() < 1e-9);
        assert_eq!(report.confident_supported.count, 1);
        assert_eq!(report.confident_supported.coverage, 0.5);
    }
}
