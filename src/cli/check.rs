//! `claimcheck check FILE|-`: checks every claim of a draft through
//! CheckDraft and prints the draft with each claim marked (colour on a
//! terminal, plain markers otherwise), what the sources say against each
//! contradicted claim, and a summary; `--json` prints the response in the
//! proto3 JSON mapping. The exit code gates a publishing pipeline: 0 when
//! nothing is contradicted, 1 when something is, 2 on any error.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::connect;
use crate::config::CheckArgs;
use crate::grpc::pb;

/// Exit codes.
const NOTHING_CONTRADICTED: u8 = 0;
const SOMETHING_CONTRADICTED: u8 = 1;
const FAILED: u8 = 2;

pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    match check(args).await {
        Ok(code) => Ok(ExitCode::from(code)),
        Err(error) => {
            eprintln!("error: {error:#}");
            Ok(ExitCode::from(FAILED))
        }
    }
}

async fn check(args: CheckArgs) -> anyhow::Result<u8> {
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the draft from standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let mut client = connect(&args.connection.server, &args.connection.credentials).await?;
    let response = client
        .check_draft(pb::CheckDraftRequest {
            text: text.clone(),
            language: args.language,
            document_ids: args.document_ids,
            exclude_document_ids: args.exclude_document_ids,
            max_claims: 0,
            max_evidence: 0,
            published_after: args.filter.published_after,
            published_before: args.filter.published_before,
            metadata: args.filter.metadata.into_iter().collect(),
            min_sequence: args.filter.min_sequence,
        })
        .await
        .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?
        .into_inner();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        let style = if std::io::stdout().is_terminal() {
            Style::Colour
        } else {
            Style::Plain
        };
        print!("{}", marked_draft(&text, &response, style));
    }
    let contradicted = response
        .summary
        .as_ref()
        .is_some_and(|summary| summary.refuted_count > 0);
    Ok(if contradicted {
        SOMETHING_CONTRADICTED
    } else {
        NOTHING_CONTRADICTED
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// ANSI background colours, for a person at a terminal.
    Colour,
    /// `[+ …]` supported, `[! …]` contradicted, `[? …]` not found.
    Plain,
}

fn verdict_of(claim: &pb::DraftClaim) -> pb::Verdict {
    claim
        .result
        .as_ref()
        .map_or(pb::Verdict::Unspecified, |result| result.verdict())
}

/// The draft with its claims marked, each contradicted claim's explanation,
/// and the summary.
pub fn marked_draft(text: &str, response: &pb::CheckDraftResponse, style: Style) -> String {
    let mut out = String::new();
    let mut at = 0;
    for claim in &response.claims {
        let (start, end) = (claim.start as usize, claim.end as usize);
        let (Some(before), Some(sentence)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        out.push_str(before);
        let (open, close) = match (style, verdict_of(claim)) {
            (Style::Colour, pb::Verdict::Supported) => ("\x1b[42;30m", "\x1b[0m"),
            (Style::Colour, pb::Verdict::Refuted) => ("\x1b[41;97m", "\x1b[0m"),
            (Style::Colour, _) => ("\x1b[43;30m", "\x1b[0m"),
            (Style::Plain, pb::Verdict::Supported) => ("[+ ", "]"),
            (Style::Plain, pb::Verdict::Refuted) => ("[! ", "]"),
            (Style::Plain, _) => ("[? ", "]"),
        };
        out.push_str(open);
        out.push_str(sentence);
        out.push_str(close);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let refuted: Vec<&pb::DraftClaim> = response
        .claims
        .iter()
        .filter(|claim| verdict_of(claim) == pb::Verdict::Refuted)
        .collect();
    if !refuted.is_empty() {
        out.push_str("\nContradicted:\n");
        for claim in refuted {
            let sentence = text
                .get(claim.start as usize..claim.end as usize)
                .unwrap_or_default();
            let explanation = claim
                .result
                .as_ref()
                .map(|result| result.explanation.as_str())
                .unwrap_or_default();
            out.push_str(&format!("- {sentence}\n  {explanation}\n"));
        }
    }
    if let Some(summary) = &response.summary {
        out.push_str(&format!(
            "\n{} claims checked of {} sentences: {} supported, {} contradicted, {} not found in the sources",
            summary.claim_count,
            summary.sentence_count,
            summary.supported_count,
            summary.refuted_count,
            summary.not_enough_info_count
        ));
        if !summary.self_document_ids.is_empty() {
            out.push_str(&format!(
                " (left out the stored copy of this draft: {})",
                summary.self_document_ids.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(start: u32, end: u32, verdict: pb::Verdict, explanation: &str) -> pb::DraftClaim {
        pb::DraftClaim {
            start,
            end,
            result: Some(pb::VerifyClaimResponse {
                verdict: verdict as i32,
                explanation: explanation.into(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn claims_are_marked_in_place_and_contradictions_listed() {
        let text = "Tiêu đề\n\nHà Nội có 30 quận. Hà Nội có 31 phường. Trời đẹp.";
        let first = text.find("Hà Nội có 30").unwrap() as u32;
        let second = text.find("Hà Nội có 31").unwrap() as u32;
        let response = pb::CheckDraftResponse {
            claims: vec![
                claim(
                    first,
                    first + "Hà Nội có 30 quận.".len() as u32,
                    pb::Verdict::Supported,
                    "",
                ),
                claim(
                    second,
                    second + "Hà Nội có 31 phường.".len() as u32,
                    pb::Verdict::Refuted,
                    "the source says 30",
                ),
            ],
            summary: Some(pb::DraftSummary {
                sentence_count: 4,
                claim_count: 2,
                supported_count: 1,
                refuted_count: 1,
                ..Default::default()
            }),
        };
        let plain = marked_draft(text, &response, Style::Plain);
        assert!(
            plain.starts_with(
                "Tiêu đề\n\n[+ Hà Nội có 30 quận.] [! Hà Nội có 31 phường.] Trời đẹp.\n"
            ),
            "{plain}"
        );
        assert!(
            plain.contains("- Hà Nội có 31 phường.\n  the source says 30\n"),
            "{plain}"
        );
        assert!(plain.contains("2 claims checked of 4 sentences: 1 supported, 1 contradicted"));
        let colour = marked_draft(text, &response, Style::Colour);
        assert!(
            colour.contains("\x1b[41;97mHà Nội có 31 phường.\x1b[0m"),
            "{colour}"
        );
    }
}
