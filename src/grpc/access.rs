//! The access log and request metrics of the gRPC port, taken where the
//! call enters the server and where its answer ends: every call of the
//! `claimcheck.v1.FactCheck` service is counted, also those refused before
//! they reach the adapter (a second message on a one-message method, a
//! request over the size limit, a message that is not valid protobuf), and
//! a stream is timed over its whole life, to its last message and status,
//! not only to its opening.
//!
//! The status is read where gRPC puts it: in the trailers of a response
//! that has a body, or in the headers of one that has none. A response the
//! client stops reading (it cancelled, or went away) is counted as
//! `CANCELLED`. The adapter, which checks the caller's token, writes the
//! token's name into the [`CallerSlot`] this layer puts in the request, so
//! the log line names the caller. Over HTTP the adapter logs the call
//! itself, since that edge awaits the whole answer.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use http_body::{Body as _, Frame, SizeHint};
use tonic::body::Body;

use crate::grpc::adapter::Method;
use crate::grpc::status::code_name;
use crate::metrics::Metrics;

/// The service whose calls are logged; health checks and reflection are
/// not (a probe every few seconds would drown the log).
const SERVICE_PREFIX: &str = "/claimcheck.v1.FactCheck/";

/// Where the adapter writes the name of the caller it authorized.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<OnceLock<String>>);

impl CallerSlot {
    pub fn set(&self, caller: String) {
        let _ = self.0.set(caller);
    }
}

/// Logs and counts every FactCheck call of the gRPC port.
#[derive(Clone)]
pub struct AccessLayer {
    metrics: Arc<Metrics>,
}

impl AccessLayer {
    pub fn new(metrics: Arc<Metrics>) -> AccessLayer {
        AccessLayer { metrics }
    }
}

impl<S> tower_layer::Layer<S> for AccessLayer {
    type Service = AccessLogged<S>;

    fn layer(&self, inner: S) -> AccessLogged<S> {
        AccessLogged {
            inner,
            metrics: Arc::clone(&self.metrics),
        }
    }
}

#[derive(Clone)]
pub struct AccessLogged<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

type Request = http::Request<Body>;
type Response = http::Response<Body>;

impl<S> tower_service::Service<Request> for AccessLogged<S>
where
    S: tower_service::Service<Request, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let Some(name) = request.uri().path().strip_prefix(SERVICE_PREFIX) else {
            return Box::pin(self.inner.call(request));
        };
        let call = Call {
            // An unknown name is counted under one label, so made-up
            // paths cannot grow the metrics without bound.
            method: Method::from_name(name).map_or("unknown", Method::name),
            started: Instant::now(),
            caller: CallerSlot::default(),
            metrics: Arc::clone(&self.metrics),
        };
        request.extensions_mut().insert(call.caller.clone());
        let answered = self.inner.call(request);
        Box::pin(async move {
            let response = answered.await?;
            let (parts, body) = response.into_parts();
            // A response without a body carries its status in its headers.
            let status_in_headers = grpc_code(parts.headers.get("grpc-status"));
            let body = ObservedBody {
                inner: body,
                status_in_headers,
                call: Some(call),
            };
            Ok(http::Response::from_parts(parts, Body::new(body)))
        })
    }
}

/// The name of the gRPC status code in a `grpc-status` value.
fn grpc_code(value: Option<&http::HeaderValue>) -> Option<&'static str> {
    let number: i32 = value?.to_str().ok()?.trim().parse().ok()?;
    Some(code_name(tonic::Code::from_i32(number)))
}

/// One call being answered.
struct Call {
    method: &'static str,
    started: Instant,
    caller: CallerSlot,
    metrics: Arc<Metrics>,
}

impl Call {
    fn finish(self, code: &'static str) {
        let answer = Answer {
            method: self.method,
            transport: "grpc",
            code,
            elapsed: self.started.elapsed(),
        };
        answer.record(
            &self.metrics,
            self.caller.0.get().map_or("-", String::as_str),
        );
    }
}

/// An answered call, as the metrics and the access log take it (from
/// either transport).
pub struct Answer {
    pub method: &'static str,
    pub transport: &'static str,
    /// The gRPC status code's name.
    pub code: &'static str,
    pub elapsed: std::time::Duration,
}

impl Answer {
    /// Counts the answer and writes its access log line; `caller` is the
    /// token's name, never the token.
    pub fn record(&self, metrics: &Metrics, caller: &str) {
        metrics.record_request(
            self.method,
            self.transport,
            self.code,
            self.elapsed.as_secs_f64(),
        );
        tracing::info!(
            target: "claimcheck::access",
            method = self.method,
            transport = self.transport,
            code = self.code,
            duration_ms = self.elapsed.as_secs_f64() * 1e3,
            caller,
            "answered"
        );
    }
}

/// A response body that reports its call when its status is known.
struct ObservedBody {
    inner: Body,
    status_in_headers: Option<&'static str>,
    call: Option<Call>,
}

impl ObservedBody {
    fn finish(&mut self, code: &'static str) {
        if let Some(call) = self.call.take() {
            call.finish(code);
        }
    }
}

impl http_body::Body for ObservedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(context);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    let code = grpc_code(trailers.get("grpc-status")).unwrap_or("UNKNOWN");
                    self.finish(code);
                }
            }
            Poll::Ready(Some(Err(_))) => self.finish("INTERNAL"),
            Poll::Ready(None) => {
                let code = self.status_in_headers.unwrap_or("UNKNOWN");
                self.finish(code);
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ObservedBody {
    fn drop(&mut self) {
        if self.call.is_some() {
            // Dropped before its end: the answer ended with no status sent.
            let code = if self.inner.is_end_stream() {
                self.status_in_headers.unwrap_or("UNKNOWN")
            } else {
                "CANCELLED"
            };
            self.finish(code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_read_from_their_header_value() {
        let cases: [(Option<&str>, Option<&str>); 5] = [
            (Some("0"), Some("OK")),
            (Some("3"), Some("INVALID_ARGUMENT")),
            (Some("16"), Some("UNAUTHENTICATED")),
            (Some("x"), None),
            (None, None),
        ];
        for (value, expected) in cases {
            let header = value.map(|value| http::HeaderValue::from_str(value).unwrap());
            assert_eq!(grpc_code(header.as_ref()), expected, "{value:?}");
        }
    }
}
