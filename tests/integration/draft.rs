//! Checking a whole draft: CheckDraft and CheckDraftStream over gRPC, the
//! same over JSON/HTTP, the README's curl examples run as written, and the
//! web page driven in headless Chromium.

use std::path::Path;

use claimcheck::grpc::pb;
use serde_json::json;

use crate::common::TestServer;

/// A draft made of the test article `an-lac.txt`: a heading, two sentences
/// as the article says them, two with a figure changed (51 → 57 and
/// 91,6% → 81,6%), one about something no article speaks of, and a
/// question.
const HEADING: &str = "An Lạc tinh gọn bộ máy";
const STATED: [&str; 2] = [
    "Huyện đã giải thể 3 ban quản lý dự án, hợp nhất 2 trung tâm dịch vụ và giảm 9 đầu mối trực thuộc UBND huyện.",
    "Toàn huyện đã giảm 1.326 người hưởng lương từ ngân sách, vượt 4% so với kế hoạch của tỉnh.",
];
const CHANGED: [(&str, &str); 2] = [
    (
        "Đến nay, huyện An Lạc đã giảm 57 cán bộ, công chức cấp xã so với năm 2015.",
        "57",
    ),
    (
        "Mức độ hài lòng của người dân với các cơ quan hành chính của huyện đạt 81,6%, tăng 7,2 điểm phần trăm so với năm 2016.",
        "81,6",
    ),
];
const UNRELATED: &str =
    "Câu lạc bộ bóng đá Hải Phòng đã thắng 3 trận liên tiếp tại V-League mùa này.";
const QUESTION: &str = "Bạn nghĩ sao về điều này?";

fn draft() -> String {
    format!(
        "{HEADING}\n\n{} {} {}\n\n{} {UNRELATED} {QUESTION}\n",
        STATED[0], STATED[1], CHANGED[0].0, CHANGED[1].0
    )
}

/// (sentence, verdict) in draft order: what the draft's claims must get.
fn expected() -> Vec<(&'static str, pb::Verdict)> {
    vec![
        (STATED[0], pb::Verdict::Supported),
        (STATED[1], pb::Verdict::Supported),
        (CHANGED[0].0, pb::Verdict::Refuted),
        (CHANGED[1].0, pb::Verdict::Refuted),
        (UNRELATED, pb::Verdict::NotEnoughInfo),
    ]
}

fn request(text: &str) -> pb::CheckDraftRequest {
    pb::CheckDraftRequest {
        text: text.into(),
        ..Default::default()
    }
}

async fn server_with_corpus(directory: &Path) -> TestServer {
    let mut server = TestServer::start(directory).await;
    server.ingest_corpus().await;
    server
}

/// The verdict and span of each claim, and the summary's counts.
fn assert_checks_the_draft(text: &str, response: &pb::CheckDraftResponse) {
    let found: Vec<(&str, pb::Verdict)> = response
        .claims
        .iter()
        .map(|claim| {
            let result = claim.result.as_ref().expect("a result per claim");
            (
                &text[claim.start as usize..claim.end as usize],
                result.verdict(),
            )
        })
        .collect();
    assert_eq!(found, expected());
    for (position, claim) in response.claims.iter().enumerate() {
        assert_eq!(
            claim.result.as_ref().unwrap().claim_id,
            position.to_string()
        );
    }
    let summary = response.summary.as_ref().expect("a summary");
    assert_eq!(
        (
            summary.sentence_count,
            summary.claim_count,
            summary.supported_count,
            summary.refuted_count,
            summary.not_enough_info_count
        ),
        (7, 5, 2, 2, 1),
        "the heading and the question are sentences, not claims"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_gets_each_claim_checked_in_order_with_its_span() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = server_with_corpus(directory.path()).await;
    let text = draft();
    let response = server
        .client
        .check_draft(request(&text))
        .await
        .expect("the draft is checked")
        .into_inner();
    assert_checks_the_draft(&text, &response);
    assert!(response.summary.unwrap().self_document_ids.is_empty());
    // The changed figure is the part contradicted, and the source's
    // figure is given.
    for ((sentence, figure), claim) in CHANGED.iter().zip(&response.claims[2..4]) {
        let result = claim.result.as_ref().unwrap();
        let contradicted: Vec<&str> = result
            .parts
            .iter()
            .filter(|part| part.status() == pb::PartStatus::Contradicted)
            .map(|part| &sentence[part.start as usize..part.end as usize])
            .collect();
        assert!(
            contradicted.iter().any(|part| part.contains(figure)),
            "{sentence}: contradicted parts {contradicted:?}"
        );
        assert_eq!(result.evidence[0].document_id, "an-lac.txt");
    }

    // The stream answers the same claims, in order, then the summary.
    let mut stream = server
        .client
        .check_draft_stream(request(&text))
        .await
        .expect("the stream starts")
        .into_inner();
    let mut streamed = pb::CheckDraftResponse::default();
    while let Some(message) = stream.message().await.expect("a message") {
        match (message.claim, message.summary) {
            (Some(claim), None) => {
                assert!(streamed.summary.is_none(), "a claim after the summary");
                streamed.claims.push(claim);
            }
            (None, Some(summary)) => streamed.summary = Some(summary),
            other => panic!("a message must carry a claim or the summary: {other:?}"),
        }
    }
    assert_checks_the_draft(&text, &streamed);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_copy_of_the_draft_does_not_confirm_it() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = server_with_corpus(directory.path()).await;
    let text = draft();
    server.ingest("draft-copy", &text).await;
    let response = server
        .client
        .check_draft(request(&text))
        .await
        .expect("the draft is checked")
        .into_inner();
    assert_checks_the_draft(&text, &response);
    assert_eq!(
        response.summary.as_ref().unwrap().self_document_ids,
        vec!["draft-copy".to_string()]
    );
    for claim in &response.claims {
        let result = claim.result.as_ref().unwrap();
        assert!(
            result
                .evidence
                .iter()
                .all(|e| e.document_id != "draft-copy"),
            "the draft's own copy is evidence: {}",
            result.explanation
        );
    }
    // Left out by id too, on VerifyClaim: without the article, the changed
    // figure has nothing to contradict it.
    let claim = server
        .client
        .verify_claim(pb::VerifyClaimRequest {
            claim: CHANGED[0].0.into(),
            exclude_document_ids: vec!["an-lac.txt".into(), "draft-copy".into()],
            ..Default::default()
        })
        .await
        .expect("verified")
        .into_inner();
    assert!(claim
        .evidence
        .iter()
        .all(|e| e.document_id != "an-lac.txt" && e.document_id != "draft-copy"));
    assert_ne!(
        claim.verdict(),
        pb::Verdict::Refuted,
        "{}",
        claim.explanation
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draft_limits_are_invalid_argument_naming_the_field() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = server_with_corpus(directory.path()).await;
    let cases: Vec<(pb::CheckDraftRequest, &str)> = vec![
        (request(""), "text"),
        (request(&"Hà Nội có 5 quận. ".repeat(20_000)), "text"),
        (
            pb::CheckDraftRequest {
                max_claims: 2,
                ..request(&draft())
            },
            "max_claims",
        ),
        (
            pb::CheckDraftRequest {
                max_claims: 501,
                ..request(&draft())
            },
            "max_claims",
        ),
        (
            pb::CheckDraftRequest {
                max_evidence: 51,
                ..request(&draft())
            },
            "max_evidence",
        ),
        (
            pb::CheckDraftRequest {
                exclude_document_ids: vec![String::new()],
                ..request(&draft())
            },
            "exclude_document_ids",
        ),
    ];
    for (request, field) in cases {
        let status = server
            .client
            .check_draft(request)
            .await
            .expect_err("refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains(field), "{field}: {status:?}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_answers_as_grpc_does_in_proto3_json() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = server_with_corpus(directory.path()).await;
    let text = draft();

    let (status, body) = server
        .http("POST", "/v1/drafts:check", Some(json!({"text": text})))
        .await;
    assert_eq!(status, 200, "{body}");
    let over_http: pb::CheckDraftResponse =
        serde_json::from_value(body.clone()).expect("proto3 JSON of CheckDraftResponse");
    assert_checks_the_draft(&text, &over_http);
    // Names in lowerCamelCase, enums by name.
    assert_eq!(body["claims"][2]["result"]["verdict"], "VERDICT_REFUTED");
    assert_eq!(body["summary"]["refutedCount"], 2);
    // Every field is written, zeros and empty lists included.
    assert_eq!(body["summary"]["selfDocumentIds"], json!([]));
    let (status, body) = server
        .http("POST", "/v1/drafts:check", Some(json!({"text": STATED[0]})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["claims"][0]["start"], 0, "{body}");
    assert_eq!(body["summary"]["refutedCount"], 0, "{body}");

    let claim = CHANGED[0].0;
    let grpc = server.verify(claim).await;
    let (status, body) = server
        .http("POST", "/v1/claims:verify", Some(json!({"claim": claim})))
        .await;
    assert_eq!(status, 200, "{body}");
    let over_http: pb::VerifyClaimResponse = serde_json::from_value(body).unwrap();
    assert_eq!(over_http, grpc);

    // Documents: store one with a slash in its id, read, list, delete.
    let (status, body) = server
        .http(
            "POST",
            "/v1/documents",
            Some(json!({"documentId": "desk/1", "text": "Hà Nội có 30 quận, huyện."})),
        )
        .await;
    assert_eq!(
        (status, &body["documentId"]),
        (200, &json!("desk/1")),
        "{body}"
    );
    let (status, body) = server.http("GET", "/v1/documents/desk/1", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["document"]["sentences"][0]["quantities"][0]["value"],
        30.0
    );
    let (status, body) = server.http("GET", "/v1/documents?pageSize=2", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(2));
    assert!(body["nextPageToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let (status, body) = server.http("DELETE", "/v1/documents/desk/1", None).await;
    assert_eq!((status, &body["sentenceCount"]), (200, &json!(1)), "{body}");
    let (status, body) = server.http("GET", "/v1/stats", None).await;
    assert_eq!(
        (status, &body["documentCount"]),
        (200, &json!("5")),
        "{body}"
    );
    let (status, body) = server.http("GET", "/healthz", None).await;
    assert_eq!((status, &body["status"]), (200, &json!("SERVING")));

    // Errors: the gRPC code by name, the message, the matching HTTP status.
    let errors: Vec<(&str, &str, Option<serde_json::Value>, u16, &str)> = vec![
        (
            "POST",
            "/v1/claims:verify",
            Some(json!({"claim": ""})),
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/v1/claims:verify",
            Some(json!({"claim": 5})),
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/v1/drafts:check",
            Some(json!({"text": text, "maxClaims": 1})),
            400,
            "INVALID_ARGUMENT",
        ),
        ("GET", "/v1/documents/absent", None, 404, "NOT_FOUND"),
        ("DELETE", "/v1/documents/absent", None, 404, "NOT_FOUND"),
        (
            "GET",
            "/v1/documents?pageSize=x",
            None,
            400,
            "INVALID_ARGUMENT",
        ),
        ("GET", "/v1/no-such-route", None, 404, "NOT_FOUND"),
        ("PUT", "/v1/stats", None, 405, "UNIMPLEMENTED"),
    ];
    for (method, path, request, http_status, code) in errors {
        let (status, body) = server.http(method, path, request).await;
        assert_eq!(status, http_status, "{method} {path}: {body}");
        assert_eq!(body["error"]["status"], code, "{method} {path}: {body}");
        assert_eq!(
            body["error"]["code"], http_status,
            "{method} {path}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }

    let (status, page) = crate::common::http_request("GET", &server.http_url(), None).await;
    let page = String::from_utf8_lossy(&page);
    assert_eq!(status, 200);
    assert!(page.contains("<title>claimcheck</title>") && page.contains("/v1/drafts:check"));
    server.stop().await;
}

/// The README's curl examples, run as written against a server on the
/// documented port's stand-in: each must exit 0 and print JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_curl_examples_run_as_written() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        crate::common::report_skip(
            "the_readme_curl_examples_run_as_written",
            "curl is not installed",
        );
        return;
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let examples: Vec<String> = readme
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("curl "))
        .map(str::to_string)
        .collect();
    assert!(
        examples.len() >= 8,
        "the README shows a curl example per endpoint: {examples:?}"
    );
    let directory = tempfile::tempdir().unwrap();
    let server = server_with_corpus(directory.path()).await;
    let base = server.http_url();
    for example in &examples {
        let command = example.replace("http://127.0.0.1:8080", &base);
        let output = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} --fail-with-body --silent --show-error"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .await
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{example}\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let is_json = serde_json::from_str::<serde_json::Value>(&stdout).is_ok();
        assert!(is_json || stdout.contains("<html"), "{example}: {stdout}");
    }
    server.stop().await;
}

/// The page in a real browser (Playwright driving Debian's Chromium): the
/// script pastes the draft, presses Check, and asserts the marks, the
/// contradicted figure and the evidence on click; the screenshot is left
/// at `target/page-check.png`. Skipped with a printed line when Python's
/// Playwright or Chromium is missing, unless CLAIMCHECK_BROWSER_TESTS=require
/// (CI sets it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_marks_the_draft_in_a_real_browser() {
    let required = std::env::var("CLAIMCHECK_BROWSER_TESTS").as_deref() == Ok("require");
    let directory = tempfile::tempdir().unwrap();
    let server = server_with_corpus(directory.path()).await;
    let draft_file = directory.path().join("draft.txt");
    std::fs::write(&draft_file, draft()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let screenshot = root.join("target/page-check.png");
    let output = tokio::process::Command::new("python3")
        .arg(root.join("tests/browser/check_page.py"))
        .arg("--url")
        .arg(server.http_url())
        .arg("--draft")
        .arg(&draft_file)
        .arg("--figure")
        .arg(CHANGED[0].1)
        .arg("--screenshot")
        .arg(&screenshot)
        .output()
        .await;
    server.stop().await;
    let output = match output {
        Ok(output) => output,
        Err(error) if !required => {
            crate::common::report_skip(
                "the_page_marks_the_draft_in_a_real_browser",
                format_args!("python3: {error}"),
            );
            return;
        }
        Err(error) => panic!("python3 cannot run: {error}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) && !required {
        crate::common::report_skip("the_page_marks_the_draft_in_a_real_browser", &stderr);
        return;
    }
    assert!(output.status.success(), "the page failed: {stderr}");
    assert!(screenshot.exists());
}
