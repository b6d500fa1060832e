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

    /// The encoded descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/claimcheck_descriptor.bin"));
}

pub use pb::fact_check_client::FactCheckClient;

/// Connects a client to `url` (e.g. "http://127.0.0.1:50051"), with message
/// limits that match the server's defaults.
pub async fn connect(
    url: &str,
) -> Result<FactCheckClient<tonic::transport::Channel>, tonic::transport::Error> {
    let channel = tonic::transport::Endpoint::from_shared(url.to_string())?
        .connect()
        .await?;
    Ok(FactCheckClient::new(channel)
        .max_decoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES)
        .max_encoding_message_size(server::MAX_ENCODED_MESSAGE_BYTES))
}
