//! Protocol hygiene at the gRPC edge, for requests a client got wrong:
//!
//! - [`RequestCodec`]: protobuf with a request that cannot be decoded
//!   answered `INVALID_ARGUMENT` (the caller's fault) instead of the
//!   `INTERNAL` tonic gives by default, which monitoring reads as a server
//!   fault. The generated client shares the codec, so a response the client
//!   cannot decode is reported the same way; the message says which.
//! - [`OneMessageLayer`]: a method that takes one request message (unary and
//!   server-streaming) refuses a call that sends two or more with
//!   `INVALID_ARGUMENT`, instead of answering the first and dropping the
//!   rest unread. The set of such methods is read from the services'
//!   descriptors, so it follows the proto. The request is read here up to
//!   the decoding limit (tonic buffers a single message whole anyway), and
//!   a larger one is refused with `OUT_OF_RANGE`, as tonic would. The bytes
//!   read are held against a budget of request bytes in flight (the size
//!   of `--memory-budget-mb`) until the call is answered, since its decoded
//!   message lives as long: a request that would go over it is refused at
//!   once with `RESOURCE_EXHAUSTED` (waiting would let half-read requests
//!   hold the budget between them and none finish), so many concurrent
//!   large requests cannot make the server hold more than that.
//!
//! These refusals happen before the call reaches the adapter; the access
//! layer (`grpc::access`), outside this one, counts and logs them.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use http_body_util::BodyExt;
use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::Status;
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

use crate::service::memory_permits;

/// Protobuf, with undecodable messages refused as `INVALID_ARGUMENT`.
#[derive(Debug, Clone, Default)]
pub struct RequestCodec<T, U>(ProstCodec<T, U>);

impl<T, U> Codec for RequestCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = RequestDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.0.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RequestDecoder(self.0.decoder())
    }
}

/// The protobuf decoder, with its failures reported as the sender's.
#[derive(Debug)]
pub struct RequestDecoder<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for RequestDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buffer: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.0.decode(buffer).map_err(undecodable::<U>)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}

/// The refusal of a message that is not a valid `U`, naming the type.
fn undecodable<U>(status: Status) -> Status {
    Status::invalid_argument(format!(
        "the message is not a valid {}: {}",
        std::any::type_name::<U>()
            .rsplit("::")
            .next()
            .unwrap_or("message"),
        status.message()
    ))
}

/// Protobuf for the messages of a request stream, where one undecodable
/// message is an item of the stream (`Err`, `INVALID_ARGUMENT`) and the
/// messages after it are still read: a stream of many claims or documents
/// answers each, the bad one with an error, instead of ending at it.
#[derive(Debug, Clone, Default)]
pub struct StreamItemCodec<T, U>(ProstCodec<T, U>);

impl<T, U> Codec for StreamItemCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = Result<U, Status>;
    type Encoder = ProstEncoder<T>;
    type Decoder = StreamItemDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.0.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        StreamItemDecoder(self.0.decoder())
    }
}

#[derive(Debug)]
pub struct StreamItemDecoder<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for StreamItemDecoder<U> {
    type Item = Result<U, Status>;
    type Error = Status;

    fn decode(&mut self, buffer: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        match self.0.decode(buffer) {
            Ok(message) => Ok(message.map(Ok)),
            Err(status) => {
                // The frame's length is known, so the next message starts
                // after whatever of this one the decoder left unread.
                let rest = buffer.remaining();
                buffer.advance(rest);
                Ok(Some(Err(undecodable::<U>(status))))
            }
        }
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}

/// The paths (`/package.Service/Method`) of every method that takes one
/// request message, in the given encoded descriptor sets.
pub fn one_message_paths(descriptor_sets: &[&[u8]]) -> Result<HashSet<String>, prost::DecodeError> {
    let mut paths = HashSet::new();
    for encoded in descriptor_sets {
        let set = prost_types::FileDescriptorSet::decode(*encoded)?;
        for file in &set.file {
            for service in &file.service {
                for method in &service.method {
                    if !method.client_streaming() {
                        paths.insert(format!(
                            "/{}.{}/{}",
                            file.package(),
                            service.name(),
                            method.name()
                        ));
                    }
                }
            }
        }
    }
    Ok(paths)
}

/// Refuses a second request message on methods that take one.
#[derive(Debug, Clone)]
pub struct OneMessageLayer {
    paths: Arc<HashSet<String>>,
    max_message_bytes: usize,
    in_flight: RequestBytes,
}

impl OneMessageLayer {
    pub fn new(
        paths: HashSet<String>,
        max_message_bytes: usize,
        in_flight_budget_bytes: u64,
    ) -> OneMessageLayer {
        OneMessageLayer {
            paths: Arc::new(paths),
            max_message_bytes,
            in_flight: RequestBytes::new(in_flight_budget_bytes),
        }
    }
}

/// The budget of request bytes read and not yet answered, one permit per
/// KiB begun. A request larger than the whole budget holds all of it (it
/// is read alone) rather than never being read.
#[derive(Debug, Clone)]
struct RequestBytes {
    permits: Arc<tokio::sync::Semaphore>,
    total_permits: usize,
    budget_bytes: u64,
}

impl RequestBytes {
    fn new(budget_bytes: u64) -> RequestBytes {
        let permits = memory_permits(budget_bytes);
        RequestBytes {
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            total_permits: permits,
            budget_bytes,
        }
    }

    /// Extends `held` to cover `bytes`, or refuses the request.
    fn hold(
        &self,
        held: &mut Option<tokio::sync::OwnedSemaphorePermit>,
        bytes: usize,
    ) -> Result<(), Status> {
        let wanted = bytes.div_ceil(1024).clamp(1, self.total_permits);
        let have = held.as_ref().map_or(0, |permit| permit.num_permits());
        if wanted <= have {
            return Ok(());
        }
        let more = u32::try_from(wanted - have).map_err(|_| self.refusal())?;
        let permit = Arc::clone(&self.permits)
            .try_acquire_many_owned(more)
            .map_err(|_| self.refusal())?;
        match held {
            Some(existing) => existing.merge(permit),
            None => *held = Some(permit),
        }
        Ok(())
    }

    fn refusal(&self) -> Status {
        Status::resource_exhausted(format!(
            "the server holds its limit of request bytes in flight ({} MiB, --memory-budget-mb); retry later",
            self.budget_bytes / (1024 * 1024)
        ))
    }
}

impl<S> tower_layer::Layer<S> for OneMessageLayer {
    type Service = OneMessage<S>;

    fn layer(&self, inner: S) -> OneMessage<S> {
        OneMessage {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OneMessage<S> {
    inner: S,
    layer: OneMessageLayer,
}

type Request = http::Request<tonic::body::Body>;
type Response = http::Response<tonic::body::Body>;

impl<S> tower_service::Service<Request> for OneMessage<S>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if !self.layer.paths.contains(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        // The service that was made ready serves this call; its clone
        // waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limit = self.layer.max_message_bytes;
        let in_flight = self.layer.in_flight.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut held = None;
            match read_one_message(body, limit, |bytes| in_flight.hold(&mut held, bytes)).await {
                Ok(bytes) => {
                    let body = tonic::body::Body::new(http_body_util::Full::new(bytes));
                    let request = http::Request::from_parts(parts, body);
                    let answered = inner.call(request).await;
                    drop(held);
                    answered
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

/// gRPC frames a message as a flag byte, a 4-byte big-endian length and the
/// message.
const FRAME_HEADER_BYTES: usize = 5;

/// Where a body's frames stand: how many messages have begun, and how many
/// bytes of the current frame are still to come.
#[derive(Debug, Default, PartialEq, Eq)]
struct FrameCount {
    messages: usize,
    /// Unconsumed bytes: header bytes of an incomplete header.
    pending_header: Vec<u8>,
    remaining_in_message: usize,
}

impl FrameCount {
    /// Counts the frames that begin in `chunk`.
    fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            if self.remaining_in_message > 0 {
                let taken = self.remaining_in_message.min(chunk.len());
                self.remaining_in_message -= taken;
                chunk = &chunk[taken..];
                continue;
            }
            let needed = FRAME_HEADER_BYTES - self.pending_header.len();
            let taken = needed.min(chunk.len());
            self.pending_header.extend_from_slice(&chunk[..taken]);
            chunk = &chunk[taken..];
            if self.pending_header.len() == FRAME_HEADER_BYTES {
                let mut header = &self.pending_header[1..];
                self.remaining_in_message = header.get_u32() as usize;
                self.pending_header.clear();
                self.messages += 1;
            }
        }
    }
}

/// The whole body of a call that must carry one message, or the status
/// that refuses it; `hold` is told the bytes read so far before they are
/// kept, and may refuse them.
async fn read_one_message(
    mut body: tonic::body::Body,
    max_message_bytes: usize,
    mut hold: impl FnMut(usize) -> Result<(), Status>,
) -> Result<bytes::Bytes, Status> {
    let limit = max_message_bytes + FRAME_HEADER_BYTES;
    let mut buffer = BytesMut::new();
    let mut frames = FrameCount::default();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| Status::from_error(error.into()))?;
        let Ok(data) = frame.into_data() else {
            // Request trailers: gRPC clients send none; nothing to read.
            continue;
        };
        frames.feed(&data);
        if frames.messages > 1 {
            return Err(Status::invalid_argument(
                "this method takes one request message; the call sent more",
            ));
        }
        if buffer.len() + data.len() > limit {
            return Err(Status::out_of_range(format!(
                "the request message is larger than the limit of {max_message_bytes} bytes"
            )));
        }
        hold(buffer.len() + data.len())?;
        buffer.extend_from_slice(&data);
    }
    Ok(buffer.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(length: u32) -> Vec<u8> {
        let mut bytes = vec![0];
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend(std::iter::repeat_n(7u8, length as usize));
        bytes
    }

    #[test]
    fn frames_are_counted_however_the_body_is_cut() {
        let one = frame(10);
        let two: Vec<u8> = [frame(3), frame(0)].concat();
        let cases: Vec<(&[u8], usize)> = vec![(&one, 1), (&two, 2), (&[], 0), (&one[..3], 1)];
        for (body, expected) in cases {
            for cut in 1..=body.len().max(1) {
                let mut count = FrameCount::default();
                for chunk in body.chunks(cut) {
                    count.feed(chunk);
                }
                let begun = count.messages + usize::from(!count.pending_header.is_empty());
                assert_eq!(begun, expected, "{body:?} cut every {cut}");
            }
        }
    }

    #[test]
    fn request_bytes_in_flight_are_held_to_the_budget() {
        let budget = RequestBytes::new(4 * 1024);
        let mut first = None;
        budget.hold(&mut first, 3000).unwrap();
        budget.hold(&mut first, 4096).unwrap();
        assert_eq!(first.as_ref().unwrap().num_permits(), 4);
        let mut second = None;
        let refused = budget.hold(&mut second, 1).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert!(
            refused.message().contains("--memory-budget-mb"),
            "{refused:?}"
        );
        drop(first);
        // Larger than the whole budget: it holds all of it, alone.
        budget.hold(&mut second, 1024 * 1024).unwrap();
        assert_eq!(second.as_ref().unwrap().num_permits(), 4);
        let mut third = None;
        assert!(budget.hold(&mut third, 1).is_err());
        drop(second);
        budget.hold(&mut third, 1).unwrap();
    }

    #[test]
    fn the_services_methods_that_take_one_message_are_known() {
        let paths = one_message_paths(&[
            crate::grpc::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
        ])
        .unwrap();
        for unary in [
            "/claimcheck.v1.FactCheck/VerifyClaim",
            "/claimcheck.v1.FactCheck/IngestDocument",
            "/claimcheck.v1.FactCheck/CheckDraftStream",
            "/grpc.health.v1.Health/Check",
        ] {
            assert!(paths.contains(unary), "{unary}");
        }
        for streaming in [
            "/claimcheck.v1.FactCheck/VerifyClaims",
            "/claimcheck.v1.FactCheck/IngestDocuments",
        ] {
            assert!(!paths.contains(streaming), "{streaming}");
        }
    }
}
