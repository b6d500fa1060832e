//! `claimcheck eval --claims FILE (--corpus DIR | --server URL)`: runs
//! labelled claims against a fresh temporary store loaded from a corpus
//! folder, or against a running service, and prints the scores.

use std::process::ExitCode;

use anyhow::Context;
use futures_util::StreamExt;

use crate::cli::connect;
use crate::cli::ingest::collect_files;
use crate::config::{ClientCredentials, EvalArgs};
use crate::engine::CacheSizes;
use crate::eval::{parse_claims, render, score, LabelledClaim, Prediction};
use crate::grpc::{convert, pb};
use crate::service::{ClaimRequest, DocumentRequest, Limits, Service};

/// Loads `corpus` into a temporary store and verifies every claim there.
pub async fn predict_in_process(
    corpus: &std::path::Path,
    claims: &[LabelledClaim],
) -> anyhow::Result<Vec<Prediction>> {
    let directory = tempfile::tempdir().context("cannot create a temporary store")?;
    let service = Service::open(directory.path(), CacheSizes::default(), Limits::default())?;
    for file in collect_files(&[corpus.to_path_buf()], false)?.files {
        let path = file.path;
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let request = DocumentRequest {
            document_id: file.document_id,
            text,
            ..Default::default()
        };
        service
            .ingest_unflushed(request)
            .await
            .with_context(|| format!("cannot ingest {}", path.display()))?;
    }
    service.flush().await?;
    predict_with(&service, claims).await
}

/// Verifies every claim with `service`, in order.
pub async fn predict_with(
    service: &Service,
    claims: &[LabelledClaim],
) -> anyhow::Result<Vec<Prediction>> {
    let mut predictions = Vec::with_capacity(claims.len());
    for claim in claims {
        let result = service
            .verify(ClaimRequest {
                claim: claim.claim.clone(),
                ..Default::default()
            })
            .await?;
        predictions.push(Prediction {
            id: claim.id.clone(),
            verdict: result.verdict,
            first_evidence_document: result.evidence.first().map(|e| e.document_id.clone()),
            explanation: result.explanation.clone(),
            confidence: result.confidence,
            has_figures: !result.claim_quantities.is_empty(),
        });
    }
    Ok(predictions)
}

async fn predict_remote(
    server: &str,
    credentials: &ClientCredentials,
    claims: &[LabelledClaim],
) -> anyhow::Result<Vec<Prediction>> {
    let mut client = connect(server, credentials).await?;
    let requests: Vec<pb::VerifyClaimRequest> = claims
        .iter()
        .enumerate()
        .map(|(index, claim)| pb::VerifyClaimRequest {
            claim: claim.claim.clone(),
            claim_id: index.to_string(),
            ..Default::default()
        })
        .collect();
    let mut stream = client
        .verify_claims(tokio_stream::iter(requests))
        .await
        .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?
        .into_inner();
    let mut slots: Vec<Option<Prediction>> = vec![None; claims.len()];
    while let Some(item) = stream.next().await {
        let response =
            item.map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?;
        let Some(index) = response
            .claim_id
            .parse::<usize>()
            .ok()
            .filter(|i| *i < claims.len())
        else {
            continue;
        };
        if !response.error.is_empty() {
            anyhow::bail!(
                "claim {} was rejected: {}",
                claims[index].id,
                response.error
            );
        }
        let verdict =
            convert::verdict_from_pb(response.verdict).context("the server sent no verdict")?;
        slots[index] = Some(Prediction {
            id: claims[index].id.clone(),
            verdict,
            first_evidence_document: response.evidence.first().map(|e| e.document_id.clone()),
            explanation: response.explanation,
            confidence: response.confidence,
            has_figures: !response.claim_quantities.is_empty(),
        });
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.with_context(|| format!("no answer for claim {}", claims[index].id))
        })
        .collect()
}

pub async fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.claims)
        .with_context(|| format!("cannot read {}", args.claims.display()))?;
    let claims = parse_claims(&text)?;
    let predictions = match (&args.corpus, &args.server) {
        (Some(corpus), _) => predict_in_process(corpus, &claims).await?,
        (None, Some(server)) => predict_remote(server, &args.credentials, &claims).await?,
        (None, None) => anyhow::bail!("give --corpus DIR or --server URL"),
    };
    let report = score(&claims, &predictions);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if let Some(least) = args.min_macro_f1 {
        if report.macro_f1 < least {
            eprintln!(
                "macro-F1 {:.3} is below --min-macro-f1 {least}",
                report.macro_f1
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
