//! Plain domain types shared by the core, the store and the edges: what a
//! document is once analysed, what a sentence keeps, what a verdict says.
//! No behaviour beyond small accessors; no I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::filter::RecordFilter;
use crate::quantity::{Outcome, Quantity};
use crate::text::Language;

/// A document as a client sends it, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInput {
    pub document_id: String,
    pub text: String,
    pub title: String,
    pub url: String,
    pub published_at: String,
    pub language: Option<Language>,
    pub metadata: BTreeMap<String, String>,
}

impl DocumentInput {
    /// A document with only an id and a text: title from the first line,
    /// language detected, no metadata.
    pub fn new(document_id: impl Into<String>, text: impl Into<String>) -> DocumentInput {
        DocumentInput {
            document_id: document_id.into(),
            text: text.into(),
            title: String::new(),
            url: String::new(),
            published_at: String::new(),
            language: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// The facts of a document that verification reads with each of its
/// sentences: the names it is about and the time it speaks of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentContext {
    /// Folded names from the title and lead, and names the text repeats.
    pub entities: Vec<String>,
    /// Folded text of the title.
    pub title_folded: String,
}

/// Document metadata as stored (the text is stored apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub document_id: String,
    pub title: String,
    pub url: String,
    pub published_at: String,
    pub language: Language,
    pub metadata: BTreeMap<String, String>,
    pub sentence_count: u32,
    pub quantity_count: u32,
    pub text_bytes: u64,
    pub context: DocumentContext,
}

/// One sentence with what was read from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceRecord {
    pub index: u32,
    pub text: String,
    /// Byte offsets into the document text.
    pub start: u32,
    pub end: u32,
    pub quantities: Vec<Quantity>,
    /// Paragraph number: sentences of one line block share it.
    pub paragraph: u32,
    /// A year that frames the sentence from before it ("Năm 2017, ..."
    /// earlier in the paragraph), when the sentence names none itself.
    pub inherited_year: Option<i32>,
}

/// A document after analysis, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedDocument {
    pub record: DocumentRecord,
    pub text: String,
    pub sentences: Vec<AnalysedSentence>,
    /// Each sentence's index terms (folded words and word pairs) as a
    /// term line, in sentence order.
    pub term_lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedSentence {
    pub record: SentenceRecord,
}

/// A stored document with its text and sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct FullDocument {
    pub record: DocumentRecord,
    pub text: String,
    pub sentences: Vec<SentenceRecord>,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub documents: u64,
    pub sentences: u64,
    pub quantities: u64,
    pub index_terms: u64,
    /// Sentences the search index holds.
    pub indexed_sentences: u64,
    pub disk_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    Supported,
    Refuted,
    NotEnoughInfo,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Supported => "SUPPORTED",
            Verdict::Refuted => "REFUTED",
            Verdict::NotEnoughInfo => "NOT_ENOUGH_INFO",
        }
    }

    pub fn from_label(label: &str) -> Option<Verdict> {
        match label.trim().to_ascii_uppercase().as_str() {
            "SUPPORTED" | "VERDICT_SUPPORTED" | "SUPPORTS" => Some(Verdict::Supported),
            "REFUTED" | "VERDICT_REFUTED" | "REFUTES" => Some(Verdict::Refuted),
            "NOT_ENOUGH_INFO" | "VERDICT_NOT_ENOUGH_INFO" | "NEI" | "NOT ENOUGH INFO" => {
                Some(Verdict::NotEnoughInfo)
            }
            _ => None,
        }
    }
}

/// How one claim quantity fared against the source.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityCheck {
    pub claim_quantity: Quantity,
    pub source_quantity: Option<Quantity>,
    /// `None` when no source quantity speaks of the same thing.
    pub outcome: Option<Outcome>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub document_id: String,
    pub document_title: String,
    pub sentence_index: u32,
    pub sentence: String,
    pub score: f64,
    pub checks: Vec<QuantityCheck>,
}

/// What a part of a claim came to against the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStatus {
    /// The evidence states it, in the same or other words.
    Supported,
    /// The evidence puts something else in its place: another figure, an
    /// opposite word, another name, a negation the claim lacks.
    Contradicted,
    /// The evidence never states it.
    NotFound,
}

/// One part of a claim (a run of words the evidence states, or the words
/// between two such runs), with where it lines up in the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimPart {
    pub text: String,
    /// UTF-8 byte span in the claim as normalised (NFC, trimmed).
    pub start: u32,
    pub end: u32,
    pub status: PartStatus,
    /// The evidence sentence the part aligns to, when it aligns to one.
    pub source: Option<PartSourceSpan>,
    /// Why the part is contradicted or not found, or how it is stated.
    pub note: String,
}

/// Where a claim part lines up: a sentence and a byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct PartSourceSpan {
    pub document_id: String,
    pub sentence_index: u32,
    /// UTF-8 byte span in that sentence's text.
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerificationResult {
    pub verdict: Verdict,
    pub confidence: f64,
    pub explanation: String,
    pub evidence: Vec<Evidence>,
    pub claim_quantities: Vec<Quantity>,
    pub language: Language,
    /// The claim's parts in claim order, accounted against the evidence
    /// the verdict rests on.
    pub parts: Vec<ClaimPart>,
}

impl VerificationResult {
    /// About the memory the result takes (its size and the bytes of its
    /// texts and lists): what the verdict cache weighs it by.
    pub fn approximate_bytes(&self) -> usize {
        let quantities =
            |list: &[Quantity]| -> usize { list.iter().map(Quantity::approximate_bytes).sum() };
        let checks = |list: &[QuantityCheck]| -> usize {
            list.iter()
                .map(|check| {
                    std::mem::size_of::<QuantityCheck>()
                        + check.claim_quantity.approximate_bytes()
                        + check
                            .source_quantity
                            .as_ref()
                            .map_or(0, Quantity::approximate_bytes)
                        + check.explanation.len()
                })
                .sum()
        };
        let evidence: usize = self
            .evidence
            .iter()
            .map(|evidence| {
                std::mem::size_of::<Evidence>()
                    + evidence.document_id.len()
                    + evidence.document_title.len()
                    + evidence.sentence.len()
                    + checks(&evidence.checks)
            })
            .sum();
        let parts: usize = self
            .parts
            .iter()
            .map(|part| std::mem::size_of::<ClaimPart>() + part.text.len() + part.note.len())
            .sum();
        std::mem::size_of::<VerificationResult>()
            + self.explanation.len()
            + evidence
            + quantities(&self.claim_quantities)
            + parts
    }
}

/// A claim to verify, after validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimInput {
    pub claim: String,
    pub max_evidence: usize,
    /// Only these documents; empty for all.
    pub document_ids: Vec<String>,
    /// Never these documents.
    pub exclude_document_ids: Vec<String>,
    pub language: Option<Language>,
    /// Only documents published in a date range, or with given metadata.
    pub filter: RecordFilter,
}

impl ClaimInput {
    /// A claim checked against every document, its language detected.
    pub fn new(claim: impl Into<String>, max_evidence: usize) -> ClaimInput {
        ClaimInput {
            claim: claim.into(),
            max_evidence,
            document_ids: Vec::new(),
            exclude_document_ids: Vec::new(),
            language: None,
            filter: RecordFilter::default(),
        }
    }

    /// About the memory the claim takes as a cache key.
    pub fn approximate_bytes(&self) -> usize {
        std::mem::size_of::<ClaimInput>()
            + self.claim.len()
            + self
                .document_ids
                .iter()
                .chain(&self.exclude_document_ids)
                .map(|id| std::mem::size_of::<String>() + id.len())
                .sum::<usize>()
            + self.filter.approximate_bytes()
    }
}
