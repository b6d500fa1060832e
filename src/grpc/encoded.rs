//! VerifyClaim with verdicts encoded once. A verdict the service serves
//! again from its cache is the same shared value each time; its protobuf
//! encoding (everything but `claim_id`) is kept beside it, keyed by that
//! value's identity, so a repeated claim costs one copy instead of a
//! conversion and an encoding. The response is the `claim_id` field
//! followed by the kept bytes: protobuf fields may come in any order, so
//! clients decode an ordinary `VerifyClaimResponse`.
//!
//! [`FactCheckRoutes`] serves the `claimcheck.v1.FactCheck` service: this
//! path for VerifyClaim, the generated server for every other method.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{http, BoxFuture, Service as TowerService, StdError};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};

use crate::cache::BoundedCache;
use crate::grpc::adapter::FactCheckAdapter;
use crate::grpc::convert;
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheckServer;
use crate::grpc::status::to_status;
use crate::model::VerificationResult;
use crate::service::Service;

type BuildFastHasher = foldhash::fast::FixedState;

/// The route of the method served here.
const VERIFY_CLAIM_PATH: &str = "/claimcheck.v1.FactCheck/VerifyClaim";
/// `claim_id`'s field number in `VerifyClaimResponse`.
const CLAIM_ID_FIELD: u32 = 1;

/// Encodings of verdicts, by the address of the shared verdict. Each entry
/// holds its verdict, so the address cannot be reused while it is here.
pub struct EncodedVerdicts {
    by_address: BoundedCache<usize, (Arc<VerificationResult>, Bytes), BuildFastHasher>,
}

impl EncodedVerdicts {
    pub fn new(capacity: usize) -> Self {
        EncodedVerdicts {
            by_address: BoundedCache::new(capacity),
        }
    }

    /// The encoded response for `result`, answering `claim_id`.
    pub fn response(&self, claim_id: &str, result: &Arc<VerificationResult>) -> Bytes {
        let body = self.body(result);
        if claim_id.is_empty() {
            return body;
        }
        let mut response = BytesMut::with_capacity(claim_id.len() + 16 + body.len());
        encode_key(CLAIM_ID_FIELD, WireType::LengthDelimited, &mut response);
        encode_varint(claim_id.len() as u64, &mut response);
        response.put_slice(claim_id.as_bytes());
        response.put_slice(&body);
        response.freeze()
    }

    /// Everything but `claim_id`, encoded once per shared verdict.
    fn body(&self, result: &Arc<VerificationResult>) -> Bytes {
        let address = Arc::as_ptr(result) as usize;
        if let Some((kept, body)) = self.by_address.get(&address) {
            if Arc::ptr_eq(&kept, result) {
                return body;
            }
        }
        let body = Bytes::from(convert::verification(String::new(), result).encode_to_vec());
        self.by_address
            .insert(address, (Arc::clone(result), body.clone()));
        body
    }
}

/// Decodes `VerifyClaimRequest`s and writes responses already encoded.
#[derive(Debug, Clone, Copy, Default)]
struct EncodedResponseCodec;

impl Codec for EncodedResponseCodec {
    type Encode = Bytes;
    type Decode = pb::VerifyClaimRequest;
    type Encoder = EncodedResponseCodec;
    type Decoder = RequestDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        EncodedResponseCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RequestDecoder
    }
}

impl Encoder for EncodedResponseCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, destination: &mut EncodeBuf<'_>) -> Result<(), Status> {
        destination.put_slice(&item);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct RequestDecoder;

impl Decoder for RequestDecoder {
    type Item = pb::VerifyClaimRequest;
    type Error = Status;

    fn decode(
        &mut self,
        source: &mut DecodeBuf<'_>,
    ) -> Result<Option<pb::VerifyClaimRequest>, Status> {
        pb::VerifyClaimRequest::decode(source)
            .map(Some)
            .map_err(|error| Status::internal(error.to_string()))
    }
}

/// One VerifyClaim call.
struct VerifyClaimCall {
    service: Arc<Service>,
    encoded: Arc<EncodedVerdicts>,
}

impl UnaryService<pb::VerifyClaimRequest> for VerifyClaimCall {
    type Response = Bytes;
    type Future = BoxFuture<Response<Bytes>, Status>;

    fn call(&mut self, request: Request<pb::VerifyClaimRequest>) -> Self::Future {
        let (service, encoded) = (Arc::clone(&self.service), Arc::clone(&self.encoded));
        Box::pin(async move {
            let request = request.into_inner();
            let claim_id = request.claim_id.clone();
            let result = service
                .verify(convert::claim_request(request))
                .await
                .map_err(to_status)?;
            Ok(Response::new(encoded.response(&claim_id, &result)))
        })
    }
}

/// The FactCheck service: VerifyClaim through [`EncodedVerdicts`], the
/// other methods through the generated server.
#[derive(Clone)]
pub struct FactCheckRoutes {
    generated: FactCheckServer<FactCheckAdapter>,
    service: Arc<Service>,
    encoded: Arc<EncodedVerdicts>,
    max_request_bytes: usize,
    max_response_bytes: usize,
}

impl FactCheckRoutes {
    pub fn new(
        service: Arc<Service>,
        stream_concurrency: usize,
        max_request_bytes: usize,
        max_response_bytes: usize,
    ) -> Self {
        let generated = FactCheckServer::new(FactCheckAdapter::new(
            Arc::clone(&service),
            stream_concurrency,
        ))
        .max_decoding_message_size(max_request_bytes)
        .max_encoding_message_size(max_response_bytes);
        FactCheckRoutes {
            generated,
            encoded: Arc::new(EncodedVerdicts::new(service.verdict_cache_capacity())),
            service,
            max_request_bytes,
            max_response_bytes,
        }
    }
}

impl NamedService for FactCheckRoutes {
    const NAME: &'static str = <FactCheckServer<FactCheckAdapter> as NamedService>::NAME;
}

impl<B> TowerService<http::Request<B>> for FactCheckRoutes
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != VERIFY_CLAIM_PATH {
            return self.generated.call(request);
        }
        let call = VerifyClaimCall {
            service: Arc::clone(&self.service),
            encoded: Arc::clone(&self.encoded),
        };
        let mut grpc = Grpc::new(EncodedResponseCodec).apply_max_message_size_config(
            Some(self.max_request_bytes),
            Some(self.max_response_bytes),
        );
        Box::pin(async move { Ok(grpc.unary(call, request).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, Verdict};
    use crate::quantity::extract_quantities;
    use crate::text::Language;

    fn result() -> Arc<VerificationResult> {
        let sentence = "Huyện giảm 1.654 cán bộ, đạt 91,6%.";
        let quantities = extract_quantities(sentence, Language::Vietnamese);
        Arc::new(VerificationResult {
            verdict: Verdict::Supported,
            confidence: 0.9,
            explanation: "claim says 1.654, source says 1.654".into(),
            evidence: vec![Evidence {
                document_id: "doc".into(),
                document_title: "Tiêu đề".into(),
                sentence_index: 3,
                sentence: sentence.into(),
                score: 0.8,
                checks: Vec::new(),
            }],
            claim_quantities: quantities,
            language: Language::Vietnamese,
            parts: Vec::new(),
        })
    }

    #[test]
    fn a_kept_encoding_decodes_to_the_converted_response() {
        let encoded = EncodedVerdicts::new(8);
        let result = result();
        for claim_id in ["", "c-1", "mã số ệ", ""] {
            let bytes = encoded.response(claim_id, &result);
            let decoded = pb::VerifyClaimResponse::decode(bytes).expect("decodes");
            assert_eq!(decoded, convert::verification(claim_id.into(), &result));
        }
    }

    #[test]
    fn each_verdict_keeps_its_own_encoding() {
        let encoded = EncodedVerdicts::new(8);
        let supported = result();
        let mut refuted = (*result()).clone();
        refuted.verdict = Verdict::Refuted;
        let refuted = Arc::new(refuted);
        for _ in 0..2 {
            for kept in [&supported, &refuted] {
                let decoded =
                    pb::VerifyClaimResponse::decode(encoded.response("c", kept)).expect("decodes");
                assert_eq!(decoded, convert::verification("c".into(), kept));
            }
        }
    }
}
