//! Evaluation over labelled claims: reads claims in JSON lines (`id`,
//! `claim`, `label`, optional `source`), and scores predictions: label
//! accuracy, macro-F1 over the three verdicts, strict accuracy (a SUPPORTED
//! or REFUTED claim counts only when its first evidence comes from `source`),
//! the confusion matrix and every miss. Pure: the caller runs the claims.

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
}

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
    pub misses: Vec<Miss>,
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
    let mut confusion = [[0usize; 3]; 3];
    let mut misses = Vec::new();
    let mut strict_correct = 0;
    for (claim, prediction) in claims.iter().zip(predictions) {
        confusion[position(claim.label)][position(prediction.verdict)] += 1;
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
    let total = claims.len().min(predictions.len());
    let correct = (0..3).map(|i| confusion[i][i]).sum();
    let f1_scores: Vec<f64> = (0..3)
        .map(|class| {
            let true_positive = confusion[class][class] as f64;
            let predicted: usize = (0..3).map(|row| confusion[row][class]).sum();
            let actual: usize = confusion[class].iter().sum();
            if predicted + actual == 0 {
                return 1.0;
            }
            2.0 * true_positive / (predicted + actual) as f64
        })
        .collect();
    let ratio = |part: usize| {
        if total == 0 {
            0.0
        } else {
            part as f64 / total as f64
        }
    };
    EvalReport {
        total,
        correct,
        label_accuracy: ratio(correct),
        macro_f1: f1_scores.iter().sum::<f64>() / 3.0,
        strict_correct,
        strict_accuracy: ratio(strict_correct),
        confusion,
        misses,
    }
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
    }
}
