//! The HTTP edge: the only module that touches axum. It serves the same
//! methods as the gRPC service as JSON (the proto3 JSON mapping of the same
//! messages: lowerCamelCase names, enums by name, 64-bit integers as
//! strings), the page at `/`, and `/healthz`, on a port of its own.
//!
//! Each route decodes its JSON into the generated request message and calls
//! the same `FactCheck` adapter the gRPC server runs, so both transports
//! share validation, limits, conversions and the one status mapping; a
//! failure comes back as `{"error": {"code", "status", "message"}}` with the
//! HTTP status that matches the gRPC code (see [`status`]). axum shares the
//! tokio runtime and hyper stack tonic already runs on.

mod page;
pub mod status;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tonic::Status;

use crate::grpc::adapter::{FactCheckAdapter, OverHttp};
use crate::grpc::connections::CountedListener;
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheck;
use crate::http::status::HttpError;
use crate::service::WriteHealth;

/// Room for the JSON around a document's text, and for its escapes (a
/// client may write every non-ASCII character as `\uXXXX`: six bytes for
/// three).
fn body_limit(max_document_bytes: usize) -> usize {
    2 * max_document_bytes + 1024 * 1024
}

type Api = Arc<FactCheckAdapter>;

/// The routes, over `adapter`.
pub fn router(adapter: Arc<FactCheckAdapter>, max_document_bytes: usize) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/claims:verify", post(verify_claim))
        .route("/v1/drafts:check", post(check_draft))
        .route("/v1/facts:extract", post(extract_facts))
        .route("/v1/documents", post(ingest_document).get(list_documents))
        .route(
            "/v1/documents/{*document_id}",
            get(get_document).delete(delete_document),
        )
        .route("/v1/stats", get(stats))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit(max_document_bytes)))
        .with_state(adapter)
}

/// Serves `router` on `listener` (through TLS when `tls` is given) until
/// `shutdown` completes, then lets requests in flight finish. Each
/// connection is HTTP/1.1 whose request headers must arrive within
/// `header_read_timeout`, counted from when the connection is ready for the
/// next request: it bounds a client that sends its headers a byte at a
/// time, and a kept-alive connection left idle, so silent clients cannot
/// hold the connection cap. (axum's own `serve` sets no such timeout.)
pub async fn serve(
    listener: CountedListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    header_read_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match tls {
        Some(acceptor) => {
            serve_connections(
                tls::TlsListener::new(listener, acceptor)?,
                router,
                header_read_timeout,
                shutdown,
            )
            .await
        }
        None => serve_connections(listener, router, header_read_timeout, shutdown).await,
    }
}

async fn serve_connections<L>(
    mut listener: L,
    router: Router,
    header_read_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
{
    let mut connection = hyper::server::conn::http1::Builder::new();
    connection
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let io = tokio::select! {
            (io, _address) = listener.accept() => io,
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let served =
            graceful.watch(connection.serve_connection(hyper_util::rt::TokioIo::new(io), service));
        tokio::spawn(async move {
            if let Err(error) = served.await {
                tracing::debug!(%error, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A request body as the message it carries; an empty body is the empty
/// message.
fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, HttpError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|error| {
        HttpError::from(Status::invalid_argument(format!(
            "the request body is not a valid JSON message: {error}"
        )))
    })
}

/// The JSON of a message, or the error the call ended with.
fn reply<T: Serialize>(outcome: Result<tonic::Response<T>, Status>) -> Response {
    match outcome {
        Ok(response) => json(response.get_ref()),
        Err(status) => HttpError::from(status).into_response(),
    }
}

fn json<T: Serialize>(message: &T) -> Response {
    match serde_json::to_vec(message) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(error) => {
            HttpError::from(Status::internal(format!("cannot write JSON: {error}"))).into_response()
        }
    }
}

/// The `Authorization` header's value, if it is text.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
}

/// `message` as a call to the adapter: marked as coming over HTTP, with
/// the `Authorization` header as the gRPC `authorization` metadata, so the
/// adapter checks the same token either way.
fn request<T>(headers: &HeaderMap, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.extensions_mut().insert(OverHttp);
    if let Some(value) = authorization(headers).and_then(|value| value.parse().ok()) {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// Decodes `body`, runs `call` on it, and replies.
async fn call<Req, Resp, Fut>(
    headers: &HeaderMap,
    body: Bytes,
    call: impl FnOnce(tonic::Request<Req>) -> Fut,
) -> Response
where
    Req: DeserializeOwned + Default,
    Resp: Serialize,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    match decode::<Req>(&body) {
        Ok(message) => reply(call(request(headers, message)).await),
        Err(error) => error.into_response(),
    }
}

async fn verify_claim(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> Response {
    call(&headers, body, |request| api.verify_claim(request)).await
}

async fn check_draft(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> Response {
    call(&headers, body, |request| api.check_draft(request)).await
}

async fn extract_facts(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> Response {
    call(&headers, body, |request| api.extract_facts(request)).await
}

async fn ingest_document(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> Response {
    call(&headers, body, |request| api.ingest_document(request)).await
}

/// `GET /v1/documents?pageSize=&pageToken=&publishedAfter=&publishedBefore=`
/// (the snake_case names work too). The metadata filter, a map, is taken
/// over gRPC only: a query string has no map.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ListQuery {
    #[serde(alias = "page_size")]
    page_size: u32,
    #[serde(alias = "page_token")]
    page_token: String,
    #[serde(alias = "published_after")]
    published_after: String,
    #[serde(alias = "published_before")]
    published_before: String,
    #[serde(alias = "min_sequence")]
    min_sequence: u64,
}

async fn list_documents(
    State(api): State<Api>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return HttpError::from(Status::invalid_argument(
            "the query takes pageSize (a number), pageToken, publishedAfter and publishedBefore",
        ))
        .into_response();
    };
    let request = pb::ListDocumentsRequest {
        page_size: query.page_size,
        page_token: query.page_token,
        published_after: query.published_after,
        published_before: query.published_before,
        metadata: Default::default(),
        min_sequence: query.min_sequence,
    };
    reply(api.list_documents(self::request(&headers, request)).await)
}

async fn get_document(
    State(api): State<Api>,
    headers: HeaderMap,
    Path(document_id): Path<String>,
) -> Response {
    let message = pb::GetDocumentRequest {
        document_id,
        min_sequence: 0,
    };
    reply(api.get_document(request(&headers, message)).await)
}

async fn delete_document(
    State(api): State<Api>,
    headers: HeaderMap,
    Path(document_id): Path<String>,
) -> Response {
    let message = pb::DeleteDocumentRequest { document_id };
    reply(api.delete_document(request(&headers, message)).await)
}

async fn stats(State(api): State<Api>, headers: HeaderMap) -> Response {
    reply(
        api.get_stats(request(&headers, pb::GetStatsRequest {}))
            .await,
    )
}

/// Answers while the server runs, without a token; the store's counts are
/// read, so a store that cannot be read is reported, not hidden.
async fn healthz(State(api): State<Api>) -> Response {
    match api.health().await {
        Ok((writes, serving)) => {
            let writes = match writes {
                WriteHealth::Writable => "SERVING",
                WriteHealth::DiskFull | WriteHealth::Stalled => "NOT_SERVING",
            };
            if serving {
                json(&serde_json::json!({"status": "SERVING", "writes": writes}))
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json(&serde_json::json!({"status": "NOT_SERVING", "writes": writes})),
                )
                    .into_response()
            }
        }
        Err(status) => HttpError::from(status).into_response(),
    }
}

/// Prometheus metrics, in the text exposition format.
async fn metrics(State(api): State<Api>, headers: HeaderMap) -> Response {
    match api.metrics_text(authorization(&headers)).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(status) => HttpError::from(status).into_response(),
    }
}

async fn method_not_allowed() -> Response {
    let body = serde_json::json!({"error": {
        "code": 405,
        "status": "UNIMPLEMENTED",
        "message": "this route does not take that method; see the README for the HTTP endpoints",
    }});
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn not_found() -> Response {
    HttpError::from(Status::not_found(
        "no such route; see the README for the HTTP endpoints",
    ))
    .into_response()
}
