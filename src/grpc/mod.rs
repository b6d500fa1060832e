//! The gRPC edge: the only module that touches tonic and prost. It holds the
//! generated types, the conversions between them and the domain types, the
//! one mapping from service errors to status codes, the adapter that
//! implements `claimcheck.v1.FactCheck` over the service facade, and the
//! server wiring (health, reflection v1 and v1alpha, limits, shutdown).

pub mod adapter;
pub mod convert;
pub mod server;
pub mod status;

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

pub use pb::fact_check_client::FactCheckClient;

/// Why a health check got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HealthCheckError {
    #[error("cannot connect: {0}")]
    Connect(#[from] tonic::transport::Error),
    #[error("the health check failed: {0}")]
    Call(#[from] tonic::Status),
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
}

/// The serving status `url` reports for itself (grpc.health.v1, the empty
/// service name): "SERVING", "NOT_SERVING" ..., within `timeout`.
pub async fn serving_status(
    url: &str,
    timeout: std::time::Duration,
) -> Result<String, HealthCheckError> {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{health_check_response::ServingStatus, HealthCheckRequest};
    let check = async {
        let channel = tonic::transport::Endpoint::from_shared(url.to_string())?
            .connect()
            .await?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
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
    #[error("{0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("the token holds characters a header cannot carry (printable ASCII only)")]
    Token,
    #[error("https:// is not supported by this client yet; use http:// to a server without TLS")]
    TlsUnsupported,
}

/// Connects a client to `url` (e.g. "http://127.0.0.1:50051"), with message
/// limits that match the server's defaults, sending `token` (if any) as a
/// bearer token with every call.
pub async fn connect(url: &str, token: Option<&str>) -> Result<Client, ConnectError> {
    if url.starts_with("https://") {
        return Err(ConnectError::TlsUnsupported);
    }
    let token = BearerToken::new(token)?;
    let channel = tonic::transport::Endpoint::from_shared(url.to_string())?
        .connect()
        .await?;
    Ok(FactCheckClient::with_interceptor(channel, token)
        .max_decoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES)
        .max_encoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES))
}
