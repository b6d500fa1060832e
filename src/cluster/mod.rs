//! Cluster mode (`serve --cluster postgres://...`): many nodes over one
//! PostgreSQL database, which is the source of truth ([`log`]). A write
//! through any node is one transaction there; every node keeps its own
//! store and search index as a replica, which it brings up to date by
//! following the change log: woken by the database's notifications (and
//! every [`POLL_INTERVAL`] in case one was missed), it reads the changes
//! after the last one it applied, analyses and applies them through the
//! engine, and makes them durable and searchable with one flush per page.
//! The last applied change is written in the store's batch with each
//! change it applies, so a node killed at any moment resumes after exactly
//! what it holds; a new node (an empty data directory) reads the whole
//! log. Reads are answered from the node's replica: a request that
//! carries a `min_sequence` waits (bounded) until the node has applied it.

pub mod log;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::analysis::analyse_document;
use crate::engine::{Engine, EngineError};
use crate::model::AnalysedDocument;

pub use log::{ChangeAction, ClusterError, ClusterLog, Logged, LoggedDeletion};

/// How often a node reads the log when no notification came.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Changes read and applied per page (one flush each).
const CHANGES_PER_PAGE: u32 = 256;
/// The least time between two pages applied. Each page ends with a flush,
/// whose index commit writes a segment (later merged): under a stream of
/// writes, applying each as it came made one commit per document and took
/// a core (3,000 articles through a node: 0.6-0.8 MB/s, the node's CPU
/// busy throughout, half of it in tantivy's indexing and merging). Waiting
/// this long gathers the writes of the interval into one page, at the
/// price of at most this much more lag; an idle node applies a write at
/// once.
const LEAST_PAGE_INTERVAL: Duration = Duration::from_millis(50);
/// Pooled database connections per node (the listener has its own).
pub const DEFAULT_CONNECTIONS: usize = 8;
/// How long a write waits for a database connection again after the
/// database was unreachable (nothing was sent, so trying again is safe).
const WRITE_RETRY_BUDGET: Duration = Duration::from_secs(3);
const WRITE_RETRY_PAUSE: Duration = Duration::from_millis(200);

/// Why the node could not apply the log.
#[derive(Debug, thiserror::Error)]
enum FollowError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the worker applying changes stopped: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// A node's view of the cluster: the database, and how far this node has
/// applied the log.
pub struct Cluster {
    log: ClusterLog,
    /// The last change this node applied (durable and searchable).
    applied: watch::Receiver<u64>,
    /// The last change this node has seen in the log.
    head: Arc<AtomicU64>,
    /// Whether the node had caught up with the log as it stood at start.
    caught_up: watch::Receiver<bool>,
    wake: Arc<Notify>,
}

impl Cluster {
    /// Connects to the database at `address` and starts following its log
    /// into `engine` until `stopped` turns true.
    pub async fn start(
        address: &str,
        connections: usize,
        engine: Arc<Engine>,
        stopped: watch::Receiver<bool>,
    ) -> Result<Arc<Cluster>, ClusterError> {
        let log = ClusterLog::connect(address, connections).await?;
        let (applied_sender, applied) = watch::channel(engine.store().followed());
        let (caught_up_sender, caught_up) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let head = Arc::new(AtomicU64::new(*applied.borrow()));
        let listening = log.clone();
        let (listen_wake, listen_stopped) = (Arc::clone(&wake), stopped.clone());
        tokio::spawn(async move { listening.listen(listen_wake, listen_stopped).await });
        let follower = Follower {
            log: log.clone(),
            engine,
            applied: applied_sender,
            caught_up: caught_up_sender,
            head: Arc::clone(&head),
            wake: Arc::clone(&wake),
        };
        tokio::spawn(follower.run(stopped));
        Ok(Arc::new(Cluster {
            log,
            applied,
            head,
            caught_up,
            wake,
        }))
    }

    /// Stores `document` in the database (durable when this returns).
    pub async fn put(&self, document: &AnalysedDocument) -> Result<Logged, ClusterError> {
        let logged = retry_unavailable(|| self.log.put(document)).await?;
        self.note_written(logged.sequence);
        Ok(logged)
    }

    /// Deletes document `id` in the database; `None` when absent.
    pub async fn delete(&self, id: &str) -> Result<Option<LoggedDeletion>, ClusterError> {
        let deleted = retry_unavailable(|| self.log.delete(id)).await?;
        if let Some(deleted) = &deleted {
            self.note_written(deleted.sequence);
        }
        Ok(deleted)
    }

    fn note_written(&self, sequence: u64) {
        self.head.fetch_max(sequence, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Waits until this node has applied change `sequence`, at most
    /// `patience`; whether it has.
    pub async fn wait_applied(&self, sequence: u64, patience: Duration) -> bool {
        if *self.applied.borrow() >= sequence {
            return true;
        }
        self.wake.notify_one();
        let mut applied = self.applied.clone();
        let reached = tokio::time::timeout(patience, async {
            applied
                .wait_for(|applied| *applied >= sequence)
                .await
                .is_ok()
        })
        .await;
        reached.unwrap_or(false)
    }

    /// The last change this node applied.
    pub fn applied(&self) -> u64 {
        *self.applied.borrow()
    }

    /// The last change this node has seen in the log.
    pub fn head(&self) -> u64 {
        self.head.load(Ordering::SeqCst).max(self.applied())
    }

    /// Turns true once the node has applied the log as it stood at start.
    pub fn caught_up(&self) -> watch::Receiver<bool> {
        self.caught_up.clone()
    }
}

/// Runs `write` again while no database connection could be had, within
/// [`WRITE_RETRY_BUDGET`].
async fn retry_unavailable<T, F, Fut>(mut write: F) -> Result<T, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClusterError>>,
{
    let started = tokio::time::Instant::now();
    loop {
        match write().await {
            Err(ClusterError::Unavailable(reason))
                if started.elapsed() + WRITE_RETRY_PAUSE < WRITE_RETRY_BUDGET =>
            {
                tracing::debug!(%reason, "cluster database unavailable; trying again");
                tokio::time::sleep(WRITE_RETRY_PAUSE).await;
            }
            outcome => return outcome,
        }
    }
}

/// The task that applies the log to this node's engine.
struct Follower {
    log: ClusterLog,
    engine: Arc<Engine>,
    applied: watch::Sender<u64>,
    caught_up: watch::Sender<bool>,
    head: Arc<AtomicU64>,
    wake: Arc<Notify>,
}

impl Follower {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut start_head = None;
        let mut last_page = tokio::time::Instant::now() - LEAST_PAGE_INTERVAL;
        loop {
            if start_head.is_none() {
                match self.log.head().await {
                    Ok(head) => {
                        self.head.fetch_max(head, Ordering::SeqCst);
                        start_head = Some(head);
                    }
                    Err(error) => tracing::warn!(%error, "cannot read the cluster's log"),
                }
            }
            match self.catch_up(start_head, &mut last_page).await {
                Ok(()) => self.note_caught_up(start_head),
                Err(error) => {
                    tracing::warn!(%error, "cannot apply the cluster's log; trying again")
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
        }
    }

    /// Says the node has caught up once it has applied the log as it
    /// stood at start (`start_head`, when it could be read).
    fn note_caught_up(&self, start_head: Option<u64>) {
        let Some(head) = start_head else {
            return;
        };
        if *self.applied.borrow() >= head && !*self.caught_up.borrow() {
            tracing::info!(applied = head, "caught up with the cluster's log");
            self.caught_up.send_replace(true);
        }
    }

    /// Applies every change after the last applied one, a page at a time.
    async fn catch_up(
        &self,
        start_head: Option<u64>,
        last_page: &mut tokio::time::Instant,
    ) -> Result<(), FollowError> {
        loop {
            tokio::time::sleep_until(*last_page + LEAST_PAGE_INTERVAL).await;
            let after = *self.applied.borrow();
            let changes = self.log.changes_after(after, CHANGES_PER_PAGE).await?;
            let Some(last) = changes.last().map(|change| change.sequence) else {
                return Ok(());
            };
            self.head.fetch_max(last, Ordering::SeqCst);
            let engine = Arc::clone(&self.engine);
            tokio::task::spawn_blocking(move || apply(&engine, changes, last)).await??;
            *last_page = tokio::time::Instant::now();
            self.applied.send_replace(last);
            self.note_caught_up(start_head);
        }
    }
}

/// Applies a page of changes ending at `last` and makes it durable and
/// searchable.
fn apply(engine: &Engine, changes: Vec<log::Change>, last: u64) -> Result<(), EngineError> {
    for change in changes {
        let followed = Some(change.sequence);
        match change.action {
            ChangeAction::Put(input) => {
                engine.put_document_following(&analyse_document(input), followed)?;
            }
            ChangeAction::Delete => {
                engine.delete_document_following(&change.document_id, followed)?;
            }
            ChangeAction::Superseded => {}
        }
    }
    engine.note_followed(last)?;
    engine.flush()
}
