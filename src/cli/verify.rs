//! `claimcheck verify "CLAIM"` and `claimcheck verify --file claims.jsonl`:
//! one claim through VerifyClaim, or many through the VerifyClaims stream,
//! written as JSON lines in the order the answers arrive.

use std::process::ExitCode;

use anyhow::Context;
use futures_util::StreamExt;

use crate::cli::connect;
use crate::cli::output::{verification_json, verification_text};
use crate::config::VerifyArgs;
use crate::grpc::pb;

pub async fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.connection.server, &args.connection.credentials).await?;
    if let Some(file) = &args.file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let mut requests = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let id_default = format!("line-{}", number + 1);
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            let claim = parsed
                .as_ref()
                .ok()
                .and_then(|v| v.get("claim"))
                .and_then(|v| v.as_str());
            let id = parsed
                .as_ref()
                .ok()
                .and_then(|v| v.get("id"))
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_i64().map(|n| n.to_string()))
                })
                .unwrap_or(id_default);
            match claim {
                Some(claim) => requests.push(pb::VerifyClaimRequest {
                    claim: claim.to_string(),
                    claim_id: id,
                    max_evidence: args.max_evidence,
                    document_ids: args.document_ids.clone(),
                    exclude_document_ids: Vec::new(),
                    language: args.language.clone(),
                    published_after: args.filter.published_after.clone(),
                    published_before: args.filter.published_before.clone(),
                    metadata: args.filter.metadata.iter().cloned().collect(),
                    min_sequence: args.filter.min_sequence,
                }),
                None => println!(
                    "{}",
                    serde_json::json!({"claim_id": id, "error": "line is not JSON with a string field \"claim\""})
                ),
            }
        }
        let expected = requests.len();
        let mut responses = client
            .verify_claims(tokio_stream::iter(requests))
            .await
            .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?
            .into_inner();
        let mut received = 0;
        while let Some(item) = responses.next().await {
            let response = item
                .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?;
            println!("{}", verification_json(&response));
            received += 1;
        }
        if received != expected {
            anyhow::bail!("the stream ended after {received} of {expected} answers");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let request = pb::VerifyClaimRequest {
        claim: args.claim.unwrap_or_default(),
        claim_id: String::new(),
        max_evidence: args.max_evidence,
        document_ids: args.document_ids,
        exclude_document_ids: Vec::new(),
        language: args.language,
        published_after: args.filter.published_after,
        published_before: args.filter.published_before,
        metadata: args.filter.metadata.into_iter().collect(),
        min_sequence: args.filter.min_sequence,
    };
    let response = match client.verify_claim(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            eprintln!("error: {:?}: {}", status.code(), status.message());
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verification_json(&response))?
        );
    } else {
        print!("{}", verification_text(&response));
    }
    Ok(ExitCode::SUCCESS)
}
