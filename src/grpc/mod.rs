//! The gRPC edge: the only module that touches tonic and prost. It holds the
//! generated types, the conversions between them and the domain types, the
//! one mapping from service errors to status codes, the adapter that
//! implements `claimcheck.v1.FactCheck` over the service facade, and the
//! server wiring (health, reflection v1 and v1alpha, limits, shutdown).

pub mod access;
pub mod adapter;
pub mod connections;
pub mod convert;
pub mod protocol;
pub mod server;
pub mod status;
pub mod streams;

/// Types generated from `proto/claimcheck/v1/claimcheck.proto`.
pub mod pb {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("claimcheck.v1");
    // The proto3 JSON mapping of the same messages (lowerCamelCase names,
    // enums by name, 64-bit integers as strings), for the HTTP edge.
    include!(concat!(env!("OUT_DIR"), "/claimcheck.v1.serde.rs"));

    /// The encoded descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/claimcheck_descriptor.bin"));
}

pub use crate::config::ClientCredentials;
pub use pb::fact_check_client::FactCheckClient;

/// Why a health check got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HealthCheckError {
    #[error("cannot connect")]
    Connect(#[from] tonic::transport::Error),
    #[error(transparent)]
    Setup(#[from] ConnectError),
    #[error("the health check failed: {0}")]
    Call(#[from] tonic::Status),
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
}

/// The serving status `url` reports for `service` (grpc.health.v1; the
/// empty name is the server as a whole): "SERVING", "NOT_SERVING" ...,
/// within `timeout`.
pub async fn serving_status(
    url: &str,
    credentials: &ClientCredentials,
    service: &str,
    timeout: std::time::Duration,
) -> Result<String, HealthCheckError> {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{health_check_response::ServingStatus, HealthCheckRequest};
    let check = async {
        let channel = endpoint(url, credentials)?.connect().await?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_string(),
            })
            .await?;
        let status =
            ServingStatus::try_from(response.into_inner().status).unwrap_or(ServingStatus::Unknown);
        Ok::<_, HealthCheckError>(status.as_str_name().to_string())
    };
    tokio::time::timeout(timeout, check)
        .await
        .map_err(|_| HealthCheckError::Timeout(timeout))?
}

/// Adds `authorization: Bearer TOKEN` to every call of a client.
#[derive(Clone)]
pub struct BearerToken(Option<tonic::metadata::AsciiMetadataValue>);

impl BearerToken {
    /// `authorization: Bearer TOKEN` for `token`, or nothing for `None`.
    pub fn new(token: Option<&str>) -> Result<BearerToken, ConnectError> {
        token
            .map(|token| format!("Bearer {}", token.trim()).parse())
            .transpose()
            .map(BearerToken)
            .map_err(|_| ConnectError::Token)
    }
}

impl tonic::service::Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A client of the FactCheck service, sending a token when it has one.
pub type Client = FactCheckClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, BearerToken>,
>;

/// Why a client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
    #[error("the token holds characters a header cannot carry (printable ASCII only)")]
    Token,
    #[error("cannot read {flag} {}: {source}", path.display())]
    ReadFile {
        flag: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("--ca-cert and --client-cert are for https:// servers; {url} is plain http://")]
    CertificatesWithoutTls { url: String },
}

/// The endpoint of `url`: over TLS for https://, trusting `--ca-cert` (or
/// the system's certificate authorities) and presenting `--client-cert`
/// when given.
fn endpoint(
    url: &str,
    credentials: &ClientCredentials,
) -> Result<tonic::transport::Endpoint, ConnectError> {
    use tonic::transport::{Certificate, ClientTlsConfig, Identity};
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_string())?;
    let read = |flag: &'static str, path: &std::path::Path| {
        std::fs::read(path).map_err(|source| ConnectError::ReadFile {
            flag,
            path: path.to_path_buf(),
            source,
        })
    };
    if !url.starts_with("https://") {
        if credentials.ca_cert.is_some() || credentials.client_cert.is_some() {
            return Err(ConnectError::CertificatesWithoutTls {
                url: url.to_string(),
            });
        }
        return Ok(endpoint);
    }
    let mut tls = ClientTlsConfig::new();
    tls = match &credentials.ca_cert {
        Some(path) => tls.ca_certificate(Certificate::from_pem(read("--ca-cert", path)?)),
        None => tls.with_native_roots(),
    };
    if let (Some(certificate), Some(key)) = (&credentials.client_cert, &credentials.client_key) {
        tls = tls.identity(Identity::from_pem(
            read("--client-cert", certificate)?,
            read("--client-key", key)?,
        ));
    }
    Ok(endpoint.tls_config(tls)?)
}

/// Connects a client to `url` ("http://127.0.0.1:50051", or https:// for a
/// server with TLS), with message limits that match the server's defaults,
/// sending the token (if any) as a bearer token with every call.
pub async fn connect(url: &str, credentials: &ClientCredentials) -> Result<Client, ConnectError> {
    let token = BearerToken::new(credentials.token.as_deref())?;
    let channel = endpoint(url, credentials)?.connect().await?;
    Ok(FactCheckClient::with_interceptor(channel, token)
        .max_decoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES)
        .max_encoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES))
}
