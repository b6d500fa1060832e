//! Conversions between generated protobuf types and domain types.

use crate::analysis::ReadSentence;
use crate::grpc::pb;
use crate::model::{
    ClaimPart, DocumentRecord, Evidence, FullDocument, PartStatus, QuantityCheck, SentenceRecord,
    Verdict, VerificationResult,
};
use crate::quantity::{Direction, Outcome, Qualifier, Quantity, QuantityKind};
use crate::service::{
    CheckedClaim, ClaimRequest, DocumentRequest, DraftReport, DraftRequest, IngestOutcome,
    ListRequest, ServiceStats,
};

pub fn document_request(request: pb::IngestDocumentRequest) -> DocumentRequest {
    DocumentRequest {
        document_id: request.document_id,
        text: request.text,
        title: request.title,
        url: request.url,
        published_at: request.published_at,
        language: request.language,
        metadata: request.metadata.into_iter().collect(),
    }
}

pub fn claim_request(request: pb::VerifyClaimRequest) -> ClaimRequest {
    ClaimRequest {
        claim: request.claim,
        max_evidence: request.max_evidence,
        document_ids: request.document_ids,
        exclude_document_ids: request.exclude_document_ids,
        language: request.language,
        published_after: request.published_after,
        published_before: request.published_before,
        metadata: request.metadata.into_iter().collect(),
        min_sequence: request.min_sequence,
    }
}

pub fn list_request(request: pb::ListDocumentsRequest) -> ListRequest {
    ListRequest {
        page_size: request.page_size,
        page_token: request.page_token,
        published_after: request.published_after,
        published_before: request.published_before,
        metadata: request.metadata.into_iter().collect(),
        min_sequence: request.min_sequence,
    }
}

pub fn draft_request(request: pb::CheckDraftRequest) -> DraftRequest {
    DraftRequest {
        text: request.text,
        language: request.language,
        document_ids: request.document_ids,
        exclude_document_ids: request.exclude_document_ids,
        max_claims: request.max_claims,
        max_evidence: request.max_evidence,
        published_after: request.published_after,
        published_before: request.published_before,
        metadata: request.metadata.into_iter().collect(),
        min_sequence: request.min_sequence,
    }
}

pub fn draft_claim(claim: &CheckedClaim) -> pb::DraftClaim {
    pb::DraftClaim {
        start: claim.span.0 as u32,
        end: claim.span.1 as u32,
        result: Some(verification(claim.position.to_string(), &claim.result)),
    }
}

/// A summary with no claim counted yet.
pub fn draft_summary(sentence_count: u32, self_document_ids: Vec<String>) -> pb::DraftSummary {
    pb::DraftSummary {
        sentence_count,
        self_document_ids,
        ..Default::default()
    }
}

/// Counts one checked claim in the summary.
pub fn count_claim(summary: &mut pb::DraftSummary, verdict: Verdict) {
    summary.claim_count += 1;
    match verdict {
        Verdict::Supported => summary.supported_count += 1,
        Verdict::Refuted => summary.refuted_count += 1,
        Verdict::NotEnoughInfo => summary.not_enough_info_count += 1,
    }
}

pub fn draft_report(report: DraftReport) -> pb::CheckDraftResponse {
    let mut summary = draft_summary(report.sentence_count, report.self_document_ids);
    for claim in &report.claims {
        count_claim(&mut summary, claim.result.verdict);
    }
    pb::CheckDraftResponse {
        claims: report.claims.iter().map(draft_claim).collect(),
        summary: Some(summary),
    }
}

pub fn ingest_response(outcome: IngestOutcome) -> pb::IngestDocumentResponse {
    pb::IngestDocumentResponse {
        document_id: outcome.document_id,
        sentence_count: outcome.sentence_count,
        quantity_count: outcome.quantity_count,
        replaced: outcome.replaced,
        language: outcome.language.code().to_string(),
        sequence: outcome.sequence,
    }
}

fn kind(kind: QuantityKind) -> pb::QuantityKind {
    match kind {
        QuantityKind::Count => pb::QuantityKind::Count,
        QuantityKind::Percent => pb::QuantityKind::Percent,
        QuantityKind::Fraction => pb::QuantityKind::Fraction,
        QuantityKind::Money => pb::QuantityKind::Money,
        QuantityKind::Measure => pb::QuantityKind::Measure,
        QuantityKind::Date => pb::QuantityKind::Date,
        QuantityKind::Year => pb::QuantityKind::Year,
        QuantityKind::Ordinal => pb::QuantityKind::Ordinal,
        QuantityKind::Multiplier => pb::QuantityKind::Multiplier,
        QuantityKind::Identifier => pb::QuantityKind::Identifier,
    }
}

fn qualifier(qualifier: Qualifier) -> pb::Qualifier {
    match qualifier {
        Qualifier::Exact => pb::Qualifier::Exact,
        Qualifier::Approximate => pb::Qualifier::Approximate,
        Qualifier::MoreThan => pb::Qualifier::MoreThan,
        Qualifier::AtLeast => pb::Qualifier::AtLeast,
        Qualifier::LessThan => pb::Qualifier::LessThan,
        Qualifier::AtMost => pb::Qualifier::AtMost,
    }
}

fn direction(direction: Direction) -> pb::Direction {
    match direction {
        Direction::None => pb::Direction::None,
        Direction::Increase => pb::Direction::Increase,
        Direction::Decrease => pb::Direction::Decrease,
    }
}

fn outcome(outcome: Option<Outcome>) -> pb::CheckOutcome {
    match outcome {
        Some(Outcome::Match) => pb::CheckOutcome::Match,
        Some(Outcome::Compatible) => pb::CheckOutcome::Compatible,
        Some(Outcome::Mismatch) => pb::CheckOutcome::Mismatch,
        Some(Outcome::Incomparable) | None => pb::CheckOutcome::NotFound,
    }
}

pub fn verdict(verdict: Verdict) -> pb::Verdict {
    match verdict {
        Verdict::Supported => pb::Verdict::Supported,
        Verdict::Refuted => pb::Verdict::Refuted,
        Verdict::NotEnoughInfo => pb::Verdict::NotEnoughInfo,
    }
}

pub fn verdict_from_pb(value: i32) -> Option<Verdict> {
    match pb::Verdict::try_from(value).ok()? {
        pb::Verdict::Supported => Some(Verdict::Supported),
        pb::Verdict::Refuted => Some(Verdict::Refuted),
        pb::Verdict::NotEnoughInfo => Some(Verdict::NotEnoughInfo),
        pb::Verdict::Unspecified => None,
    }
}

fn offset(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

pub fn quantity(quantity: &Quantity) -> pb::Quantity {
    pb::Quantity {
        text: quantity.text.clone(),
        kind: kind(quantity.kind) as i32,
        value: quantity.value,
        total: quantity.total,
        unit: quantity.unit.clone(),
        qualifier: qualifier(quantity.qualifier) as i32,
        date: quantity.iso_date(),
        start: offset(quantity.start),
        end: offset(quantity.end),
        direction: direction(quantity.direction) as i32,
        from_value: quantity.change.map(|change| change.from),
        to_value: quantity
            .change
            .map(|change| change.to)
            .or(quantity.range_end),
        identifier: quantity.identifier.clone(),
    }
}

fn sentence(record: &SentenceRecord) -> pb::Sentence {
    pb::Sentence {
        index: record.index,
        text: record.text.clone(),
        start: record.start,
        end: record.end,
        quantities: record.quantities.iter().map(quantity).collect(),
    }
}

pub fn read_sentences(sentences: &[ReadSentence]) -> Vec<pb::Sentence> {
    sentences
        .iter()
        .enumerate()
        .map(|(index, read)| pb::Sentence {
            index: index as u32,
            text: read.text.clone(),
            start: offset(read.start),
            end: offset(read.end),
            quantities: read.quantities.iter().map(quantity).collect(),
        })
        .collect()
}

pub fn document(full: FullDocument) -> pb::Document {
    let FullDocument {
        record,
        text,
        sentences,
    } = full;
    pb::Document {
        document_id: record.document_id,
        title: record.title,
        url: record.url,
        published_at: record.published_at,
        language: record.language.code().to_string(),
        metadata: record.metadata.into_iter().collect(),
        text,
        sentences: sentences.iter().map(sentence).collect(),
        quantity_count: record.quantity_count,
    }
}

pub fn summary(record: DocumentRecord) -> pb::DocumentSummary {
    pb::DocumentSummary {
        document_id: record.document_id,
        title: record.title,
        url: record.url,
        published_at: record.published_at,
        language: record.language.code().to_string(),
        sentence_count: record.sentence_count,
        quantity_count: record.quantity_count,
        text_bytes: record.text_bytes,
        metadata: record.metadata.into_iter().collect(),
    }
}

fn check(check: &QuantityCheck) -> pb::QuantityCheck {
    pb::QuantityCheck {
        claim_quantity: Some(quantity(&check.claim_quantity)),
        source_quantity: check.source_quantity.as_ref().map(quantity),
        outcome: outcome(check.outcome) as i32,
        explanation: check.explanation.clone(),
    }
}

fn evidence(evidence: &Evidence) -> pb::Evidence {
    pb::Evidence {
        document_id: evidence.document_id.clone(),
        document_title: evidence.document_title.clone(),
        sentence_index: evidence.sentence_index,
        sentence: evidence.sentence.clone(),
        score: evidence.score,
        checks: evidence.checks.iter().map(check).collect(),
    }
}

pub fn verification(claim_id: String, result: &VerificationResult) -> pb::VerifyClaimResponse {
    pb::VerifyClaimResponse {
        claim_id,
        verdict: verdict(result.verdict) as i32,
        confidence: result.confidence,
        explanation: result.explanation.clone(),
        evidence: result.evidence.iter().map(evidence).collect(),
        claim_quantities: result.claim_quantities.iter().map(quantity).collect(),
        error: String::new(),
        language: result.language.code().to_string(),
        parts: result.parts.iter().map(part).collect(),
    }
}

fn part_status(status: PartStatus) -> pb::PartStatus {
    match status {
        PartStatus::Supported => pb::PartStatus::Supported,
        PartStatus::Contradicted => pb::PartStatus::Contradicted,
        PartStatus::NotFound => pb::PartStatus::NotFound,
    }
}

fn part(part: &ClaimPart) -> pb::ClaimPart {
    let source = part.source.as_ref();
    pb::ClaimPart {
        text: part.text.clone(),
        start: part.start,
        end: part.end,
        status: part_status(part.status) as i32,
        source_document_id: source.map(|s| s.document_id.clone()).unwrap_or_default(),
        source_sentence_index: source.map_or(0, |s| s.sentence_index),
        source_start: source.map_or(0, |s| s.start),
        source_end: source.map_or(0, |s| s.end),
        note: part.note.clone(),
    }
}

pub fn stats(stats: ServiceStats) -> pb::GetStatsResponse {
    pb::GetStatsResponse {
        document_count: stats.store.documents,
        sentence_count: stats.store.sentences,
        quantity_count: stats.store.quantities,
        index_term_count: stats.store.index_terms,
        indexed_sentence_count: stats.store.indexed_sentences,
        disk_bytes: stats.store.disk_bytes,
        server_version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: stats.uptime_seconds,
        cluster: stats.cluster.map(|cluster| pb::ClusterProgress {
            applied_sequence: cluster.applied,
            latest_sequence: cluster.latest,
            lag: cluster.latest.saturating_sub(cluster.applied),
            caught_up: cluster.caught_up,
        }),
    }
}
