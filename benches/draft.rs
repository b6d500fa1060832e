//! Whole-draft checking in process: drafts of about 1,000 words holding
//! about 30 claims (figures stated as the sources say them, changed, or
//! about places no source names, between sentences with nothing to
//! check), against a store of about 100,000 sentences. Each draft is
//! checked once through `Service::check_draft` (reading the draft, looking
//! for a stored copy of it, checking its claims one per core at a time),
//! with no verdict cache, as a fresh draft is. Prints the median and p90
//! per draft and the median per claim.
//!
//! Reproduce: `cargo bench --bench draft` (or
//! `CLAIMCHECK_BENCH_DRAFT_SENTENCES=1000000 cargo bench --bench draft`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use claimcheck::engine::CacheSizes;
use claimcheck::service::{DocumentRequest, DraftRequest, Limits, Service};
/// The draft benchmark uses the templated articles only.
#[path = "../src/bin/claimcheck-load/synth.rs"]
#[allow(dead_code)]
mod synth;

use synth::{article, unknown_place_claim, LabelledFact, Random};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SENTENCES_PER_ARTICLE: usize = 25;
const CLAIMS_PER_DRAFT: usize = 30;
const DRAFTS: usize = 25;
/// Sentences with nothing to check, between the claims, so that a draft
/// reads like an article and runs to about 1,000 words.
const FILLER: &[&str] = &[
    "Đây là một bước đi được nhiều người quan tâm trong thời gian qua.",
    "Nhiều ý kiến cho rằng cần thêm thời gian để đánh giá đầy đủ.",
    "Việc này được kỳ vọng sẽ mang lại thay đổi tích cực cho người dân.",
    "Các bên liên quan đã có nhiều cuộc trao đổi về vấn đề này.",
];

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
}

fn draft_of(claims: &[LabelledFact]) -> String {
    let mut text = String::from("Tin tổng hợp\n\n");
    for (position, claim) in claims.iter().enumerate() {
        text.push_str(&claim.claim);
        text.push(' ');
        text.push_str(FILLER[position % FILLER.len()]);
        text.push(' ');
        text.push_str(FILLER[(position + 1) % FILLER.len()]);
        text.push_str(if position % 4 == 3 { "\n\n" } else { " " });
    }
    text
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let target: usize = std::env::var("CLAIMCHECK_BENCH_DRAFT_SENTENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let directory = tempfile::tempdir().expect("temporary directory");
    let caches = CacheSizes {
        verdict_bytes: 0,
        ..CacheSizes::default()
    };
    let service =
        Arc::new(Service::open(directory.path(), caches, Limits::default()).expect("store opens"));
    let mut facts = Vec::new();
    let (mut sentences, mut index) = (0usize, 0u64);
    while sentences < target {
        let (generated, claims) = article(42, index, SENTENCES_PER_ARTICLE);
        index += 1;
        let stored = service
            .ingest_unflushed(DocumentRequest {
                document_id: generated.document_id,
                text: generated.text,
                ..Default::default()
            })
            .await
            .expect("stored");
        sentences += stored.sentence_count as usize;
        if index.is_multiple_of(7) {
            facts.extend(claims);
        }
    }
    service.flush().await.expect("flushed");
    let mut random = Random::new(11);
    let mut drafts = Vec::new();
    for chunk in facts.chunks(CLAIMS_PER_DRAFT - 5).take(DRAFTS) {
        let mut claims = chunk.to_vec();
        claims.extend((0..5).map(|_| unknown_place_claim(&mut random)));
        drafts.push(draft_of(&claims));
    }
    let mut per_draft = Vec::new();
    let mut per_claim = Vec::new();
    let (mut words, mut claim_total) = (0usize, 0usize);
    for text in &drafts {
        words += text.split_whitespace().count();
        let started = Instant::now();
        let report = service
            .check_draft(DraftRequest {
                text: text.clone(),
                ..Default::default()
            })
            .await
            .expect("checked");
        let elapsed = started.elapsed();
        per_draft.push(elapsed);
        claim_total += report.claims.len();
        per_claim.push(elapsed / report.claims.len().max(1) as u32);
    }
    per_draft.sort();
    per_claim.sort();
    println!(
        "whole-draft check, in process, {} drafts of about {} words and {} claims, against {sentences} stored sentences, {} cores",
        drafts.len(),
        words / drafts.len(),
        claim_total / drafts.len(),
        claimcheck::service::cores(),
    );
    println!(
        "per draft: median {:.1} ms, p90 {:.1} ms; per claim: median {:.2} ms",
        percentile(&per_draft, 0.5).as_secs_f64() * 1e3,
        percentile(&per_draft, 0.9).as_secs_f64() * 1e3,
        percentile(&per_claim, 0.5).as_secs_f64() * 1e3,
    );
    println!("reproduce: CLAIMCHECK_BENCH_DRAFT_SENTENCES={target} cargo bench --bench draft");
}
