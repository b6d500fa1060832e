//! Command-line flags and environment variables, parsed raw by clap and then
//! turned once into validated settings.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::auth::{Access, TokenFileError, TokenTable};
use crate::engine::{
    CacheSizes, DEFAULT_CACHE_MB, DEFAULT_DOCUMENT_CACHE_MB, DEFAULT_VERDICT_CACHE_MB,
};
use crate::grpc::connections::DEFAULT_MAX_CONNECTIONS;
use crate::service::{Limits, DEFAULT_MEMORY_BUDGET_MB, DEFAULT_VERIFY_BUDGET_MS};
use crate::tls::{ServerTls, TlsError};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";
pub const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./claimcheck-data";
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";
/// Seconds shutdown waits for requests in flight: below the 10 s a
/// container runtime waits after SIGTERM before it kills the process, so
/// the store is flushed and closed first.
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 8;
/// How long the HTTP port waits for a request's headers (see
/// `--http-header-timeout`).
pub const DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS: u64 = 30;

#[derive(Debug, Parser)]
#[command(
    name = "claimcheck",
    version,
    about = "Checks claims with figures against stored source articles, over gRPC"
)]
pub struct Cli {
    /// Log lines as text or as JSON objects (one per line).
    #[arg(long, global = true, env = "CLAIMCHECK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: gRPC, and JSON over HTTP with the web page.
    Serve(ServeArgs),
    /// Send files (or every file in folders) to a running service.
    Ingest(IngestArgs),
    /// Verify one claim, or a JSON-lines file of claims, against a running service.
    Verify(VerifyArgs),
    /// Check every claim of a draft (a file, or - for standard input)
    /// against a running service: exits 0 when nothing is contradicted, 1
    /// when something is, 2 on error.
    Check(CheckArgs),
    /// Print the quantities found in a text (no server needed).
    Extract(ExtractArgs),
    /// Score labelled claims: accuracy, macro-F1, strict accuracy, misses.
    Eval(EvalArgs),
    /// Ask a running service whether it is serving (grpc.health.v1): exits 0
    /// when it is, 1 otherwise; for container health checks and scripts.
    Health(HealthArgs),
    /// Make a new random bearer token: prints the token, and (on stderr)
    /// the line for the server's --auth-tokens file.
    Token(TokenArgs),
    /// Rebuild the search index of a data directory from its stored
    /// documents (the server must be stopped).
    Reindex(StoppedDataDirArgs),
    /// Merge the search index of a data directory into one segment (the
    /// server must be stopped): after a bulk load, checks read each term
    /// once instead of once per segment.
    Compact(StoppedDataDirArgs),
}

/// A data directory worked on while no server holds it.
#[derive(Debug, Args)]
pub struct StoppedDataDirArgs {
    /// Directory of the sled store whose search index is worked on.
    #[arg(long, env = "CLAIMCHECK_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// sled page cache, in MiB.
    #[arg(long, env = "CLAIMCHECK_CACHE_MB", default_value_t = DEFAULT_CACHE_MB)]
    pub cache_mb: u64,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Scopes, comma-separated: read (verify, check, get, list, stats,
    /// extract), write (ingest, delete).
    #[arg(long, default_value = "read")]
    pub scopes: String,
    /// A name for the token in logs (one word).
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub connection: ServerConnection,
    /// The health entry to ask about: empty for the server as a whole,
    /// `claimcheck.v1.FactCheck.writes` for whether writes reach the disk.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Seconds to wait for the answer, connecting included (1..60).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout_seconds: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLAIMCHECK_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Address of the HTTP port (JSON API, the web page, /healthz); empty
    /// turns it off.
    #[arg(long, env = "CLAIMCHECK_HTTP_LISTEN", default_value = DEFAULT_HTTP_LISTEN)]
    pub http_listen: String,
    /// Directory of the sled store (created if missing, readable by its owner only).
    #[arg(long, env = "CLAIMCHECK_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// sled page cache, in MiB.
    #[arg(long, env = "CLAIMCHECK_CACHE_MB", default_value_t = DEFAULT_CACHE_MB)]
    pub cache_mb: u64,
    /// Memory for documents kept decoded and prepared for verification, in
    /// MiB (0 turns the cache off).
    #[arg(long, env = "CLAIMCHECK_DOCUMENT_CACHE_MB", default_value_t = DEFAULT_DOCUMENT_CACHE_MB)]
    pub document_cache_mb: u64,
    /// Memory for verdicts kept for claims asked again while no document
    /// was stored or deleted since, in MiB (0 turns the cache off).
    #[arg(long, env = "CLAIMCHECK_VERDICT_CACHE_MB", default_value_t = DEFAULT_VERDICT_CACHE_MB)]
    pub verdict_cache_mb: u64,
    /// Largest document text accepted, in bytes.
    #[arg(long, env = "CLAIMCHECK_MAX_DOCUMENT_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_document_bytes: usize,
    /// Memory that large requests in flight (document analyses, document
    /// reads) may hold together, in MiB; requests beyond it wait. The
    /// gRPC request messages being read and answered are held to the same
    /// size apart; a call beyond it is refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "CLAIMCHECK_MEMORY_BUDGET_MB", default_value_t = DEFAULT_MEMORY_BUDGET_MB)]
    pub memory_budget_mb: u64,
    /// Milliseconds one claim's verification may take before it is stopped
    /// with RESOURCE_EXHAUSTED.
    #[arg(long, env = "CLAIMCHECK_VERIFY_BUDGET_MS", default_value_t = DEFAULT_VERIFY_BUDGET_MS)]
    pub verify_budget_ms: u64,
    /// Connections both ports hold open together; at the cap new clients
    /// wait to be accepted (lowered to fit the file-descriptor limit).
    #[arg(long, env = "CLAIMCHECK_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Requests per second each token may make (without tokens, all callers
    /// together), a burst of one second's worth; over it, RESOURCE_EXHAUSTED
    /// (HTTP 429). 0: no limit.
    #[arg(long, env = "CLAIMCHECK_RATE_LIMIT", default_value_t = 0)]
    pub rate_limit: u32,
    /// Claims checked at once on one VerifyClaims stream.
    #[arg(long, env = "CLAIMCHECK_STREAM_CONCURRENCY", default_value_t = 8)]
    pub stream_concurrency: usize,
    /// Seconds a SIGINT or SIGTERM waits for requests in flight before the
    /// store is flushed and closed.
    #[arg(long, env = "CLAIMCHECK_SHUTDOWN_GRACE", default_value_t = DEFAULT_SHUTDOWN_GRACE_SECONDS)]
    pub shutdown_grace: u64,
    /// Seconds the HTTP port waits for a request's headers, counted from
    /// when the connection is ready for it (so also how long a kept-alive
    /// connection may stay idle); then it closes the connection.
    #[arg(long, env = "CLAIMCHECK_HTTP_HEADER_TIMEOUT", default_value_t = DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS)]
    pub http_header_timeout: u64,
    /// Token file: one `SHA256 SCOPES NAME` line per token (hex SHA-256 of
    /// the token, scopes read and/or write, a name for logs); `claimcheck
    /// token` makes one. Without it, every request is accepted.
    #[arg(long, env = "CLAIMCHECK_AUTH_TOKENS")]
    pub auth_tokens: Option<PathBuf>,
    /// Accept requests without tokens on addresses other than loopback.
    #[arg(long, env = "CLAIMCHECK_ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,
    /// Serve both ports over TLS with this certificate chain (PEM, leaf
    /// first); needs --tls-key.
    #[arg(long, env = "CLAIMCHECK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "CLAIMCHECK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: clients must present a certificate signed by one of
    /// these certificate authorities (PEM).
    #[arg(long, env = "CLAIMCHECK_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Cluster mode: the PostgreSQL database
    /// (postgres://user:password@host:port/database) that holds the
    /// documents and the change log, shared by every node; the store in
    /// --data-dir is then this node's replica. Without it, the store in
    /// --data-dir is the source of truth and no other service is used.
    #[arg(long, env = "CLAIMCHECK_CLUSTER")]
    pub cluster: Option<String>,
    /// Cluster mode: database connections this node pools (besides the one
    /// it listens for changes on).
    #[arg(long, env = "CLAIMCHECK_CLUSTER_CONNECTIONS", default_value_t = crate::cluster::DEFAULT_CONNECTIONS)]
    pub cluster_connections: usize,
}

/// Validated settings of `serve`.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    /// `None` when the HTTP port is off.
    pub http_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    pub caches: CacheSizes,
    pub limits: Limits,
    pub stream_concurrency: usize,
    pub max_connections: usize,
    pub rate_limit_per_second: u32,
    pub shutdown_grace: std::time::Duration,
    pub http_header_timeout: std::time::Duration,
    pub access: Arc<Access>,
    /// `None`: plain text on both ports.
    pub tls: Option<ServerTls>,
    /// `None`: embedded mode (the store is the source of truth).
    pub cluster: Option<ClusterSettings>,
}

/// Where the cluster's database is, and how many connections to pool.
#[derive(Clone)]
pub struct ClusterSettings {
    pub address: String,
    pub connections: usize,
}

/// The address may hold a password: it is never printed.
impl std::fmt::Debug for ClusterSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ClusterSettings")
            .field("connections", &self.connections)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--listen {0:?} is not an address like 127.0.0.1:50051")]
    Listen(String),
    #[error(
        "--http-listen {0:?} is not an address like 127.0.0.1:8080 (or empty to turn HTTP off)"
    )]
    HttpListen(String),
    #[error("cannot read the token file {path}: {source}")]
    ReadTokens {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the token file {path}: {source}")]
    Tokens {
        path: PathBuf,
        source: TokenFileError,
    },
    #[error(
        "{address} is not a loopback address and no --auth-tokens were given: anyone who can \
         reach it could store and delete documents. Give --auth-tokens FILE, listen on \
         127.0.0.1, or pass --allow-unauthenticated"
    )]
    OpenOnNetwork { address: SocketAddr },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("--{flag} must be between {min} and {max}, got {value}")]
    OutOfRange {
        flag: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
}

fn in_range(flag: &'static str, value: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::OutOfRange {
            flag,
            value,
            min,
            max,
        })
    }
}

impl TryFrom<ServeArgs> for ServeSettings {
    type Error = ConfigError;

    fn try_from(args: ServeArgs) -> Result<Self, Self::Error> {
        let listen: SocketAddr = args
            .listen
            .parse()
            .map_err(|_| ConfigError::Listen(args.listen.clone()))?;
        let http_listen = match args.http_listen.trim() {
            "" => None,
            address => Some(
                address
                    .parse()
                    .map_err(|_| ConfigError::HttpListen(args.http_listen.clone()))?,
            ),
        };
        let cache_mb = in_range("cache-mb", args.cache_mb, 8, 64 * 1024)?;
        let document_cache_mb =
            in_range("document-cache-mb", args.document_cache_mb, 0, 64 * 1024)?;
        let verdict_cache_mb = in_range("verdict-cache-mb", args.verdict_cache_mb, 0, 64 * 1024)?;
        let max_document_bytes = in_range(
            "max-document-bytes",
            args.max_document_bytes as u64,
            1024,
            256 * 1024 * 1024,
        )?;
        let stream_concurrency =
            in_range("stream-concurrency", args.stream_concurrency as u64, 1, 256)?;
        let max_connections =
            in_range("max-connections", args.max_connections as u64, 1, 1_000_000)?;
        let shutdown_grace = in_range("shutdown-grace", args.shutdown_grace, 0, 600)?;
        let http_header_timeout =
            in_range("http-header-timeout", args.http_header_timeout, 1, 3600)?;
        let verify_budget_ms = in_range("verify-budget-ms", args.verify_budget_ms, 10, 600_000)?;
        let cluster_connections = in_range(
            "cluster-connections",
            args.cluster_connections as u64,
            1,
            1000,
        )?;
        let memory_budget_mb =
            in_range("memory-budget-mb", args.memory_budget_mb, 64, 1024 * 1024)?;
        let access = match &args.auth_tokens {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::ReadTokens {
                        path: path.clone(),
                        source,
                    })?;
                Access::Tokens(
                    TokenTable::parse(&text).map_err(|source| ConfigError::Tokens {
                        path: path.clone(),
                        source,
                    })?,
                )
            }
            None => Access::Open,
        };
        if !access.requires_tokens() && !args.allow_unauthenticated {
            for address in std::iter::once(listen).chain(http_listen) {
                if !address.ip().is_loopback() {
                    return Err(ConfigError::OpenOnNetwork { address });
                }
            }
        }
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(certificate), Some(key)) => Some(ServerTls::load(
                certificate,
                key,
                args.tls_client_ca.as_deref(),
            )?),
            _ => None,
        };
        Ok(ServeSettings {
            listen,
            http_listen,
            data_dir: args.data_dir,
            caches: CacheSizes {
                sled_bytes: cache_mb * 1024 * 1024,
                prepared_document_bytes: document_cache_mb * 1024 * 1024,
                verdict_bytes: verdict_cache_mb * 1024 * 1024,
            },
            limits: Limits {
                max_document_bytes: max_document_bytes as usize,
                verify_budget: std::time::Duration::from_millis(verify_budget_ms),
                memory_budget_bytes: memory_budget_mb * 1024 * 1024,
                ..Limits::default()
            },
            stream_concurrency: stream_concurrency as usize,
            max_connections: max_connections as usize,
            rate_limit_per_second: args.rate_limit,
            shutdown_grace: std::time::Duration::from_secs(shutdown_grace),
            http_header_timeout: std::time::Duration::from_secs(http_header_timeout),
            access: Arc::new(access),
            tls,
            cluster: args.cluster.map(|address| ClusterSettings {
                address,
                connections: cluster_connections as usize,
            }),
        })
    }
}

/// How a client command reaches the service.
#[derive(Debug, Clone, Args)]
pub struct ServerConnection {
    /// The service: http://HOST:PORT, or https://HOST:PORT for a server
    /// started with --tls-cert.
    #[arg(long, env = "CLAIMCHECK_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,
    #[command(flatten)]
    pub credentials: ClientCredentials,
}

/// What a client presents and trusts: its token and, over https://, the
/// certificates.
#[derive(Debug, Clone, Default, Args)]
pub struct ClientCredentials {
    /// Bearer token for a server started with --auth-tokens.
    #[arg(long, env = "CLAIMCHECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Trust this certificate authority (PEM) for https:// instead of the
    /// system's.
    #[arg(long, env = "CLAIMCHECK_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// For a server that asks for client certificates (--tls-client-ca):
    /// this certificate (PEM); needs --client-key.
    #[arg(long, env = "CLAIMCHECK_CLIENT_CERT", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The private key of --client-cert (PEM).
    #[arg(long, env = "CLAIMCHECK_CLIENT_KEY", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or folders. A file named on the command line is stored under
    /// its name; a file found in a folder under its path from that folder
    /// (sub/x.txt). Two files with one id stop the run before anything is
    /// sent.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub connection: ServerConnection,
    /// Follow symbolic links found inside the given folders (links named on
    /// the command line are always followed).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip (and report) files larger than this, in bytes; the server
    /// refuses documents over its --max-document-bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub max_file_bytes: u64,
    /// "vi" or "en"; empty: detect per document.
    #[arg(long, default_value = "")]
    pub language: String,
    /// The publication date of every document sent (an ISO 8601 date or
    /// date-time), for the published_after/published_before filters.
    #[arg(long, default_value = "")]
    pub published_at: String,
    /// Metadata of every document sent, KEY=VALUE (repeat the flag for
    /// more), for the metadata filter (for example outlet=vnexpress).
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_metadata_pair)]
    pub metadata: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The draft: a UTF-8 text file, or - to read standard input.
    pub file: PathBuf,
    #[command(flatten)]
    pub connection: ServerConnection,
    /// Print the response as JSON (the proto3 JSON mapping).
    #[arg(long)]
    pub json: bool,
    /// "vi" or "en"; empty: detect from the draft.
    #[arg(long, default_value = "")]
    pub language: String,
    /// Only check against these documents (repeat the flag for more).
    #[arg(long = "document-id")]
    pub document_ids: Vec<String>,
    /// Never check against these documents (repeat the flag for more).
    #[arg(long = "exclude-document-id")]
    pub exclude_document_ids: Vec<String>,
    #[command(flatten)]
    pub filter: RecordFilterArgs,
}

/// Which documents a check may cite, by what their records say.
#[derive(Debug, Clone, Default, Args)]
pub struct RecordFilterArgs {
    /// Only documents published on or after this ISO date (2024-03-05).
    #[arg(long, default_value = "")]
    pub published_after: String,
    /// Only documents published on or before this ISO date.
    #[arg(long, default_value = "")]
    pub published_before: String,
    /// Only documents whose metadata holds KEY=VALUE (repeat the flag for
    /// more; all must hold).
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_metadata_pair)]
    pub metadata: Vec<(String, String)>,
    /// With a cluster: check only once the node has applied this change of
    /// the cluster's log (the `sequence` a write answered with).
    #[arg(long, default_value_t = 0)]
    pub min_sequence: u64,
}

fn parse_metadata_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The claim to check (or use --file).
    #[arg(required_unless_present = "file")]
    pub claim: Option<String>,
    #[command(flatten)]
    pub connection: ServerConnection,
    /// Print the response as JSON.
    #[arg(long)]
    pub json: bool,
    /// JSON lines with a "claim" field (and optional "id"): streamed through
    /// VerifyClaims, one JSON line written per claim.
    #[arg(long, conflicts_with = "claim")]
    pub file: Option<PathBuf>,
    /// Evidence sentences to return (0: the server's default).
    #[arg(long, default_value_t = 0)]
    pub max_evidence: u32,
    /// Only check against these documents.
    #[arg(long = "document-id")]
    pub document_ids: Vec<String>,
    #[arg(long, default_value = "")]
    pub language: String,
    #[command(flatten)]
    pub filter: RecordFilterArgs,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The text to read.
    pub text: String,
    #[arg(long, default_value = "")]
    pub language: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled claims in JSON lines (id, claim, label, optional source).
    #[arg(long)]
    pub claims: PathBuf,
    /// Articles to load into a fresh temporary store.
    #[arg(long, required_unless_present = "server", conflicts_with = "server")]
    pub corpus: Option<PathBuf>,
    /// Evaluate against a running service instead (http:// or https://).
    #[arg(long)]
    pub server: Option<String>,
    #[command(flatten)]
    pub credentials: ClientCredentials,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with a failure status when macro-F1 is below this (0..1).
    #[arg(long, value_parser = parse_unit_interval)]
    pub min_macro_f1: Option<f64>,
}

fn parse_unit_interval(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("expected a number from 0 to 1, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(listen: &str) -> ServeArgs {
        ServeArgs {
            listen: listen.into(),
            http_listen: DEFAULT_HTTP_LISTEN.into(),
            data_dir: DEFAULT_DATA_DIR.into(),
            cache_mb: DEFAULT_CACHE_MB,
            document_cache_mb: DEFAULT_DOCUMENT_CACHE_MB,
            verdict_cache_mb: DEFAULT_VERDICT_CACHE_MB,
            max_document_bytes: 8 * 1024 * 1024,
            stream_concurrency: 8,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            rate_limit: 0,
            verify_budget_ms: DEFAULT_VERIFY_BUDGET_MS,
            memory_budget_mb: DEFAULT_MEMORY_BUDGET_MB,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE_SECONDS,
            http_header_timeout: DEFAULT_HTTP_HEADER_TIMEOUT_SECONDS,
            auth_tokens: None,
            allow_unauthenticated: false,
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            cluster: None,
            cluster_connections: crate::cluster::DEFAULT_CONNECTIONS,
        }
    }

    #[test]
    fn settings_are_validated() {
        assert!(ServeSettings::try_from(serve_args("127.0.0.1:0")).is_ok());
        assert!(matches!(
            ServeSettings::try_from(serve_args("localhost")),
            Err(ConfigError::Listen(_))
        ));
        let mut args = serve_args("127.0.0.1:0");
        args.stream_concurrency = 0;
        let error = ServeSettings::try_from(args).unwrap_err().to_string();
        assert!(error.contains("--stream-concurrency"), "{error}");
        let mut args = serve_args("127.0.0.1:0");
        args.shutdown_grace = 601;
        let error = ServeSettings::try_from(args).unwrap_err().to_string();
        assert!(error.contains("--shutdown-grace"), "{error}");
        let mut args = serve_args("127.0.0.1:0");
        args.http_listen = " ".into();
        assert_eq!(ServeSettings::try_from(args).unwrap().http_listen, None);
        let mut args = serve_args("127.0.0.1:0");
        args.http_listen = "port 80".into();
        let error = ServeSettings::try_from(args).unwrap_err().to_string();
        assert!(error.contains("--http-listen"), "{error}");
    }

    #[test]
    fn without_tokens_the_server_listens_on_loopback_only_unless_told() {
        for (listen, http_listen) in [("0.0.0.0:0", ""), ("127.0.0.1:0", "[::]:0")] {
            let mut args = serve_args(listen);
            args.http_listen = http_listen.into();
            let error = ServeSettings::try_from(args).unwrap_err();
            assert!(
                matches!(error, ConfigError::OpenOnNetwork { .. }),
                "{error}"
            );
            assert!(error.to_string().contains("--auth-tokens"), "{error}");
            let mut args = serve_args(listen);
            args.http_listen = http_listen.into();
            args.allow_unauthenticated = true;
            assert!(ServeSettings::try_from(args).is_ok());
        }
        let directory = tempfile::tempdir().unwrap();
        let tokens = directory.path().join("tokens");
        std::fs::write(
            &tokens,
            format!("{} read desk\n", crate::auth::token_digest_hex("t")),
        )
        .unwrap();
        let mut args = serve_args("0.0.0.0:0");
        args.auth_tokens = Some(tokens.clone());
        assert!(ServeSettings::try_from(args)
            .unwrap()
            .access
            .requires_tokens());
        std::fs::write(&tokens, "not a token line\n").unwrap();
        let mut args = serve_args("127.0.0.1:0");
        args.auth_tokens = Some(tokens);
        let error = ServeSettings::try_from(args).unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
    }
}
