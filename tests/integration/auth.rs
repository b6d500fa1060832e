//! Tokens and scopes against the real server, over gRPC and HTTP; health,
//! reflection and `/healthz` stay open; `/metrics` counts what was asked.

use claimcheck::auth::{token_digest_hex, Access, TokenTable};
use claimcheck::grpc::{connect, pb, serving_status, ClientCredentials};
use claimcheck::service::Limits;
use serde_json::json;
use tonic::Code;

use crate::common::{http_request_as, server_options, TestServer};

const READER: &str = "reader-token-for-tests";
const WRITER: &str = "writer-token-for-tests";

fn access() -> Access {
    let file = format!(
        "{} read desk\n{} read,write ingest-bot\n",
        token_digest_hex(READER),
        token_digest_hex(WRITER)
    );
    Access::Tokens(TokenTable::parse(&file).unwrap())
}

fn token(token: &str) -> ClientCredentials {
    ClientCredentials {
        token: Some(token.to_string()),
        ..Default::default()
    }
}

fn ingest_request() -> pb::IngestDocumentRequest {
    pb::IngestDocumentRequest {
        document_id: "a".into(),
        text: "Hà Nội có 30 quận, huyện.".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn grpc_calls_need_a_token_with_the_methods_scope() {
    let directory = tempfile::tempdir().unwrap();
    let mut server =
        TestServer::start_configured(directory.path(), Limits::default(), access()).await;

    let refused = server
        .client
        .ingest_document(ingest_request())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");

    let mut stranger = connect(&server.url(), &token("not-a-known-token"))
        .await
        .unwrap();
    let refused = stranger
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");

    let mut reader = connect(&server.url(), &token(READER)).await.unwrap();
    let refused = reader.ingest_document(ingest_request()).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert!(refused.message().contains("write"), "{refused:?}");

    let mut writer = connect(&server.url(), &token(WRITER)).await.unwrap();
    writer.ingest_document(ingest_request()).await.unwrap();
    let verdict = reader
        .verify_claim(pb::VerifyClaimRequest {
            claim: "Hà Nội có 30 quận, huyện.".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verdict.verdict(), pb::Verdict::Supported);

    // Health and reflection need no token.
    assert_eq!(
        serving_status(
            &server.url(),
            &ClientCredentials::default(),
            "",
            std::time::Duration::from_secs(5)
        )
        .await
        .unwrap(),
        "SERVING"
    );
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    let channel = tonic::transport::Endpoint::from_shared(server.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    assert!(answers.message().await.unwrap().is_some());
    server.stop().await;
}

/// (method, path, body, authorization, expected HTTP status)
type HttpCase = (
    &'static str,
    &'static str,
    Option<serde_json::Value>,
    Option<String>,
    u16,
);

#[tokio::test]
async fn http_takes_the_same_tokens_and_metrics_count_the_requests() {
    let directory = tempfile::tempdir().unwrap();
    let server = TestServer::start_configured(directory.path(), Limits::default(), access()).await;
    let url = |path: &str| format!("{}{path}", server.http_url());
    let document = json!({"documentId": "a", "text": "Hà Nội có 30 quận, huyện."});
    let bearer = |token: &str| format!("Bearer {token}");

    let cases: &[HttpCase] = &[
        ("POST", "/v1/documents", Some(document.clone()), None, 401),
        (
            "POST",
            "/v1/documents",
            Some(document.clone()),
            Some(bearer(READER)),
            403,
        ),
        (
            "POST",
            "/v1/documents",
            Some(document.clone()),
            Some(bearer(WRITER)),
            200,
        ),
        ("GET", "/v1/stats", None, None, 401),
        ("GET", "/v1/stats", None, Some(bearer(READER)), 200),
        ("GET", "/healthz", None, None, 200),
        ("GET", "/metrics", None, None, 401),
    ];
    for (method, path, body, authorization, expected) in cases {
        let (status, bytes) =
            http_request_as(method, &url(path), body.clone(), authorization.as_deref()).await;
        assert_eq!(
            status,
            *expected,
            "{method} {path} with {authorization:?}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }

    let (status, bytes) =
        http_request_as("GET", &url("/metrics"), None, Some(&bearer(READER))).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).unwrap();
    for line in [
        "claimcheck_requests_total{method=\"IngestDocument\",transport=\"http\",code=\"UNAUTHENTICATED\"} 1",
        "claimcheck_requests_total{method=\"IngestDocument\",transport=\"http\",code=\"PERMISSION_DENIED\"} 1",
        "claimcheck_requests_total{method=\"IngestDocument\",transport=\"http\",code=\"OK\"} 1",
        "claimcheck_requests_total{method=\"GetStats\",transport=\"http\",code=\"OK\"} 1",
        "claimcheck_store_documents 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "{text}");
    server.stop().await;
}

/// With a rate limit, each token has its own budget per second: the
/// request over it is RESOURCE_EXHAUSTED over gRPC and 429 over HTTP,
/// saying when to retry, while another token goes on.
#[tokio::test]
async fn each_token_is_held_to_its_rate() {
    let directory = tempfile::tempdir().unwrap();
    let options = claimcheck::grpc::server::ServerOptions {
        rate_limit_per_second: 2,
        ..server_options(access())
    };
    let server = TestServer::start_with_options(
        directory.path(),
        Limits::default(),
        options,
        &token(READER),
    )
    .await;
    let mut reader = server.client.clone();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(reader.get_stats(pb::GetStatsRequest::default()).await);
    }
    assert!(answers[0].is_ok() && answers[1].is_ok(), "{answers:?}");
    let over = answers[2].as_ref().unwrap_err();
    assert_eq!(over.code(), Code::ResourceExhausted, "{over:?}");
    assert!(over.message().contains("retry in"), "{over:?}");
    let mut writer = connect(&server.url(), &token(WRITER)).await.unwrap();
    assert!(writer
        .get_stats(pb::GetStatsRequest::default())
        .await
        .is_ok());
    let (status, body) = http_request_as(
        "GET",
        &format!("{}/v1/stats", server.http_url()),
        None,
        Some(&format!("Bearer {READER}")),
    )
    .await;
    assert_eq!(status, 429, "{}", String::from_utf8_lossy(&body));
    server.stop().await;
}

/// The access log of the real binary, as JSON lines: one line per call,
/// with the method, the status code and the token's name (also for a
/// known token that lacks the scope), never the token itself.
#[tokio::test]
async fn the_access_log_names_each_call_and_its_caller_never_the_token() {
    let directory = tempfile::tempdir().unwrap();
    let tokens = directory.path().join("tokens.txt");
    std::fs::write(
        &tokens,
        format!(
            "{} read desk\n{} read,write ingest-bot\n",
            token_digest_hex(READER),
            token_digest_hex(WRITER)
        ),
    )
    .unwrap();
    let log_path = directory.path().join("server.log");
    let (server, url) = crate::common::spawn_server_logging(
        &["--log-format", "json"],
        &directory.path().join("data"),
        &["--auth-tokens".as_ref(), tokens.as_os_str()],
        "warn,claimcheck::access=info",
        &log_path,
    );

    let mut reader = connect(&url, &token(READER)).await.unwrap();
    let mut writer = connect(&url, &token(WRITER)).await.unwrap();
    let mut anonymous = connect(&url, &ClientCredentials::default()).await.unwrap();
    reader.get_stats(pb::GetStatsRequest {}).await.unwrap();
    let denied = reader.ingest_document(ingest_request()).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    writer.ingest_document(ingest_request()).await.unwrap();
    let refused = anonymous
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    drop((reader, writer, anonymous));
    crate::common::terminate(server).await;

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains(READER) && !log.contains(WRITER), "{log}");
    let calls: Vec<(String, String, String)> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["target"] == "claimcheck::access")
        .map(|entry| {
            let field = |name: &str| entry["fields"][name].as_str().unwrap_or("").to_string();
            (field("method"), field("code"), field("caller"))
        })
        .collect();
    let expected = [
        ("GetStats", "OK", "desk"),
        ("IngestDocument", "PERMISSION_DENIED", "desk"),
        ("IngestDocument", "OK", "ingest-bot"),
        ("GetStats", "UNAUTHENTICATED", "-"),
    ]
    .map(|(method, code, caller)| (method.to_string(), code.to_string(), caller.to_string()));
    assert_eq!(calls, expected, "{log}");
}
