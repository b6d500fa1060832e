//! A real claimcheck server for tests: its gRPC and HTTP ports bound to
//! 127.0.0.1:0 with a temporary data directory, reached through the
//! generated tonic client and a plain HTTP/1.1 client (hyper).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use claimcheck::auth::Access;
use claimcheck::engine::CacheSizes;
use claimcheck::grpc::server::{Listeners, ServerOptions};
use claimcheck::grpc::{connect, pb, Client, ClientCredentials};
use claimcheck::service::{Limits, Service};
use tokio::sync::oneshot;

/// The articles written for the tests (`tests/data/articles`).
pub const BINARY: &str = env!("CARGO_BIN_EXE_claimcheck");

/// Starts `claimcheck serve` on port 0 (no HTTP port) and returns it with
/// its URL.
pub fn spawn_server(data_dir: &Path) -> (std::process::Child, String) {
    try_spawn_server(data_dir).unwrap_or_else(|error| panic!("the server did not start: {error}"))
}

/// Starts `claimcheck serve` on port 0, or returns what it said on stderr
/// and its exit status when it stopped instead.
pub fn try_spawn_server(data_dir: &Path) -> Result<(std::process::Child, String), String> {
    try_spawn_server_with(data_dir, &[])
}

/// As [`try_spawn_server`], with more flags for `serve`.
pub fn try_spawn_server_with(
    data_dir: &Path,
    flags: &[&str],
) -> Result<(std::process::Child, String), String> {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "",
            "--data-dir",
        ])
        .arg(data_dir)
        .args(flags)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("claimcheck serve starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's stdout reads");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    if line.trim().is_empty() {
        let mut said = String::new();
        let _ = stderr.read_to_string(&mut said);
        let status = child.wait().expect("the server's exit status");
        return Err(format!("{said}\n({status})"));
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::stderr()));
    let address = line.trim().rsplit(' ').next().expect("address").to_string();
    Ok((child, format!("http://{address}")))
}

/// Starts `claimcheck GLOBAL serve` on port 0 (no HTTP port) on
/// `data_dir` with `flags`, logging with `RUST_LOG=filter` into the file
/// `log`; returns it with its URL.
pub fn spawn_server_logging(
    global: &[&str],
    data_dir: &Path,
    flags: &[&std::ffi::OsStr],
    filter: &str,
    log: &Path,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut server = Command::new(BINARY)
        .args(global)
        .args(["serve", "--listen", "127.0.0.1:0", "--http-listen", ""])
        .args(flags)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", filter)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("the log file is created"))
        .spawn()
        .expect("claimcheck serve starts");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the server's stdout reads");
    let url = format!(
        "http://{}",
        line.trim().rsplit(' ').next().unwrap_or_default()
    );
    (server, url)
}

/// Sends SIGTERM to a server started by this module and waits for it to
/// exit, off the runtime (so a client's connection can answer the server's
/// GOAWAY meanwhile); returns its exit status.
pub async fn terminate(mut server: std::process::Child) -> std::process::ExitStatus {
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success(), "kill -TERM {}", server.id());
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .expect("the waiting task ends")
        .expect("the server's exit status")
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/articles")
}

/// Labelled claims about the test articles (`tests/data/claims.jsonl`).
pub fn claims_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/claims.jsonl")
}

/// Says on the terminal that `test` did not run and why. Written to stderr
/// directly rather than with `println!`, which the test harness keeps to
/// itself for a test that passes: a skip must be seen on a plain
/// `cargo test`.
pub fn report_skip(test: &str, reason: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped {test}: {reason}");
}

/// A path under `../shared` (the seed corpus and the evaluation sets beside
/// the repository), or `None`, with a printed line naming the test that
/// skips, when it is absent.
pub fn shared(path: &str, test: &str) -> Option<PathBuf> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path);
    if full.exists() {
        Some(full)
    } else {
        report_skip(test, format_args!("{} is absent", full.display()));
        None
    }
}

/// The seed corpus and its labelled dev claims, or `None` (printed) when
/// either is absent.
pub fn seed_corpus_and_dev_claims(test: &str) -> Option<(PathBuf, PathBuf)> {
    Some((
        shared("corpus", test)?,
        shared("eval/dev-claims.jsonl", test)?,
    ))
}

/// The test articles as (file name, text), sorted by name.
pub fn corpus() -> Vec<(String, String)> {
    articles_in(&corpus_dir())
}

/// The articles of a folder as (file name, text), sorted by name.
pub fn articles_in(directory: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(directory)
        .expect("the articles folder is readable")
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).expect("UTF-8 article"))
        })
        .collect();
    files.sort();
    files
}

/// One HTTP/1.1 request: the status and the body's bytes.
pub async fn http_request(
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    http_request_as(method, url, body, None).await
}

/// One HTTP/1.1 request with an `Authorization` value, if given.
pub async fn http_request_as(
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
    authorization: Option<&str>,
) -> (u16, Vec<u8>) {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let payload = body.map(|json| json.to_string()).unwrap_or_default();
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let request = request
        .body(Full::new(bytes::Bytes::from(payload)))
        .expect("a valid request");
    let response = client
        .request(request)
        .await
        .expect("the HTTP port answers");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes()
        .to_vec();
    (status, bytes)
}

/// The options of a test server with `access`: plain text, no rate limit.
pub fn server_options(access: Access) -> ServerOptions {
    ServerOptions {
        access: Arc::new(access),
        stream_concurrency: 4,
        shutdown_grace: std::time::Duration::from_secs(8),
        http_header_timeout: std::time::Duration::from_secs(30),
        tls: None,
        max_connections: 1024,
        rate_limit_per_second: 0,
    }
}

pub struct TestServer {
    pub address: SocketAddr,
    pub http_address: SocketAddr,
    pub client: Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(data_dir: &Path) -> TestServer {
        TestServer::start_with(data_dir, Limits::default()).await
    }

    pub async fn start_with(data_dir: &Path, limits: Limits) -> TestServer {
        TestServer::start_configured(data_dir, limits, Access::Open).await
    }

    /// A server with `access` (tokens or none); its `client` sends no token.
    pub async fn start_configured(data_dir: &Path, limits: Limits, access: Access) -> TestServer {
        TestServer::start_with_options(
            data_dir,
            limits,
            server_options(access),
            &ClientCredentials::default(),
        )
        .await
    }

    /// A server with `options`; its `client` connects with `credentials`
    /// (over https:// when the server has TLS).
    pub async fn start_with_options(
        data_dir: &Path,
        limits: Limits,
        options: ServerOptions,
        credentials: &ClientCredentials,
    ) -> TestServer {
        let scheme = if options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let service =
            Arc::new(Service::open(data_dir, CacheSizes::default(), limits).expect("store opens"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let http_address = http_listener.local_addr().expect("local address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            claimcheck::grpc::server::serve(
                Listeners {
                    grpc: listener,
                    http: Some(http_listener),
                },
                service,
                options,
                async move {
                    let _ = stopped.await;
                },
            )
            .await
            .expect("server runs and stops cleanly");
        });
        let client = connect(&format!("{scheme}://{address}"), credentials)
            .await
            .expect("client connects");
        TestServer {
            address,
            http_address,
            client,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The HTTP port's base URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_address)
    }

    /// One HTTP request to the HTTP port: its status and JSON body.
    pub async fn http(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let (status, bytes) =
            http_request(method, &format!("{}{path}", self.http_url()), body).await;
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!(
                "{method} {path}: the body is not JSON ({error}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, json)
    }

    /// Graceful shutdown: in-flight requests finish, the store is flushed
    /// and closed.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task ends");
        }
    }

    pub async fn ingest(&mut self, id: &str, text: &str) -> pb::IngestDocumentResponse {
        self.client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: id.into(),
                text: text.into(),
                ..Default::default()
            })
            .await
            .expect("ingest succeeds")
            .into_inner()
    }

    pub async fn ingest_corpus(&mut self) {
        for (name, text) in corpus() {
            self.ingest(&name, &text).await;
        }
    }

    pub async fn verify(&mut self, claim: &str) -> pb::VerifyClaimResponse {
        self.client
            .verify_claim(pb::VerifyClaimRequest {
                claim: claim.into(),
                ..Default::default()
            })
            .await
            .expect("verify succeeds")
            .into_inner()
    }

    pub async fn stats(&mut self) -> pb::GetStatsResponse {
        self.client
            .get_stats(pb::GetStatsRequest {})
            .await
            .expect("stats")
            .into_inner()
    }
}
