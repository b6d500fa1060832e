//! The `claimcheck.v1.FactCheck` service as the server mounts it: the
//! generated server for every method, except the two request streams
//! (VerifyClaims, IngestDocuments), which are read with
//! [`StreamItemCodec`] so that one message that cannot be decoded is
//! answered (an error answer for that claim, a failure at that position of
//! the ingest) and the stream goes on, where the generated server's codec
//! would end the whole stream at it. Both paths call the same adapter, so
//! authentication, limits, the access log and the metrics are the same.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::server::{ClientStreamingService, Grpc, NamedService, StreamingService};
use tonic::{Request, Response, Status, Streaming};

use crate::grpc::adapter::{stream_items, FactCheckAdapter, VerifyStream};
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheckServer;
use crate::grpc::protocol::StreamItemCodec;

const VERIFY_CLAIMS: &str = "/claimcheck.v1.FactCheck/VerifyClaims";
const INGEST_DOCUMENTS: &str = "/claimcheck.v1.FactCheck/IngestDocuments";

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The FactCheck service, with its request streams read message by message.
#[derive(Clone)]
pub struct FactCheckService {
    generated: FactCheckServer<FactCheckAdapter>,
    adapter: Arc<FactCheckAdapter>,
    max_decoding_bytes: usize,
    max_encoding_bytes: usize,
}

impl FactCheckService {
    pub fn new(
        adapter: FactCheckAdapter,
        max_decoding_bytes: usize,
        max_encoding_bytes: usize,
    ) -> FactCheckService {
        let adapter = Arc::new(adapter);
        FactCheckService {
            generated: FactCheckServer::from_arc(Arc::clone(&adapter))
                .max_decoding_message_size(max_decoding_bytes)
                .max_encoding_message_size(max_encoding_bytes),
            adapter,
            max_decoding_bytes,
            max_encoding_bytes,
        }
    }

    fn grpc<T, U>(&self) -> Grpc<StreamItemCodec<T, U>>
    where
        T: prost::Message + Default + Send + 'static,
        U: prost::Message + Default + Send + 'static,
    {
        Grpc::new(StreamItemCodec::default()).apply_max_message_size_config(
            Some(self.max_decoding_bytes),
            Some(self.max_encoding_bytes),
        )
    }
}

impl NamedService for FactCheckService {
    const NAME: &'static str = <FactCheckServer<FactCheckAdapter> as NamedService>::NAME;
}

impl tower_service::Service<http::Request<Body>> for FactCheckService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower_service::Service::<http::Request<Body>>::poll_ready(&mut self.generated, context)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let adapter = Arc::clone(&self.adapter);
        match request.uri().path() {
            VERIFY_CLAIMS => {
                let mut grpc = self.grpc::<pb::VerifyClaimResponse, pb::VerifyClaimRequest>();
                Box::pin(async move { Ok(grpc.streaming(VerifyClaims(adapter), request).await) })
            }
            INGEST_DOCUMENTS => {
                let mut grpc =
                    self.grpc::<pb::IngestDocumentsResponse, pb::IngestDocumentRequest>();
                Box::pin(async move {
                    Ok(grpc
                        .client_streaming(IngestDocuments(adapter), request)
                        .await)
                })
            }
            _ => Box::pin(self.generated.call(request)),
        }
    }
}

struct VerifyClaims(Arc<FactCheckAdapter>);

impl StreamingService<Result<pb::VerifyClaimRequest, Status>> for VerifyClaims {
    type Response = pb::VerifyClaimResponse;
    type ResponseStream = VerifyStream;
    type Future = BoxFuture<Result<Response<VerifyStream>, Status>>;

    fn call(
        &mut self,
        request: Request<Streaming<Result<pb::VerifyClaimRequest, Status>>>,
    ) -> Self::Future {
        let adapter = Arc::clone(&self.0);
        Box::pin(async move { adapter.verify_claim_stream(stream_items(request)).await })
    }
}

struct IngestDocuments(Arc<FactCheckAdapter>);

impl ClientStreamingService<Result<pb::IngestDocumentRequest, Status>> for IngestDocuments {
    type Response = pb::IngestDocumentsResponse;
    type Future = BoxFuture<Result<Response<pb::IngestDocumentsResponse>, Status>>;

    fn call(
        &mut self,
        request: Request<Streaming<Result<pb::IngestDocumentRequest, Status>>>,
    ) -> Self::Future {
        let adapter = Arc::clone(&self.0);
        Box::pin(async move { adapter.ingest_document_stream(stream_items(request)).await })
    }
}
