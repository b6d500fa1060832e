//! The `claimcheck.v1.FactCheck` implementation: each method unpacks the
//! request, calls the service facade, and converts the result. Streams are
//! bounded: VerifyClaims checks at most `stream_concurrency` claims at once,
//! and IngestDocuments analyses at most one document per core (plus one)
//! ahead of the one being stored.

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::grpc::convert;
use crate::grpc::pb;
use crate::grpc::pb::fact_check_server::FactCheck;
use crate::grpc::status::to_status;
use crate::service::{cores, Service, ServiceError};

/// Failures listed in one IngestDocuments response; all are counted.
const MAX_LISTED_FAILURES: usize = 1000;

pub struct FactCheckAdapter {
    service: Arc<Service>,
    stream_concurrency: usize,
    /// Documents of one IngestDocuments stream analysed at once: one per
    /// core, and one more so that storing never waits for analysis.
    analysis_ahead: usize,
}

impl FactCheckAdapter {
    pub fn new(service: Arc<Service>, stream_concurrency: usize) -> Self {
        FactCheckAdapter {
            service,
            stream_concurrency: stream_concurrency.max(1),
            analysis_ahead: cores() + 1,
        }
    }
}

type VerifyStream =
    Pin<Box<dyn Stream<Item = Result<pb::VerifyClaimResponse, Status>> + Send + 'static>>;

type DraftStream =
    Pin<Box<dyn Stream<Item = Result<pb::CheckDraftStreamResponse, Status>> + Send + 'static>>;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let outcome = self
            .service
            .ingest(convert::document_request(request.into_inner()))
            .await
            .map_err(to_status)?;
        Ok(Response::new(convert::ingest_response(outcome)))
    }

    async fn ingest_documents(
        &self,
        request: Request<Streaming<pb::IngestDocumentRequest>>,
    ) -> Result<Response<pb::IngestDocumentsResponse>, Status> {
        // Documents are analysed several at a time (CPU-bound, on the
        // blocking pool) and stored one by one in stream order, so a later
        // copy of an id still replaces an earlier one.
        let service = Arc::clone(&self.service);
        let mut analysed = request
            .into_inner()
            .map(move |item| {
                let service = Arc::clone(&service);
                async move {
                    let document = item?;
                    let document_id = document.document_id.clone();
                    let analysed = service.analyse(convert::document_request(document)).await;
                    Ok::<_, Status>((document_id, analysed))
                }
            })
            .buffered(self.analysis_ahead);
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
    }

    async fn get_document(
        &self,
        request: Request<pb::GetDocumentRequest>,
    ) -> Result<Response<pb::GetDocumentResponse>, Status> {
        let document = self
            .service
            .document(request.into_inner().document_id)
            .await
            .map_err(to_status)?;
        Ok(Response::new(pb::GetDocumentResponse {
            document: Some(convert::document(document)),
        }))
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        let request = request.into_inner();
        let page = self
            .service
            .list_documents(request.page_size, request.page_token)
            .await
            .map_err(to_status)?;
        Ok(Response::new(pb::ListDocumentsResponse {
            documents: page.documents.into_iter().map(convert::summary).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn delete_document(
        &self,
        request: Request<pb::DeleteDocumentRequest>,
    ) -> Result<Response<pb::DeleteDocumentResponse>, Status> {
        let document_id = request.into_inner().document_id;
        let sentence_count = self
            .service
            .delete_document(document_id.clone())
            .await
            .map_err(to_status)?;
        Ok(Response::new(pb::DeleteDocumentResponse {
            document_id,
            sentence_count,
        }))
    }

    async fn extract_facts(
        &self,
        request: Request<pb::ExtractFactsRequest>,
    ) -> Result<Response<pb::ExtractFactsResponse>, Status> {
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
    }

    async fn verify_claim(
        &self,
        request: Request<pb::VerifyClaimRequest>,
    ) -> Result<Response<pb::VerifyClaimResponse>, Status> {
        let request = request.into_inner();
        let claim_id = request.claim_id.clone();
        let result = self
            .service
            .verify(convert::claim_request(request))
            .await
            .map_err(to_status)?;
        Ok(Response::new(convert::verification(claim_id, &result)))
    }

    type VerifyClaimsStream = VerifyStream;

    async fn verify_claims(
        &self,
        request: Request<Streaming<pb::VerifyClaimRequest>>,
    ) -> Result<Response<Self::VerifyClaimsStream>, Status> {
        let service = Arc::clone(&self.service);
        let outbound = request
            .into_inner()
            .map(move |item| {
                let service = Arc::clone(&service);
                async move {
                    let request = item?;
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
        Ok(Response::new(Box::pin(outbound)))
    }

    async fn check_draft(
        &self,
        request: Request<pb::CheckDraftRequest>,
    ) -> Result<Response<pb::CheckDraftResponse>, Status> {
        let report = self
            .service
            .check_draft(convert::draft_request(request.into_inner()))
            .await
            .map_err(to_status)?;
        Ok(Response::new(convert::draft_report(report)))
    }

    type CheckDraftStreamStream = DraftStream;

    async fn check_draft_stream(
        &self,
        request: Request<pb::CheckDraftRequest>,
    ) -> Result<Response<Self::CheckDraftStreamStream>, Status> {
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
        let claims = Service::check_planned(Arc::clone(&self.service), plan).map(move |checked| {
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
        Ok(Response::new(Box::pin(claims.chain(last))))
    }

    async fn get_stats(
        &self,
        _request: Request<pb::GetStatsRequest>,
    ) -> Result<Response<pb::GetStatsResponse>, Status> {
        let stats = self.service.stats().await.map_err(to_status)?;
        Ok(Response::new(convert::stats(stats)))
    }
}
