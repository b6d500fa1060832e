//! The `claimcheck.v1.FactCheck` implementation: each method unpacks the
//! request, calls the service facade, and converts the result. Every call
//! (over gRPC, or over HTTP, whose edge calls this same adapter) first
//! passes `observe`: the caller's token is checked against the scope the
//! method needs. Over HTTP, the answer is counted in the metrics and
//! written to the access log here (method, transport, status, duration,
//! token name; never the token); over gRPC, the access layer
//! (`grpc::access`) does that where the answer ends, and `observe` gives
//! it the caller's name. Health and reflection are separate services and
//! stay open. Streams are bounded: VerifyClaims checks at most
//! `stream_concurrency` claims at once, and IngestDocuments analyses at
//! most one document per core (plus one) ahead of the one being stored.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::auth::{Access, Caller, Refusal, Scope};
use crate::grpc::access::{Answer, CallerSlot};
use crate::grpc::convert;
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheck;
use crate::grpc::status::{code_name, refusal_status, to_status};
use crate::metrics::Metrics;
use crate::rate::RateLimit;
use crate::service::{cores, Service, ServiceError, WriteHealth};

/// Failures listed in one IngestDocuments response; all are counted.
const MAX_LISTED_FAILURES: usize = 1000;

pub struct FactCheckAdapter {
    service: Arc<Service>,
    access: Arc<Access>,
    rate: Arc<RateLimit>,
    metrics: Arc<Metrics>,
    stream_concurrency: usize,
    /// Documents of one IngestDocuments stream analysed at once: one per
    /// core, and one more so that storing never waits for analysis.
    analysis_ahead: usize,
}

impl FactCheckAdapter {
    pub fn new(
        service: Arc<Service>,
        access: Arc<Access>,
        rate: Arc<RateLimit>,
        stream_concurrency: usize,
    ) -> Self {
        FactCheckAdapter {
            metrics: Arc::clone(service.metrics()),
            service,
            access,
            rate,
            stream_concurrency: stream_concurrency.max(1),
            analysis_ahead: cores() + 1,
        }
    }
}

/// The transport a call came over, as the HTTP edge marks its requests
/// (in the request's extensions); unmarked calls came over gRPC.
#[derive(Debug, Clone, Copy)]
pub struct OverHttp;

/// Which method a call is: the scope it needs and its name in metrics and
/// logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    IngestDocument,
    IngestDocuments,
    GetDocument,
    ListDocuments,
    DeleteDocument,
    ExtractFacts,
    VerifyClaim,
    VerifyClaims,
    CheckDraft,
    CheckDraftStream,
    GetStats,
}

impl Method {
    const ALL: [Method; 11] = [
        Method::IngestDocument,
        Method::IngestDocuments,
        Method::GetDocument,
        Method::ListDocuments,
        Method::DeleteDocument,
        Method::ExtractFacts,
        Method::VerifyClaim,
        Method::VerifyClaims,
        Method::CheckDraft,
        Method::CheckDraftStream,
        Method::GetStats,
    ];

    /// The method of this name in the proto, if there is one.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|method| method.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::IngestDocument => "IngestDocument",
            Method::IngestDocuments => "IngestDocuments",
            Method::GetDocument => "GetDocument",
            Method::ListDocuments => "ListDocuments",
            Method::DeleteDocument => "DeleteDocument",
            Method::ExtractFacts => "ExtractFacts",
            Method::VerifyClaim => "VerifyClaim",
            Method::VerifyClaims => "VerifyClaims",
            Method::CheckDraft => "CheckDraft",
            Method::CheckDraftStream => "CheckDraftStream",
            Method::GetStats => "GetStats",
        }
    }

    fn scope(self) -> Scope {
        match self {
            Method::IngestDocument | Method::IngestDocuments | Method::DeleteDocument => {
                Scope::Write
            }
            Method::GetDocument
            | Method::ListDocuments
            | Method::ExtractFacts
            | Method::VerifyClaim
            | Method::VerifyClaims
            | Method::CheckDraft
            | Method::CheckDraftStream
            | Method::GetStats => Scope::Read,
        }
    }
}

/// What `observe` needs from a request before the method consumes it.
pub struct Origin {
    authorization: Option<String>,
    transport: &'static str,
    /// Set on gRPC calls, whose access layer logs the call: where the
    /// caller's name goes.
    caller_slot: Option<CallerSlot>,
}

fn origin<T>(request: &Request<T>) -> Origin {
    Origin {
        authorization: request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
        transport: if request.extensions().get::<OverHttp>().is_some() {
            "http"
        } else {
            "grpc"
        },
        caller_slot: request.extensions().get::<CallerSlot>().cloned(),
    }
}

impl FactCheckAdapter {
    /// IngestDocuments over any stream of request messages, each
    /// possibly undecodable (then reported as that position's failure).
    pub async fn ingest_document_stream(
        &self,
        (origin, documents): (
            Origin,
            impl Stream<Item = StreamItem<pb::IngestDocumentRequest>> + Send,
        ),
    ) -> Result<Response<pb::IngestDocumentsResponse>, Status> {
        self.observe(Method::IngestDocuments, origin, async move {
            // Documents are analysed several at a time (CPU-bound, on the
            // blocking pool) and stored one by one in stream order, so a later
            // copy of an id still replaces an earlier one.
            let service = Arc::clone(&self.service);
            let analysed = documents
                .map(move |item| {
                    let service = Arc::clone(&service);
                    async move {
                        let (document_id, analysed) = match item? {
                            Ok(document) => {
                                let document_id = document.document_id.clone();
                                let analysed =
                                    service.analyse(convert::document_request(document)).await;
                                (document_id, analysed)
                            }
                            Err(undecodable) => (String::new(), Err(unreadable(undecodable))),
                        };
                        Ok::<_, Status>((document_id, analysed))
                    }
                })
                .buffered(self.analysis_ahead);
            let mut analysed = std::pin::pin!(analysed);
            let mut response = pb::IngestDocumentsResponse::default();
            let mut position = 0u32;
            while let Some(next) = analysed.next().await {
                let (document_id, analysed) = match next {
                    Ok(next) => next,
                    Err(status) => {
                        // Keep what was stored before the stream broke.
                        self.service.flush().await.map_err(to_status)?;
                        return Err(status);
                    }
                };
                response.received_count += 1;
                let stored = match analysed {
                    Ok(document) => self.service.store_unflushed(document).await,
                    Err(error) => Err(error),
                };
                match stored {
                    Ok(outcome) => {
                        response.stored_count += 1;
                        response.replaced_count += u32::from(outcome.replaced);
                        response.sentence_count += outcome.sentence_count as u64;
                        response.quantity_count += outcome.quantity_count as u64;
                        response.sequence = response.sequence.max(outcome.sequence);
                    }
                    Err(error @ ServiceError::InvalidArgument { .. }) => {
                        response.failed_count += 1;
                        if response.failures.len() < MAX_LISTED_FAILURES {
                            response.failures.push(pb::IngestFailure {
                                position,
                                document_id,
                                error: error.to_string(),
                            });
                        }
                    }
                    Err(other) => {
                        self.service.flush().await.map_err(to_status)?;
                        return Err(to_status(other));
                    }
                }
                position += 1;
            }
            self.service.flush().await.map_err(to_status)?;
            Ok(Response::new(response))
        })
        .await
    }

    /// VerifyClaims over any stream of request messages, each possibly
    /// undecodable (then answered with an error, and the stream goes on).
    pub async fn verify_claim_stream(
        &self,
        (origin, claims): (
            Origin,
            impl Stream<Item = StreamItem<pb::VerifyClaimRequest>> + Send + 'static,
        ),
    ) -> Result<Response<VerifyStream>, Status> {
        self.observe(Method::VerifyClaims, origin, async move {
            let service = Arc::clone(&self.service);
            let outbound = claims
                .map(move |item| {
                    let service = Arc::clone(&service);
                    async move {
                        let request = match item? {
                            Ok(request) => request,
                            Err(undecodable) => {
                                return Ok(error_response(String::new(), unreadable(undecodable)))
                            }
                        };
                        let claim_id = request.claim_id.clone();
                        Ok(
                            match service.verify(convert::claim_request(request)).await {
                                Ok(result) => convert::verification(claim_id, &result),
                                Err(error) => error_response(claim_id, error),
                            },
                        )
                    }
                })
                .buffer_unordered(self.stream_concurrency);
            Ok(Response::new(Box::pin(outbound) as VerifyStream))
        })
        .await
    }

    /// Authorizes the call and runs `work` if allowed. A call with a caller
    /// slot (gRPC) gets the caller's name there, for the access layer that
    /// logs it at its end; any other (HTTP) is recorded in the metrics and
    /// the access log here.
    async fn observe<T>(
        &self,
        method: Method,
        origin: Origin,
        work: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Result<Response<T>, Status> {
        let started = Instant::now();
        let authorized = self
            .access
            .authorize(origin.authorization.as_deref(), method.scope());
        // A known token without the scope is still named in the log.
        let caller = match &authorized {
            Ok(caller) => caller.clone(),
            Err(Refusal::LacksScope { name, .. }) => Caller(Some(name.clone())),
            Err(_) => Caller(None),
        };
        if let Some(slot) = &origin.caller_slot {
            slot.set(caller.to_string());
        }
        let outcome = match authorized {
            Ok(caller) => match self.rate.check(&caller) {
                Ok(()) => work.await,
                Err(over) => Err(Status::resource_exhausted(over.to_string())),
            },
            Err(refusal) => Err(refusal_status(refusal)),
        };
        if origin.caller_slot.is_some() {
            return outcome;
        }
        let answer = Answer {
            method: method.name(),
            transport: origin.transport,
            code: match &outcome {
                Ok(_) => "OK",
                Err(status) => code_name(status.code()),
            },
            elapsed: started.elapsed(),
        };
        answer.record(&self.metrics, &caller.to_string());
        outcome
    }

    /// Whether the store can be read (an error otherwise), and whether
    /// writes reach the disk: for `/healthz`, which needs no token.
    /// Whether the store takes writes, and whether the node serves (false
    /// while a cluster node catches up with the cluster's log).
    pub async fn health(&self) -> Result<(WriteHealth, bool), Status> {
        self.service.stats().await.map_err(to_status)?;
        let serving = self
            .service
            .caught_up()
            .is_none_or(|caught_up| *caught_up.borrow());
        Ok((*self.service.write_health().borrow(), serving))
    }

    /// The Prometheus text exposition, the store's figures included; with
    /// tokens, the scraper needs one with the `read` scope.
    pub async fn metrics_text(&self, authorization: Option<&str>) -> Result<String, Status> {
        self.access
            .authorize(authorization, Scope::Read)
            .map_err(refusal_status)?;
        let stats = self.service.stats().await.map_err(to_status)?;
        let writable = *self.service.write_health().borrow() == WriteHealth::Writable;
        Ok(self.metrics.render(&stats.store, writable))
    }
}

pub type VerifyStream =
    Pin<Box<dyn Stream<Item = Result<pb::VerifyClaimResponse, Status>> + Send + 'static>>;

type DraftStream =
    Pin<Box<dyn Stream<Item = Result<pb::CheckDraftStreamResponse, Status>> + Send + 'static>>;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One message of a request stream: the transport's error ends the stream;
/// a message that could not be decoded is an item of it.
pub type StreamItem<T> = Result<Result<T, Status>, Status>;

/// The caller and the messages of a request stream whose messages were
/// all decodable or refused whole (the generated server's codec). The
/// server mounts [`crate::grpc::streams::FactCheckService`], which routes
/// the two stream methods past the generated server; the trait's stream
/// methods, and so this, serve only a bare generated server.
fn lenient_items<T>(request: Request<Streaming<T>>) -> (Origin, impl Stream<Item = StreamItem<T>>) {
    (
        origin(&request),
        request.into_inner().map(|item| item.map(Ok)),
    )
}

/// The caller and the messages of a request stream read with
/// [`crate::grpc::protocol::StreamItemCodec`].
pub fn stream_items<T>(
    request: Request<Streaming<Result<T, Status>>>,
) -> (Origin, impl Stream<Item = StreamItem<T>>) {
    (origin(&request), request.into_inner())
}

/// A stream message that could not be decoded, as the service's refusal.
fn unreadable(undecodable: Status) -> ServiceError {
    ServiceError::InvalidArgument {
        field: "request",
        message: undecodable.message().to_string(),
    }
}

fn error_response(claim_id: String, error: ServiceError) -> pb::VerifyClaimResponse {
    let status = to_status(error);
    pb::VerifyClaimResponse {
        claim_id,
        error: format!("{:?}: {}", status.code(), status.message()),
        ..Default::default()
    }
}

#[tonic::async_trait]
impl FactCheck for FactCheckAdapter {
    async fn ingest_document(
        &self,
        request: Request<pb::IngestDocumentRequest>,
    ) -> Result<Response<pb::IngestDocumentResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::IngestDocument, origin, async move {
            let outcome = self
                .service
                .ingest(convert::document_request(request.into_inner()))
                .await
                .map_err(to_status)?;
            Ok(Response::new(convert::ingest_response(outcome)))
        })
        .await
    }

    async fn ingest_documents(
        &self,
        request: Request<Streaming<pb::IngestDocumentRequest>>,
    ) -> Result<Response<pb::IngestDocumentsResponse>, Status> {
        self.ingest_document_stream(lenient_items(request)).await
    }

    async fn get_document(
        &self,
        request: Request<pb::GetDocumentRequest>,
    ) -> Result<Response<pb::GetDocumentResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::GetDocument, origin, async move {
            let request = request.into_inner();
            let document = self
                .service
                .document(request.document_id, request.min_sequence)
                .await
                .map_err(to_status)?;
            Ok(Response::new(pb::GetDocumentResponse {
                document: Some(convert::document(document)),
            }))
        })
        .await
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::ListDocuments, origin, async move {
            let page = self
                .service
                .list_documents(convert::list_request(request.into_inner()))
                .await
                .map_err(to_status)?;
            Ok(Response::new(pb::ListDocumentsResponse {
                documents: page.documents.into_iter().map(convert::summary).collect(),
                next_page_token: page.next_page_token,
            }))
        })
        .await
    }

    async fn delete_document(
        &self,
        request: Request<pb::DeleteDocumentRequest>,
    ) -> Result<Response<pb::DeleteDocumentResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::DeleteDocument, origin, async move {
            let document_id = request.into_inner().document_id;
            let deleted = self
                .service
                .delete_document(document_id.clone())
                .await
                .map_err(to_status)?;
            Ok(Response::new(pb::DeleteDocumentResponse {
                document_id,
                sentence_count: deleted.sentence_count,
                sequence: deleted.sequence,
            }))
        })
        .await
    }

    async fn extract_facts(
        &self,
        request: Request<pb::ExtractFactsRequest>,
    ) -> Result<Response<pb::ExtractFactsResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::ExtractFacts, origin, async move {
            let request = request.into_inner();
            let (language, sentences) = self
                .service
                .extract(request.text, request.language)
                .await
                .map_err(to_status)?;
            Ok(Response::new(pb::ExtractFactsResponse {
                sentences: convert::read_sentences(&sentences),
                language: language.code().to_string(),
            }))
        })
        .await
    }

    async fn verify_claim(
        &self,
        request: Request<pb::VerifyClaimRequest>,
    ) -> Result<Response<pb::VerifyClaimResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::VerifyClaim, origin, async move {
            let request = request.into_inner();
            let claim_id = request.claim_id.clone();
            let result = self
                .service
                .verify(convert::claim_request(request))
                .await
                .map_err(to_status)?;
            Ok(Response::new(convert::verification(claim_id, &result)))
        })
        .await
    }

    type VerifyClaimsStream = VerifyStream;

    async fn verify_claims(
        &self,
        request: Request<Streaming<pb::VerifyClaimRequest>>,
    ) -> Result<Response<Self::VerifyClaimsStream>, Status> {
        self.verify_claim_stream(lenient_items(request)).await
    }

    async fn check_draft(
        &self,
        request: Request<pb::CheckDraftRequest>,
    ) -> Result<Response<pb::CheckDraftResponse>, Status> {
        let origin = origin(&request);
        self.observe(Method::CheckDraft, origin, async move {
            let report = self
                .service
                .check_draft(convert::draft_request(request.into_inner()))
                .await
                .map_err(to_status)?;
            Ok(Response::new(convert::draft_report(report)))
        })
        .await
    }

    type CheckDraftStreamStream = DraftStream;

    async fn check_draft_stream(
        &self,
        request: Request<pb::CheckDraftRequest>,
    ) -> Result<Response<Self::CheckDraftStreamStream>, Status> {
        let origin = origin(&request);
        self.observe(Method::CheckDraftStream, origin, async move {
            // The plan is made before answering, so a bad draft is refused
            // with a status rather than a broken stream.
            let plan = self
                .service
                .plan_draft(convert::draft_request(request.into_inner()))
                .await
                .map_err(to_status)?;
            let summary = Arc::new(Mutex::new(convert::draft_summary(
                plan.sentence_count,
                plan.self_document_ids.clone(),
            )));
            let counted = Arc::clone(&summary);
            let claims =
                Service::check_planned(Arc::clone(&self.service), plan).map(move |checked| {
                    let checked = checked.map_err(to_status)?;
                    convert::count_claim(&mut lock(&counted), checked.result.verdict);
                    Ok(pb::CheckDraftStreamResponse {
                        claim: Some(convert::draft_claim(&checked)),
                        summary: None,
                    })
                });
            // The summary follows the last claim: `chain` polls it only then.
            let last = futures_util::stream::once(async move {
                Ok(pb::CheckDraftStreamResponse {
                    claim: None,
                    summary: Some(lock(&summary).clone()),
                })
            });
            Ok(Response::new(Box::pin(claims.chain(last)) as DraftStream))
        })
        .await
    }

    async fn get_stats(
        &self,
        _request: Request<pb::GetStatsRequest>,
    ) -> Result<Response<pb::GetStatsResponse>, Status> {
        let origin = origin(&_request);
        self.observe(Method::GetStats, origin, async move {
            let stats = self.service.stats().await.map_err(to_status)?;
            Ok(Response::new(convert::stats(stats)))
        })
        .await
    }
}
