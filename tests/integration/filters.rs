//! Filters by publication day and metadata against the real server: a
//! check cites only the documents the filter allows, before and after a
//! restart, and listing takes the same filters; a `published_at` that is
//! not an ISO date and a filter that is not one are refused naming the
//! field.

use std::collections::HashMap;

use claimcheck::grpc::pb;
use tonic::Code;

use crate::common::TestServer;

/// (id, published_at, outlet, text): the same district's figure as two
/// outlets reported it a month apart.
const REPORTS: &[(&str, &str, &str, &str)] = &[
    (
        "march",
        "2024-03-01",
        "alpha",
        "Tinh giản\nNăm 2023, huyện Hải Hà đã giảm 22 biên chế so với năm trước.",
    ),
    (
        "april",
        "2024-04-02T08:30:00+07:00",
        "beta",
        "Tinh giản\nNăm 2023, huyện Hải Hà đã giảm 30 biên chế so với năm trước.",
    ),
];

const CLAIM: &str = "Năm 2023, huyện Hải Hà đã giảm 22 biên chế so với năm trước.";

async fn ingest_reports(server: &mut TestServer) {
    for (id, published_at, outlet, text) in REPORTS {
        server
            .client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: id.to_string(),
                text: text.to_string(),
                published_at: published_at.to_string(),
                metadata: HashMap::from([("outlet".to_string(), outlet.to_string())]),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

fn filtered(after: &str, before: &str, outlet: Option<&str>) -> pb::VerifyClaimRequest {
    pb::VerifyClaimRequest {
        claim: CLAIM.into(),
        published_after: after.into(),
        published_before: before.into(),
        metadata: outlet
            .map(|name| HashMap::from([("outlet".to_string(), name.to_string())]))
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// (after, before, outlet, verdict, the only document cited)
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    pb::Verdict,
    Option<&'static str>,
);

const CASES: &[Case] = &[
    (
        "",
        "2024-03-15",
        None,
        pb::Verdict::Supported,
        Some("march"),
    ),
    ("2024-03-15", "", None, pb::Verdict::Refuted, Some("april")),
    (
        "2024-04-02",
        "2024-04-02",
        None,
        pb::Verdict::Refuted,
        Some("april"),
    ),
    ("", "", Some("alpha"), pb::Verdict::Supported, Some("march")),
    ("", "", Some("beta"), pb::Verdict::Refuted, Some("april")),
    ("2025-01-01", "", None, pb::Verdict::NotEnoughInfo, None),
    ("", "", Some("gamma"), pb::Verdict::NotEnoughInfo, None),
];

async fn check_cases(server: &mut TestServer) {
    for (after, before, outlet, verdict, cited) in CASES {
        let response = server
            .client
            .verify_claim(filtered(after, before, *outlet))
            .await
            .unwrap()
            .into_inner();
        let case = format!("after {after:?}, before {before:?}, outlet {outlet:?}");
        assert_eq!(
            response.verdict(),
            *verdict,
            "{case}: {}",
            response.explanation
        );
        let documents: Vec<&str> = response
            .evidence
            .iter()
            .map(|evidence| evidence.document_id.as_str())
            .collect();
        match cited {
            Some(id) => assert!(
                !documents.is_empty() && documents.iter().all(|d| d == id),
                "{case}: {documents:?}"
            ),
            None => assert!(documents.is_empty(), "{case}: {documents:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_cite_only_the_documents_the_filter_allows_before_and_after_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(directory.path()).await;
    ingest_reports(&mut server).await;
    check_cases(&mut server).await;
    // Unfiltered, the check sees both reports.
    let both = server.verify(CLAIM).await;
    assert!(both.evidence.iter().any(|e| e.document_id == "march"));
    // A draft takes the same filter.
    let draft = server
        .client
        .check_draft(pb::CheckDraftRequest {
            text: CLAIM.into(),
            published_after: "2024-03-15".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let result = draft.claims[0].result.as_ref().unwrap();
    assert_eq!(
        result.verdict(),
        pb::Verdict::Refuted,
        "{}",
        result.explanation
    );
    server.stop().await;

    let mut server = TestServer::start(directory.path()).await;
    check_cases(&mut server).await;
    // A replaced document is filtered by its new record.
    server
        .client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: "march".into(),
            text: REPORTS[0].3.into(),
            published_at: "2023-12-31".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let response = server
        .client
        .verify_claim(filtered("2024-01-01", "2024-03-15", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        response.verdict(),
        pb::Verdict::NotEnoughInfo,
        "{}",
        response.explanation
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_takes_the_same_filters_over_grpc_and_http() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(directory.path()).await;
    ingest_reports(&mut server).await;
    let listed = |after: &str, outlet: Option<&str>| pb::ListDocumentsRequest {
        published_after: after.into(),
        metadata: outlet
            .map(|name| HashMap::from([("outlet".to_string(), name.to_string())]))
            .unwrap_or_default(),
        ..Default::default()
    };
    let cases = [
        ("", None, vec!["april", "march"]),
        ("2024-03-15", None, vec!["april"]),
        ("", Some("alpha"), vec!["march"]),
        ("2024-03-15", Some("alpha"), vec![]),
    ];
    for (after, outlet, expected) in cases {
        let page = server
            .client
            .list_documents(listed(after, outlet))
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<&str> = page
            .documents
            .iter()
            .map(|d| d.document_id.as_str())
            .collect();
        assert_eq!(ids, expected, "after {after:?}, outlet {outlet:?}");
        assert!(page.next_page_token.is_empty());
    }
    let (status, body) = server
        .http("GET", "/v1/documents?publishedBefore=2024-03-15", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["documents"][0]["documentId"], "march", "{body}");
    assert_eq!(
        body["documents"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    let (status, body) = server
        .http("GET", "/v1/documents?publishedBefore=15/03/2024", None)
        .await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_that_are_not_iso_are_refused_naming_the_field() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(directory.path()).await;
    for published_at in ["05/03/2024", "2024-02-30", "hôm qua"] {
        let status = server
            .client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: "d".into(),
                text: REPORTS[0].3.into(),
                published_at: published_at.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{published_at}");
        assert!(
            status.message().contains("published_at"),
            "{}",
            status.message()
        );
    }
    let cases = [
        ("2024-3-5", "", "published_after"),
        ("", "2024-03-05T00:00:00Z", "published_before"),
        ("2024-04-01", "2024-03-01", "published_after"),
    ];
    for (after, before, field) in cases {
        let status = server
            .client
            .verify_claim(filtered(after, before, None))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{after} {before}");
        assert!(status.message().contains(field), "{}", status.message());
    }
    assert_eq!(server.stats().await.document_count, 0);
    server.stop().await;
}
