//! Server wiring: the FactCheck service next to the standard health service
//! and server reflection (v1 and v1alpha, so grpcurl of any age can list and
//! describe), with deliberate message limits and graceful shutdown; and,
//! when it has a listener, the HTTP port (see [`crate::http`]) over the same
//! service, stopped by the same signal.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use crate::auth::Access;
use crate::grpc::access::AccessLayer;
use crate::grpc::adapter::FactCheckAdapter;
use crate::grpc::connections::{ConnectionLimit, CountedListener};
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheckServer;
use crate::grpc::protocol::{one_message_paths, OneMessageLayer};
use crate::grpc::streams::FactCheckService;
use crate::rate::RateLimit;
use crate::service::{Service, WriteHealth};
use crate::tls::ServerTls;
use tonic_health::ServingStatus;

/// Largest response the server sends (a big document with its sentences).
pub const MAX_ENCODED_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Room for the fields around a document's text in one request.
const REQUEST_ENVELOPE_BYTES: usize = 1024 * 1024;

/// HTTP/2 flow-control windows. The HTTP/2 layer counts the framing
/// overhead of small DATA frames it holds unread (256 bytes less each
/// frame's payload) against a budget of half the connection window, and
/// closes the connection (GOAWAY `ENHANCE_YOUR_CALM "too_many_data_frames"`)
/// when it runs out. A VerifyClaims stream from grpcurl or Python grpcio
/// sends each claim as its own small frame, faster than claims are checked,
/// so the frames pile up to the stream window: with the usual 1 MiB stream
/// and connection windows, a few thousand claims closed the connection.
/// A 128 KiB stream window holds at most 8,192 frames of 16 bytes or more
/// (the smallest claim message is about that), whose overhead (under 2 MiB)
/// the budget of a 4 MiB connection window covers, for one flooding stream
/// per connection.
const STREAM_WINDOW_BYTES: u32 = 128 * 1024;
const CONNECTION_WINDOW_BYTES: u32 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection setup failed: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("the services' descriptors do not decode: {0}")]
    Descriptors(#[from] prost::DecodeError),
    #[error("transport error: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("the HTTP server failed: {0}")]
    Http(#[from] std::io::Error),
    #[error("the HTTP server stopped abnormally: {0}")]
    HttpTask(#[from] tokio::task::JoinError),
    #[error("final flush failed: {0}")]
    Flush(#[from] crate::service::ServiceError),
}

/// Where the server listens: gRPC always, HTTP when asked.
pub struct Listeners {
    pub grpc: TcpListener,
    pub http: Option<TcpListener>,
}

/// How the server treats its callers and its shutdown.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub access: Arc<Access>,
    /// Claims checked at once on one VerifyClaims stream.
    pub stream_concurrency: usize,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: std::time::Duration,
    /// How long the HTTP port waits for a request's headers (or idles
    /// between requests) before closing the connection.
    pub http_header_timeout: std::time::Duration,
    /// TLS on both ports; `None`: plain text.
    pub tls: Option<ServerTls>,
    /// Connections both ports hold open together, at most.
    pub max_connections: usize,
    /// Requests per second per token (one budget for all callers without
    /// tokens); 0: no limit.
    pub rate_limit_per_second: u32,
}

/// Requests open at once on one HTTP/2 connection (its
/// SETTINGS_MAX_CONCURRENT_STREAMS): a client opening thousands of idle
/// streams would otherwise hold memory for each.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 256;
/// An HTTP/2 ping after this long without traffic, and the connection is
/// closed when the ping is not answered within [`KEEPALIVE_TIMEOUT`]: a
/// client that vanished does not hold its connection for ever.
pub const KEEPALIVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
pub const KEEPALIVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// How long a client has to finish its TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The health entry (grpc.health.v1) that says whether the store takes
/// writes: NOT_SERVING once the disk filled up (until a restart). The
/// overall entry ("") and `claimcheck.v1.FactCheck` stay SERVING then,
/// since claims are still checked (from memory; reads that need the store
/// may fail too once sled has met the full disk).
pub const WRITES_HEALTH_SERVICE: &str = "claimcheck.v1.FactCheck.writes";

/// Cluster mode: NOT_SERVING (overall and for the FactCheck service)
/// until the node has applied the cluster's log as it stood at start, then
/// SERVING; nothing after `stopped`.
async fn report_cluster_readiness(
    mut caught_up: tokio::sync::watch::Receiver<bool>,
    reporter: tonic_health::server::HealthReporter,
    stopped: impl Future<Output = ()>,
) {
    let statuses = |status: ServingStatus| {
        let reporter = reporter.clone();
        async move {
            reporter.set_service_status("", status).await;
            reporter
                .set_service_status(
                    <FactCheckServer<FactCheckAdapter> as tonic::server::NamedService>::NAME,
                    status,
                )
                .await;
        }
    };
    let ready = *caught_up.borrow();
    if ready {
        return;
    }
    statuses(ServingStatus::NotServing).await;
    let reached = tokio::select! {
        reached = caught_up.wait_for(|caught_up| *caught_up) => reached.is_ok(),
        _ = stopped => false,
    };
    if reached {
        statuses(ServingStatus::Serving).await;
    }
}

/// Mirrors the service's write health in the health service until
/// `stopped`, and logs each change.
async fn report_write_health(
    service: Arc<Service>,
    reporter: tonic_health::server::HealthReporter,
    stopped: impl Future<Output = ()>,
) {
    let mut writes = service.write_health();
    drop(service);
    let watching = async {
        loop {
            let health = *writes.borrow_and_update();
            let status = match health {
                WriteHealth::Writable => ServingStatus::Serving,
                WriteHealth::DiskFull | WriteHealth::Stalled => {
                    tracing::error!(
                        ?health,
                        "writes are stopped until a restart; claims are still checked"
                    );
                    ServingStatus::NotServing
                }
            };
            reporter
                .set_service_status(WRITES_HEALTH_SERVICE, status)
                .await;
            if writes.changed().await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = watching => {}
        _ = stopped => {}
    }
}

/// Serves until `shutdown` completes, then stops accepting, lets in-flight
/// requests finish (for at most `shutdown_grace`), and flushes the store.
pub async fn serve(
    listeners: Listeners,
    service: Arc<Service>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let ServerOptions {
        access,
        stream_concurrency,
        shutdown_grace,
        http_header_timeout,
        tls,
        max_connections,
        rate_limit_per_second,
    } = options;
    let connections = ConnectionLimit::new(max_connections);
    if connections.max() < max_connections {
        tracing::info!(
            max_connections = connections.max(),
            "open connections capped below the file-descriptor limit"
        );
    }
    let max_request_bytes = service.limits().max_document_bytes + REQUEST_ENVELOPE_BYTES;
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<FactCheckServer<FactCheckAdapter>>()
        .await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    // Every method goes through one service and one adapter, so whatever
    // is layered on it (limits, authentication, metrics) covers them all.
    let rate = Arc::new(RateLimit::per_second(rate_limit_per_second));
    let fact_check = FactCheckService::new(
        FactCheckAdapter::new(
            Arc::clone(&service),
            Arc::clone(&access),
            Arc::clone(&rate),
            stream_concurrency,
        ),
        max_request_bytes,
        MAX_ENCODED_MESSAGE_BYTES,
    );
    let reporter = health_reporter.clone();
    let (stopping_signal, stopping) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        reporter
            .set_not_serving::<FactCheckServer<FactCheckAdapter>>()
            .await;
        reporter
            .set_service_status(WRITES_HEALTH_SERVICE, ServingStatus::NotServing)
            .await;
        let _ = stopping_signal.send(true);
    };
    let stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stopping| *stopping).await;
        }
    };
    tokio::spawn(report_write_health(
        Arc::clone(&service),
        health_reporter.clone(),
        stopped(),
    ));
    if let Some(caught_up) = service.caught_up() {
        tokio::spawn(report_cluster_readiness(
            caught_up,
            health_reporter.clone(),
            stopped(),
        ));
    }
    let http = listeners.http.map(|listener| {
        let adapter = FactCheckAdapter::new(Arc::clone(&service), access, rate, stream_concurrency);
        let router = crate::http::router(Arc::new(adapter), service.limits().max_document_bytes);
        let acceptor = tls.as_ref().map(ServerTls::http_acceptor);
        tokio::spawn(crate::http::serve(
            CountedListener {
                listener,
                limit: connections.clone(),
            },
            acceptor,
            router,
            http_header_timeout,
            stopped(),
        ))
    });
    let mut builder = Server::builder();
    if let Some(tls) = &tls {
        let mut config = ServerTlsConfig::new()
            .identity(Identity::from_pem(&tls.certificate_pem, &tls.key_pem))
            .timeout(TLS_HANDSHAKE_TIMEOUT);
        if let Some(client_ca) = &tls.client_ca_pem {
            config = config.client_ca_root(Certificate::from_pem(client_ca));
        }
        builder = builder.tls_config(config)?;
    }
    let one_message_paths = one_message_paths(&[
        pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
    ])?;
    let running = builder
        .layer(AccessLayer::new(Arc::clone(service.metrics())))
        .layer(OneMessageLayer::new(
            one_message_paths,
            max_request_bytes,
            service.limits().memory_budget_bytes,
        ))
        .initial_stream_window_size(STREAM_WINDOW_BYTES)
        .initial_connection_window_size(CONNECTION_WINDOW_BYTES)
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(fact_check)
        .serve_with_incoming_shutdown(connections.incoming(listeners.grpc), shutdown);
    let both = async move {
        running.await?;
        if let Some(http) = http {
            http.await??;
        }
        Ok::<_, ServeError>(())
    };
    let grace_over = async move {
        stopped().await;
        tokio::time::sleep(shutdown_grace).await;
    };
    tokio::select! {
        result = both => result?,
        _ = grace_over => tracing::warn!("connections still open after {shutdown_grace:?}; closing them"),
    }
    if let Err(error) = service.flush_and_commit().await {
        if *service.write_health().borrow() != WriteHealth::Writable {
            // Dropping the store flushes it again, and sled waits for ever
            // on a log it could not write: the process is ending, so the
            // store is left to it (everything acknowledged is on disk).
            std::mem::forget(service);
        }
        return Err(error.into());
    }
    tracing::info!("store flushed; stopped");
    Ok(())
}
