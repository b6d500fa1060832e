//! The service facade used by the gRPC adapter and the CLI: validates
//! requests at the boundary (each error names the field and the limit), runs
//! the engine's work (store access, verification) and CPU-heavy analysis
//! on the blocking pool, bounds the verifications run at once, and flushes
//! before acknowledging writes. No RPC types here.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::analysis::{analyse_document, read_text, ReadSentence};
use crate::budget::{Budget, Stopped};
use crate::cluster::{Cluster, ClusterError};
use crate::draft::{read_draft, SentenceRole};
use crate::engine::{CacheSizes, Engine, EngineError, VerifyError};
use crate::filter::{filter_day, publication_day, DocumentAttributes, RecordFilter};
use crate::index::IndexError;
use crate::metrics::Metrics;
use crate::model::{
    AnalysedDocument, ClaimInput, DocumentInput, DocumentRecord, FullDocument, StoreStats,
    VerificationResult,
};
use crate::store::StoreError;
use crate::text::{detect_language, normalize_nfc, Language};

/// Milliseconds one claim's verification may take by default: the bounded
/// worst case (a claim of many figures against sentences of thousands)
/// takes about a second, so this stops only work gone wrong.
pub const DEFAULT_VERIFY_BUDGET_MS: u64 = 10_000;

/// Limits on requests; the defaults are the documented ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_document_bytes: usize,
    pub max_document_id_bytes: usize,
    pub max_title_bytes: usize,
    pub max_url_bytes: usize,
    pub max_metadata_entries: usize,
    pub max_metadata_bytes: usize,
    pub max_claim_bytes: usize,
    pub max_evidence: u32,
    pub default_evidence: u32,
    pub max_document_filter: usize,
    pub max_page_size: u32,
    pub default_page_size: u32,
    /// Sentences taken from the index for each claim (more if the claim
    /// asks for more evidence): each is loaded and judged, so this bounds
    /// the work per claim.
    pub candidate_sentences: usize,
    pub max_draft_bytes: usize,
    /// Claims checked in one draft, at most (and when the request says 0).
    pub max_draft_claims: u32,
    pub default_draft_evidence: u32,
    /// Time one claim's verification may take before it is stopped
    /// (RESOURCE_EXHAUSTED).
    pub verify_budget: std::time::Duration,
    /// Memory that large requests in flight (document analyses and
    /// document reads) may hold together; requests beyond it wait.
    pub memory_budget_bytes: u64,
}

/// Memory an ingest holds while its text is analysed, per byte of text:
/// 16 concurrent ingests of 8 MiB peaked at 2.37 GB (about 18 bytes each).
pub const INGEST_MEMORY_PER_TEXT_BYTE: u64 = 18;
/// Memory a GetDocument holds per byte of the document's text: the record,
/// its sentences and the encoded answer; 48 concurrent reads of an 8 MiB
/// document peaked at 2.15 GB (about 6 bytes each).
pub const READ_MEMORY_PER_TEXT_BYTE: u64 = 6;
/// Cluster mode: how long a read that names a `min_sequence` waits for
/// this node to apply it.
pub const MIN_SEQUENCE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Cluster mode: how long an acknowledgement waits for this node to apply
/// the write (so that the node that took it answers with it); the write is
/// acknowledged once committed in the database either way.
pub const LOCAL_APPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The default of [`Limits::memory_budget_bytes`], in MiB.
pub const DEFAULT_MEMORY_BUDGET_MB: u64 = 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 8 * 1024 * 1024,
            max_document_id_bytes: 256,
            max_title_bytes: 2048,
            max_url_bytes: 4096,
            max_metadata_entries: 64,
            max_metadata_bytes: 16 * 1024,
            max_claim_bytes: 4096,
            max_evidence: 50,
            default_evidence: 5,
            max_document_filter: 1000,
            max_page_size: 1000,
            default_page_size: 100,
            candidate_sentences: 20,
            max_draft_bytes: 256 * 1024,
            max_draft_claims: 500,
            default_draft_evidence: 3,
            verify_budget: std::time::Duration::from_millis(DEFAULT_VERIFY_BUDGET_MS),
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_MB * 1024 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{field}: {message}")]
    InvalidArgument {
        field: &'static str,
        message: String,
    },
    #[error("document {0:?} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The work panicked or was cancelled on the blocking pool.
    #[error("a worker failed: {0}")]
    WorkerFailed(#[from] tokio::task::JoinError),
    /// Verification no longer takes claims: the service is stopping.
    #[error("the service is shutting down")]
    ShuttingDown,
    /// The caller left before the verdict was ready.
    #[error("the verification was cancelled: the caller went away")]
    Cancelled,
    /// Writes stopped after the disk filled up or a flush stalled.
    #[error("writes are stopped: {}; free space on the data directory's disk and restart claimcheck (reads go on)", match .0 {
        WriteHealth::Stalled => "a flush of the store did not finish",
        _ => "the disk holding the data directory filled up",
    })]
    WritesStopped(WriteHealth),
    /// The cluster's database failed or refused the request.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// This node has not applied the change a read asked for in time.
    #[error("min_sequence: this node has applied the cluster's changes up to {applied}, not yet {asked}; try again or ask another node")]
    NotApplied { asked: u64, applied: u64 },
    /// The claim needed more work than a claim may take.
    #[error("the claim needed more than the {}-ms budget of work a claim may take (--verify-budget-ms)", .0.as_millis())]
    OverBudget(std::time::Duration),
}

impl From<VerifyError> for ServiceError {
    fn from(error: VerifyError) -> ServiceError {
        match error {
            VerifyError::Store(error) => ServiceError::Store(error),
            VerifyError::Index(error) => ServiceError::Index(error),
            VerifyError::Stopped(Stopped::Cancelled) => ServiceError::Cancelled,
            VerifyError::Stopped(Stopped::OutOfTime(allowed)) => ServiceError::OverBudget(allowed),
        }
    }
}

impl From<EngineError> for ServiceError {
    fn from(error: EngineError) -> ServiceError {
        match error {
            EngineError::Store(error) => ServiceError::Store(error),
            EngineError::Index(error) => ServiceError::Index(error),
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidArgument {
        field,
        message: message.into(),
    }
}

/// Most stored records one ListDocuments page reads, whatever its filter.
pub const LIST_SCAN_LIMIT: usize = 10_000;

/// A document as received, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentRequest {
    pub document_id: String,
    pub text: String,
    pub title: String,
    pub url: String,
    pub published_at: String,
    pub language: String,
    pub metadata: BTreeMap<String, String>,
}

/// A claim as received, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimRequest {
    pub claim: String,
    pub max_evidence: u32,
    pub document_ids: Vec<String>,
    pub exclude_document_ids: Vec<String>,
    pub language: String,
    pub published_after: String,
    pub published_before: String,
    pub metadata: BTreeMap<String, String>,
    /// Cluster mode: answer once this node has applied this change.
    pub min_sequence: u64,
}

/// A ListDocuments page request, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRequest {
    pub page_size: u32,
    pub page_token: String,
    pub published_after: String,
    pub published_before: String,
    pub metadata: BTreeMap<String, String>,
    /// Cluster mode: answer once this node has applied this change.
    pub min_sequence: u64,
}

/// A draft as received, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftRequest {
    pub text: String,
    pub language: String,
    pub document_ids: Vec<String>,
    pub exclude_document_ids: Vec<String>,
    pub max_claims: u32,
    pub max_evidence: u32,
    pub published_after: String,
    pub published_before: String,
    pub metadata: BTreeMap<String, String>,
    /// Cluster mode: check once this node has applied this change.
    pub min_sequence: u64,
}

/// A draft read and ready to check: its claims in draft order, each with
/// its byte span in the draft as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftPlan {
    pub sentence_count: u32,
    pub claims: Vec<PlannedClaim>,
    /// Stored documents left out because their text is the draft's.
    pub self_document_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedClaim {
    pub start: usize,
    pub end: usize,
    pub input: ClaimInput,
}

/// One claim of a draft, checked.
#[derive(Debug, Clone)]
pub struct CheckedClaim {
    /// 0-based position among the draft's claims.
    pub position: usize,
    /// UTF-8 byte span of the claim in the draft as sent.
    pub span: (usize, usize),
    pub result: Arc<VerificationResult>,
}

/// A whole draft, checked: its claims in draft order.
#[derive(Debug, Clone)]
pub struct DraftReport {
    pub sentence_count: u32,
    pub claims: Vec<CheckedClaim>,
    pub self_document_ids: Vec<String>,
}

/// An analysed document waiting to be stored, with the memory it holds.
pub struct Analysed {
    document: AnalysedDocument,
    _memory: tokio::sync::OwnedSemaphorePermit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngestOutcome {
    pub document_id: String,
    pub sentence_count: u32,
    pub quantity_count: u32,
    pub replaced: bool,
    pub language: Language,
    /// Cluster mode: the change of the cluster's log that stored it (0
    /// without a cluster).
    pub sequence: u64,
}

/// A deletion done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteOutcome {
    pub sentence_count: u32,
    /// Cluster mode: the change of the cluster's log that deleted it.
    pub sequence: u64,
}

/// How far this node has applied the cluster's change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterProgress {
    pub applied: u64,
    pub latest: u64,
    pub caught_up: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPage {
    pub documents: Vec<DocumentRecord>,
    pub next_page_token: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceStats {
    pub store: StoreStats,
    pub uptime_seconds: u64,
    pub cluster: Option<ClusterProgress>,
}

pub struct Service {
    engine: Arc<Engine>,
    /// Checks that run at once: two per core. Verification is CPU-bound, so
    /// more would only add threads, each with its own scratch memory, and
    /// make every check slower; callers beyond this wait their turn.
    verify_permits: tokio::sync::Semaphore,
    limits: Limits,
    started: Instant,
    metrics: Arc<Metrics>,
    writes: tokio::sync::watch::Sender<WriteHealth>,
    /// [`Limits::memory_budget_bytes`], one permit per KiB.
    memory: Arc<tokio::sync::Semaphore>,
    /// Cluster mode: the database and how far this node follows it.
    cluster: Option<Arc<Cluster>>,
    /// Cluster mode: the last change this node wrote to the database.
    cluster_written: std::sync::atomic::AtomicU64,
}

/// Whether the store takes writes. After a write fails for a full disk,
/// sled's log cannot be written again by this process (a later flush
/// would wait for ever), so writes stay stopped until a restart; reads go
/// on meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteHealth {
    Writable,
    /// A write failed for a full disk (or quota).
    DiskFull,
    /// A flush did not finish within [`FLUSH_TIMEOUT`].
    Stalled,
}

/// How long a flush may take before the write it acknowledges fails and
/// writes stop: a flush takes milliseconds, one that has not finished
/// after this waits for a disk that no longer takes writes.
pub const FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn validate_document_id(field: &'static str, id: &str, limit: usize) -> Result<(), ServiceError> {
    if id.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if id.len() > limit {
        return Err(invalid(
            field,
            format!("is {} bytes, the limit is {limit}", id.len()),
        ));
    }
    if let Some(control) = id.chars().find(|c| c.is_control()) {
        return Err(invalid(
            field,
            format!(
                "must not contain control characters (found U+{:04X})",
                control as u32
            ),
        ));
    }
    Ok(())
}

fn parse_language(code: &str) -> Result<Option<Language>, ServiceError> {
    if code.trim().is_empty() {
        return Ok(None);
    }
    Language::from_code(code).map(Some).ok_or_else(|| {
        invalid(
            "language",
            format!("{code:?} is not supported; use \"vi\", \"en\" or leave it empty to detect"),
        )
    })
}

fn check_length(field: &'static str, value: &str, limit: usize) -> Result<(), ServiceError> {
    if value.len() > limit {
        return Err(invalid(
            field,
            format!("is {} bytes, the limit is {limit}", value.len()),
        ));
    }
    Ok(())
}

fn check_at_most(field: &'static str, value: u32, limit: u32) -> Result<(), ServiceError> {
    if value > limit {
        return Err(invalid(field, format!("is {value}, the limit is {limit}")));
    }
    Ok(())
}

fn encode_page_token(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_page_token(token: &str) -> Result<String, ServiceError> {
    let bad = || invalid("page_token", "is not a token returned by ListDocuments");
    if !token.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map_err(|_| bad())
}

/// The memory budget's permits: one per KiB, within what a semaphore holds.
pub fn memory_permits(bytes: u64) -> usize {
    (bytes / 1024).clamp(1, tokio::sync::Semaphore::MAX_PERMITS as u64) as usize
}

/// Cores this process may use (2 if the system cannot tell): what bounds
/// the CPU-bound work run at once.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

impl Service {
    pub fn open(
        data_dir: &Path,
        caches: CacheSizes,
        limits: Limits,
    ) -> Result<Service, ServiceError> {
        let engine = Engine::open(data_dir, caches, limits.candidate_sentences)?;
        Ok(Service {
            engine: Arc::new(engine),
            verify_permits: tokio::sync::Semaphore::new(2 * cores()),
            started: Instant::now(),
            metrics: Arc::new(Metrics::new()),
            writes: tokio::sync::watch::Sender::new(WriteHealth::Writable),
            memory: Arc::new(tokio::sync::Semaphore::new(memory_permits(
                limits.memory_budget_bytes,
            ))),
            limits,
            cluster: None,
            cluster_written: Default::default(),
        })
    }

    /// The engine, for what follows the cluster's log into it.
    pub fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine)
    }

    /// Makes this service a cluster node: writes go to the cluster's
    /// database, reads wait for `min_sequence`.
    pub fn with_cluster(mut self, cluster: Arc<Cluster>) -> Service {
        self.cluster = Some(cluster);
        self
    }

    /// Cluster mode: whether this node has caught up with the log as it
    /// stood at start (always true without a cluster).
    pub fn caught_up(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        self.cluster.as_ref().map(|cluster| cluster.caught_up())
    }

    /// Cluster mode: waits (at most [`MIN_SEQUENCE_WAIT`]) until this node
    /// has applied change `sequence`; nothing to wait for without a cluster
    /// or with 0.
    async fn reach(&self, sequence: u64) -> Result<(), ServiceError> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        if sequence == 0 || cluster.wait_applied(sequence, MIN_SEQUENCE_WAIT).await {
            return Ok(());
        }
        Err(ServiceError::NotApplied {
            asked: sequence,
            applied: cluster.applied(),
        })
    }
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// What the service counts for operators.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, ServiceError> + Send + 'static,
    {
        let engine = Arc::clone(&self.engine);
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .map_err(ServiceError::WorkerFailed)?
    }

    pub fn validate_document(
        &self,
        request: DocumentRequest,
    ) -> Result<DocumentInput, ServiceError> {
        let limits = &self.limits;
        validate_document_id(
            "document_id",
            &request.document_id,
            limits.max_document_id_bytes,
        )?;
        if request.text.trim().is_empty() {
            return Err(invalid("text", "must not be empty"));
        }
        check_length("text", &request.text, limits.max_document_bytes)?;
        check_length("title", &request.title, limits.max_title_bytes)?;
        check_length("url", &request.url, limits.max_url_bytes)?;
        check_length(
            "published_at",
            &request.published_at,
            limits.max_title_bytes,
        )?;
        if publication_day(&request.published_at).is_err() {
            return Err(invalid(
                "published_at",
                "must be an ISO 8601 date (2024-03-05) or date-time (2024-03-05T08:30:00+07:00)",
            ));
        }
        self.validate_metadata("metadata", &request.metadata)?;
        let language = parse_language(&request.language)?;
        Ok(DocumentInput {
            document_id: request.document_id,
            text: request.text,
            title: request.title,
            url: request.url,
            published_at: request.published_at,
            language,
            metadata: request.metadata,
        })
    }

    pub fn validate_claim(&self, request: ClaimRequest) -> Result<ClaimInput, ServiceError> {
        let limits = &self.limits;
        if request.claim.trim().is_empty() {
            return Err(invalid("claim", "must not be empty"));
        }
        check_length("claim", &request.claim, limits.max_claim_bytes)?;
        check_at_most("max_evidence", request.max_evidence, limits.max_evidence)?;
        self.validate_document_filter("document_ids", &request.document_ids)?;
        self.validate_document_filter("exclude_document_ids", &request.exclude_document_ids)?;
        let filter = self.validate_record_filter(
            &request.published_after,
            &request.published_before,
            request.metadata,
        )?;
        let max_evidence = if request.max_evidence == 0 {
            limits.default_evidence
        } else {
            request.max_evidence
        };
        Ok(ClaimInput {
            claim: request.claim,
            max_evidence: max_evidence as usize,
            document_ids: request.document_ids,
            exclude_document_ids: request.exclude_document_ids,
            language: parse_language(&request.language)?,
            filter,
        })
    }

    fn validate_metadata(
        &self,
        field: &'static str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), ServiceError> {
        let limits = &self.limits;
        if metadata.len() > limits.max_metadata_entries {
            return Err(invalid(
                field,
                format!(
                    "has {} entries, the limit is {}",
                    metadata.len(),
                    limits.max_metadata_entries
                ),
            ));
        }
        let bytes: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
        if bytes > limits.max_metadata_bytes {
            return Err(invalid(
                field,
                format!(
                    "is {bytes} bytes, the limit is {}",
                    limits.max_metadata_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The filter on documents' publication day and metadata a request
    /// asks for (the dates as ISO dates, inclusive).
    fn validate_record_filter(
        &self,
        published_after: &str,
        published_before: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<RecordFilter, ServiceError> {
        let day = |field: &'static str, text: &str| {
            filter_day(text).map_err(|_| invalid(field, "must be an ISO date such as 2024-03-05"))
        };
        let published_after = day("published_after", published_after)?;
        let published_before = day("published_before", published_before)?;
        if let (Some(after), Some(before)) = (published_after, published_before) {
            if after > before {
                return Err(invalid(
                    "published_after",
                    format!("is after published_before ({after} > {before})"),
                ));
            }
        }
        self.validate_metadata("metadata", &metadata)?;
        Ok(RecordFilter {
            published_after,
            published_before,
            metadata,
        })
    }

    fn validate_document_filter(
        &self,
        field: &'static str,
        ids: &[String],
    ) -> Result<(), ServiceError> {
        let limits = &self.limits;
        if ids.len() > limits.max_document_filter {
            return Err(invalid(
                field,
                format!(
                    "has {} ids, the limit is {}",
                    ids.len(),
                    limits.max_document_filter
                ),
            ));
        }
        for id in ids {
            validate_document_id(field, id, limits.max_document_id_bytes)?;
        }
        Ok(())
    }

    /// Validates a draft, reads it into claims (on the blocking pool) and
    /// finds stored copies of it, which its claims then leave out.
    pub async fn plan_draft(&self, request: DraftRequest) -> Result<DraftPlan, ServiceError> {
        let limits = self.limits.clone();
        if request.text.trim().is_empty() {
            return Err(invalid("text", "must not be empty"));
        }
        check_length("text", &request.text, limits.max_draft_bytes)?;
        check_at_most("max_claims", request.max_claims, limits.max_draft_claims)?;
        check_at_most("max_evidence", request.max_evidence, limits.max_evidence)?;
        self.validate_document_filter("document_ids", &request.document_ids)?;
        self.validate_document_filter("exclude_document_ids", &request.exclude_document_ids)?;
        let filter = self.validate_record_filter(
            &request.published_after,
            &request.published_before,
            request.metadata.clone(),
        )?;
        let language = parse_language(&request.language)?;
        self.reach(request.min_sequence).await?;
        let max_claims = match request.max_claims {
            0 => limits.max_draft_claims,
            asked => asked,
        };
        let max_evidence = match request.max_evidence {
            0 => limits.default_draft_evidence,
            asked => asked,
        } as usize;
        self.blocking(move |engine| {
            let text = &request.text;
            let language = language.unwrap_or_else(|| detect_language(&normalize_nfc(text)));
            let sentences = read_draft(text, language, limits.max_claim_bytes);
            let claims: Vec<_> = sentences
                .iter()
                .filter(|sentence| sentence.role == SentenceRole::Claim)
                .collect();
            if claims.len() > max_claims as usize {
                return Err(invalid(
                    "text",
                    format!(
                        "holds {} claims to check, more than max_claims ({max_claims}); \
                         check it in parts",
                        claims.len()
                    ),
                ));
            }
            let self_document_ids = engine.documents_with_text(text)?;
            let mut excluded = request.exclude_document_ids;
            excluded.extend(self_document_ids.iter().cloned());
            let claims = claims
                .into_iter()
                .map(|sentence| PlannedClaim {
                    start: sentence.start,
                    end: sentence.end,
                    input: ClaimInput {
                        claim: text[sentence.start..sentence.end].to_string(),
                        max_evidence,
                        document_ids: request.document_ids.clone(),
                        exclude_document_ids: excluded.clone(),
                        language: Some(language),
                        filter: filter.clone(),
                    },
                })
                .collect();
            Ok(DraftPlan {
                sentence_count: sentences.len() as u32,
                claims,
                self_document_ids,
            })
        })
        .await
    }

    /// Checks a whole draft; its claims are checked several at a time.
    pub async fn check_draft(
        self: &Arc<Self>,
        request: DraftRequest,
    ) -> Result<DraftReport, ServiceError> {
        let plan = self.plan_draft(request).await?;
        let sentence_count = plan.sentence_count;
        let self_document_ids = plan.self_document_ids.clone();
        let claims = Service::check_planned(Arc::clone(self), plan)
            .try_collect()
            .await?;
        Ok(DraftReport {
            sentence_count,
            claims,
            self_document_ids,
        })
    }

    /// The claims of a planned draft, checked in draft order; up to one
    /// claim per core is checked at once (each waits for a verification
    /// permit like any claim). Two per core measured the same in the
    /// whole-draft bench (`cargo bench --bench draft`).
    pub fn check_planned(
        service: Arc<Service>,
        plan: DraftPlan,
    ) -> impl Stream<Item = Result<CheckedClaim, ServiceError>> + Send + 'static {
        futures_util::stream::iter(plan.claims.into_iter().enumerate())
            .map(move |(position, claim)| {
                let service = Arc::clone(&service);
                async move {
                    let result = service.verify_input(claim.input).await?;
                    Ok(CheckedClaim {
                        position,
                        span: (claim.start, claim.end),
                        result,
                    })
                }
            })
            .buffered(cores())
    }

    /// Validates and analyses a document on the blocking pool, without
    /// storing it: streams analyse several documents at once, then store
    /// them in order with `store_unflushed`.
    pub async fn analyse(&self, request: DocumentRequest) -> Result<Analysed, ServiceError> {
        self.metrics.record_ingest(request.text.len());
        let input = self.validate_document(request)?;
        let memory = self
            .reserve_memory(INGEST_MEMORY_PER_TEXT_BYTE * input.text.len() as u64)
            .await?;
        let document = self.blocking(move |_| Ok(analyse_document(input))).await?;
        Ok(Analysed {
            document,
            _memory: memory,
        })
    }

    /// Stores a document without flushing; call `flush` before acknowledging.
    pub async fn ingest_unflushed(
        &self,
        request: DocumentRequest,
    ) -> Result<IngestOutcome, ServiceError> {
        let analysed = self.analyse(request).await?;
        self.store_unflushed(analysed).await
    }

    /// Stores an analysed document without flushing; call `flush` before
    /// acknowledging.
    pub async fn store_unflushed(&self, analysed: Analysed) -> Result<IngestOutcome, ServiceError> {
        self.refuse_when_writes_stopped()?;
        if let Some(cluster) = &self.cluster {
            let Analysed {
                document: analysed,
                _memory,
            } = analysed;
            let logged = cluster.put(&analysed).await?;
            self.cluster_written
                .fetch_max(logged.sequence, std::sync::atomic::Ordering::SeqCst);
            return Ok(IngestOutcome {
                document_id: analysed.record.document_id,
                sentence_count: analysed.record.sentence_count,
                quantity_count: analysed.record.quantity_count,
                replaced: logged.replaced,
                language: analysed.record.language,
                sequence: logged.sequence,
            });
        }
        let stored = self
            .blocking(move |engine| {
                // The memory stays reserved until the document is stored.
                let Analysed {
                    document: analysed,
                    _memory,
                } = analysed;
                let outcome = engine.put_document(&analysed)?;
                Ok(IngestOutcome {
                    document_id: analysed.record.document_id,
                    sentence_count: analysed.record.sentence_count,
                    quantity_count: analysed.record.quantity_count,
                    replaced: outcome.replaced.is_some(),
                    language: analysed.record.language,
                    sequence: 0,
                })
            })
            .await;
        self.note_write(stored)
    }

    /// Stores a document durably.
    pub async fn ingest(&self, request: DocumentRequest) -> Result<IngestOutcome, ServiceError> {
        let outcome = self.ingest_unflushed(request).await?;
        self.flush().await?;
        Ok(outcome)
    }

    /// Makes every write so far durable, within [`FLUSH_TIMEOUT`]: what
    /// an acknowledgement waits for. The search index is committed in
    /// groups (see `Engine::flush_durable`); every search sees the write.
    pub async fn flush(&self) -> Result<(), ServiceError> {
        self.flush_with(Engine::flush_durable).await
    }

    /// Makes every write so far durable and commits the search index, so
    /// that a start after a stop has nothing to replay.
    pub async fn flush_and_commit(&self) -> Result<(), ServiceError> {
        self.flush_with(Engine::flush).await
    }

    async fn flush_with(
        &self,
        flush: fn(&Engine) -> Result<(), EngineError>,
    ) -> Result<(), ServiceError> {
        self.refuse_when_writes_stopped()?;
        if let Some(cluster) = &self.cluster {
            // Committed in the database already: durable. Waiting for this
            // node to apply it lets the node that took the write answer
            // with it at once.
            let written = self
                .cluster_written
                .load(std::sync::atomic::Ordering::SeqCst);
            if !cluster.wait_applied(written, LOCAL_APPLY_WAIT).await {
                tracing::warn!(
                    written,
                    applied = cluster.applied(),
                    "a write is committed in the cluster but not applied on this node yet"
                );
            }
            return Ok(());
        }
        let flushing = self.blocking(move |engine| Ok(flush(engine)?));
        let flushed = match tokio::time::timeout(FLUSH_TIMEOUT, flushing).await {
            Ok(flushed) => flushed,
            Err(_) => Err(ServiceError::WritesStopped(WriteHealth::Stalled)),
        };
        self.note_write(flushed)
    }

    /// Waits until `bytes` of the memory budget are free and holds them
    /// until the permit is dropped. A request weighing more than the whole
    /// budget takes all of it (it runs alone) rather than waiting for ever.
    async fn reserve_memory(
        &self,
        bytes: u64,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, ServiceError> {
        let wanted = memory_permits(bytes.div_ceil(1024).max(1) * 1024)
            .min(memory_permits(self.limits.memory_budget_bytes));
        Arc::clone(&self.memory)
            .acquire_many_owned(wanted as u32)
            .await
            .map_err(|_| ServiceError::ShuttingDown)
    }

    /// Whether the store takes writes; the receiver sees each change.
    pub fn write_health(&self) -> tokio::sync::watch::Receiver<WriteHealth> {
        self.writes.subscribe()
    }

    fn refuse_when_writes_stopped(&self) -> Result<(), ServiceError> {
        match *self.writes.borrow() {
            WriteHealth::Writable => Ok(()),
            stopped => Err(ServiceError::WritesStopped(stopped)),
        }
    }

    /// Stops writes when a write failed for a full disk or a stalled flush.
    fn note_write<T>(&self, outcome: Result<T, ServiceError>) -> Result<T, ServiceError> {
        let stopped = match &outcome {
            Err(ServiceError::Store(StoreError::DiskFull(_))) => WriteHealth::DiskFull,
            Err(ServiceError::Index(error)) if error.is_disk_full() => WriteHealth::DiskFull,
            Err(ServiceError::WritesStopped(health)) => *health,
            _ => return outcome,
        };
        self.writes.send_if_modified(|current| {
            let first = *current == WriteHealth::Writable;
            if first {
                *current = stopped;
            }
            first
        });
        match outcome {
            // The index's own message names the device, not what to do.
            Err(ServiceError::Index(error)) if error.is_disk_full() => {
                tracing::error!(%error, "the search index met a full disk");
                Err(ServiceError::WritesStopped(WriteHealth::DiskFull))
            }
            outcome => outcome,
        }
    }

    pub async fn document(
        &self,
        id: String,
        min_sequence: u64,
    ) -> Result<FullDocument, ServiceError> {
        validate_document_id("document_id", &id, self.limits.max_document_id_bytes)?;
        self.reach(min_sequence).await?;
        let record = {
            let id = id.clone();
            self.blocking(move |engine| {
                engine
                    .store()
                    .document(&id)?
                    .ok_or(ServiceError::NotFound(id))
            })
            .await?
        };
        let _memory = self
            .reserve_memory(READ_MEMORY_PER_TEXT_BYTE * record.text_bytes)
            .await?;
        self.blocking(move |engine| {
            engine
                .store()
                .full_document(&id)?
                .ok_or(ServiceError::NotFound(id))
        })
        .await
    }

    /// A page of stored documents in id order, those `filter` allows. A
    /// page reads at most [`LIST_SCAN_LIMIT`] records, so a filter few
    /// documents pass may give a short page (even an empty one) with a
    /// token to go on.
    pub async fn list_documents(&self, request: ListRequest) -> Result<DocumentPage, ServiceError> {
        let ListRequest {
            page_size,
            page_token,
            published_after,
            published_before,
            metadata,
            min_sequence,
        } = request;
        check_at_most("page_size", page_size, self.limits.max_page_size)?;
        self.reach(min_sequence).await?;
        let filter = self.validate_record_filter(&published_after, &published_before, metadata)?;
        let size = if page_size == 0 {
            self.limits.default_page_size
        } else {
            page_size
        } as usize;
        let after = if page_token.is_empty() {
            None
        } else {
            Some(decode_page_token(&page_token)?)
        };
        self.blocking(move |engine| {
            let keep = |record: &DocumentRecord| {
                filter.allows(&DocumentAttributes::of(
                    &record.published_at,
                    &record.metadata,
                ))
            };
            let (documents, next) =
                engine
                    .store()
                    .list_documents(after.as_deref(), size, LIST_SCAN_LIMIT, &keep)?;
            let next_page_token = next.as_deref().map(encode_page_token).unwrap_or_default();
            Ok(DocumentPage {
                documents,
                next_page_token,
            })
        })
        .await
    }

    /// Deletes a document durably; returns its sentence count.
    pub async fn delete_document(&self, id: String) -> Result<DeleteOutcome, ServiceError> {
        validate_document_id("document_id", &id, self.limits.max_document_id_bytes)?;
        self.refuse_when_writes_stopped()?;
        if let Some(cluster) = &self.cluster {
            let deleted = cluster
                .delete(&id)
                .await?
                .ok_or(ServiceError::NotFound(id))?;
            self.cluster_written
                .fetch_max(deleted.sequence, std::sync::atomic::Ordering::SeqCst);
            self.flush().await?;
            return Ok(DeleteOutcome {
                sentence_count: deleted.sentence_count,
                sequence: deleted.sequence,
            });
        }
        let deleted = self
            .blocking(move |engine| {
                let deleted = engine
                    .delete_document(&id)?
                    .ok_or(ServiceError::NotFound(id))?;
                Ok(deleted.sentence_count)
            })
            .await;
        let sentence_count = self.note_write(deleted)?;
        self.flush().await?;
        Ok(DeleteOutcome {
            sentence_count,
            sequence: 0,
        })
    }

    /// Reads the sentences and quantities of a text; stores nothing.
    pub async fn extract(
        &self,
        text: String,
        language: String,
    ) -> Result<(Language, Vec<ReadSentence>), ServiceError> {
        if text.trim().is_empty() {
            return Err(invalid("text", "must not be empty"));
        }
        check_length("text", &text, self.limits.max_document_bytes)?;
        let language = parse_language(&language)?;
        self.blocking(move |_| {
            let text = normalize_nfc(&text);
            let language = language.unwrap_or_else(|| detect_language(&text));
            Ok((language, read_text(&text, language)))
        })
        .await
    }

    /// Checks a claim; a verdict computed while the store was as it is now
    /// is served again without recomputing it.
    pub async fn verify(
        &self,
        request: ClaimRequest,
    ) -> Result<Arc<VerificationResult>, ServiceError> {
        let min_sequence = request.min_sequence;
        let input = self.validate_claim(request)?;
        self.reach(min_sequence).await?;
        self.verify_input(input).await
    }

    /// Checks a validated claim.
    async fn verify_input(
        &self,
        input: ClaimInput,
    ) -> Result<Arc<VerificationResult>, ServiceError> {
        let cached = self.engine.cached_verdict(&input);
        self.metrics.record_verdict_cache(cached.is_some());
        let result = match cached {
            Some(result) => result,
            None => {
                let _permit = self
                    .verify_permits
                    .acquire()
                    .await
                    .map_err(|_| ServiceError::ShuttingDown)?;
                let budget = Budget::lasting(self.limits.verify_budget);
                // Dropping this future (the caller left, its deadline
                // passed, the server stopped) stops the work too.
                let _cancel = budget.cancel_on_drop();
                self.blocking(move |engine| Ok(engine.verify(&input, &budget)?))
                    .await?
            }
        };
        self.metrics.record_verdict(result.verdict);
        Ok(result)
    }

    pub async fn stats(&self) -> Result<ServiceStats, ServiceError> {
        let uptime_seconds = self.started.elapsed().as_secs();
        let cluster = self.cluster.as_ref().map(|cluster| ClusterProgress {
            applied: cluster.applied(),
            latest: cluster.head(),
            caught_up: *cluster.caught_up().borrow(),
        });
        self.blocking(move |engine| {
            Ok(ServiceStats {
                store: engine.stats()?,
                uptime_seconds,
                cluster,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn large_requests_share_the_memory_budget() {
        let directory = tempfile::tempdir().unwrap();
        let limits = Limits {
            memory_budget_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let service = Service::open(directory.path(), CacheSizes::default(), limits).unwrap();
        let first = service.reserve_memory(800 * 1024).await.unwrap();
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            service.reserve_memory(800 * 1024),
        )
        .await;
        assert!(
            waiting.is_err(),
            "the second request waits while the first holds the memory"
        );
        drop(first);
        let second = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            service.reserve_memory(800 * 1024),
        )
        .await;
        assert!(second.is_ok(), "and gets it once the first is done");
        drop(second);
        // More than the whole budget: it runs alone instead of never.
        let alone = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            service.reserve_memory(10 * 1024 * 1024),
        )
        .await;
        assert!(alone.is_ok());
    }

    #[test]
    fn page_tokens_round_trip() {
        for id in ["000_a.txt", "tài liệu/1", ""] {
            assert_eq!(decode_page_token(&encode_page_token(id)).unwrap(), id);
        }
        assert!(decode_page_token("zz").is_err());
        assert!(decode_page_token("abc").is_err());
    }

    #[test]
    fn document_ids_are_checked() {
        assert!(validate_document_id("document_id", "ok.txt", 256).is_ok());
        assert!(validate_document_id("document_id", "", 256).is_err());
        assert!(validate_document_id("document_id", &"x".repeat(257), 256).is_err());
        let error = validate_document_id("document_id", "a\u{7}b", 256)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("document_id") && error.contains("control"),
            "{error}"
        );
    }
}
