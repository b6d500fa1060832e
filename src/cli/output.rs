//! Rendering of responses: readable text for a terminal, JSON for programs
//! (enum values by their proto names).

use serde_json::{json, Value};

use crate::grpc::pb;

fn enum_name<E: TryFrom<i32>>(value: i32, name: fn(&E) -> &'static str) -> &'static str {
    E::try_from(value).map(|e| name(&e)).unwrap_or("UNKNOWN")
}

pub fn quantity_json(quantity: &pb::Quantity) -> Value {
    json!({
        "text": quantity.text,
        "kind": enum_name(quantity.kind, pb::QuantityKind::as_str_name),
        "value": quantity.value,
        "total": quantity.total,
        "unit": quantity.unit,
        "qualifier": enum_name(quantity.qualifier, pb::Qualifier::as_str_name),
        "direction": enum_name(quantity.direction, pb::Direction::as_str_name),
        "date": quantity.date,
        "from_value": quantity.from_value,
        "to_value": quantity.to_value,
        "identifier": quantity.identifier,
        "start": quantity.start,
        "end": quantity.end,
    })
}

pub fn verification_json(response: &pb::VerifyClaimResponse) -> Value {
    let evidence: Vec<Value> = response
        .evidence
        .iter()
        .map(|evidence| {
            json!({
                "document_id": evidence.document_id,
                "document_title": evidence.document_title,
                "sentence_index": evidence.sentence_index,
                "sentence": evidence.sentence,
                "score": evidence.score,
                "checks": evidence.checks.iter().map(|check| json!({
                    "claim_quantity": check.claim_quantity.as_ref().map(quantity_json),
                    "source_quantity": check.source_quantity.as_ref().map(quantity_json),
                    "outcome": enum_name(check.outcome, pb::CheckOutcome::as_str_name),
                    "explanation": check.explanation,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "claim_id": response.claim_id,
        "verdict": enum_name(response.verdict, pb::Verdict::as_str_name),
        "confidence": response.confidence,
        "explanation": response.explanation,
        "evidence": evidence,
        "claim_quantities": response.claim_quantities.iter().map(quantity_json).collect::<Vec<_>>(),
        "language": response.language,
        "parts": response.parts.iter().map(part_json).collect::<Vec<_>>(),
        "error": response.error,
    })
}

fn part_json(part: &pb::ClaimPart) -> Value {
    json!({
        "text": part.text,
        "start": part.start,
        "end": part.end,
        "status": enum_name(part.status, pb::PartStatus::as_str_name),
        "source_document_id": part.source_document_id,
        "source_sentence_index": part.source_sentence_index,
        "source_start": part.source_start,
        "source_end": part.source_end,
        "note": part.note,
    })
}

fn part_mark(status: i32) -> &'static str {
    match pb::PartStatus::try_from(status) {
        Ok(pb::PartStatus::Supported) => "SUPPORTED   ",
        Ok(pb::PartStatus::Contradicted) => "CONTRADICTED",
        _ => "NOT FOUND   ",
    }
}

fn outcome_mark(outcome: i32) -> &'static str {
    match pb::CheckOutcome::try_from(outcome) {
        Ok(pb::CheckOutcome::Match) => "MATCH     ",
        Ok(pb::CheckOutcome::Compatible) => "COMPATIBLE",
        Ok(pb::CheckOutcome::Mismatch) => "MISMATCH  ",
        _ => "NOT FOUND ",
    }
}

/// A verdict with its evidence and checks, for a terminal.
pub fn verification_text(response: &pb::VerifyClaimResponse) -> String {
    if !response.error.is_empty() {
        return format!("error: {}\n", response.error);
    }
    let verdict =
        enum_name(response.verdict, pb::Verdict::as_str_name).trim_start_matches("VERDICT_");
    let mut out = format!(
        "{verdict} (confidence {:.2})\n{}\n",
        response.confidence, response.explanation
    );
    if !response.parts.is_empty() {
        out.push_str("\nParts of the claim:\n");
    }
    for part in &response.parts {
        let note = if part.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", part.note)
        };
        out.push_str(&format!(
            "  {} \"{}\"{note}\n",
            part_mark(part.status),
            part.text
        ));
    }
    if !response.evidence.is_empty() {
        out.push_str("\nEvidence, best first:\n");
    }
    for (rank, evidence) in response.evidence.iter().enumerate() {
        out.push_str(&format!(
            "{}. {} #{} (score {:.2}): {}\n",
            rank + 1,
            evidence.document_id,
            evidence.sentence_index,
            evidence.score,
            evidence.sentence
        ));
        for check in &evidence.checks {
            out.push_str(&format!(
                "     {} {}\n",
                outcome_mark(check.outcome),
                check.explanation
            ));
        }
    }
    out
}
