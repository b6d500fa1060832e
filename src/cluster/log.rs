//! The cluster's source of truth in PostgreSQL: **the only module that
//! touches tokio-postgres.** Documents, their sentences and their
//! quantities live in tables keyed by `document_id` (no foreign key across
//! documents, so Citus can distribute all three on `document_id`
//! unchanged), next to a change log: one row per write, numbered by a
//! sequence with no gaps, in commit order.
//!
//! A write is one transaction: it takes the log's advisory lock (writers
//! queue there, so sequence numbers are handed out in commit order and a
//! follower reading "after n" never skips one that commits later), writes
//! the document's rows, appends its change, and sends a notification on
//! [`CHANNEL`] that wakes the nodes. Storing a document whose
//! content hash is the stored one's is a no-op that appends nothing.
//!
//! Nodes read the log with [`ClusterLog::changes_after`]: each change
//! comes with the document as it is stored now (a later change of the same
//! document makes an earlier one stale, and applying the latest content is
//! what both would end at).
//!
//! The schema is versioned in `claimcheck_schema` and brought up to date
//! at connect, under an advisory lock so that nodes starting together
//! apply each migration once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::model::{AnalysedDocument, DocumentInput};
use crate::text::Language;

/// The channel a committed write notifies.
pub const CHANNEL: &str = "claimcheck_changes";
/// Advisory lock keys (one 64-bit space per database): the change log's
/// writers and the schema's migrations.
const LOG_LOCK: i64 = 0x636c_6169_6d63_6c67; // "claimclg"
const MIGRATION_LOCK: i64 = 0x636c_6169_6d63_6d67; // "claimcmg"
/// How long a request waits for a pooled connection before it is refused.
const POOL_WAIT: Duration = Duration::from_secs(5);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Each migration, in order; the version is its position plus one. A
/// shipped migration is never edited: a change is a new one.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE claimcheck_documents (
    document_id    text PRIMARY KEY,
    -- SHA-256 of everything the document was stored with.
    content_hash   bytea NOT NULL,
    -- The change that stored this version.
    sequence       bigint NOT NULL,
    title          text NOT NULL,
    url            text NOT NULL,
    published_at   text NOT NULL,
    language       text NOT NULL,
    metadata       jsonb NOT NULL,
    text           text NOT NULL,
    sentence_count integer NOT NULL,
    quantity_count integer NOT NULL
);
CREATE TABLE claimcheck_sentences (
    document_id text NOT NULL,
    position    integer NOT NULL,
    text        text NOT NULL,
    -- UTF-8 byte offsets in the document's text.
    start_byte  integer NOT NULL,
    end_byte    integer NOT NULL,
    PRIMARY KEY (document_id, position)
);
CREATE TABLE claimcheck_quantities (
    document_id       text NOT NULL,
    sentence_position integer NOT NULL,
    position          integer NOT NULL,
    text              text NOT NULL,
    kind              text NOT NULL,
    value             double precision NOT NULL,
    unit              text NOT NULL,
    -- Everything read of the figure, as the API's Quantity has it.
    detail            jsonb NOT NULL,
    PRIMARY KEY (document_id, sentence_position, position)
);
CREATE TABLE claimcheck_changes (
    sequence     bigint PRIMARY KEY,
    document_id  text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('put', 'delete')),
    committed_at timestamptz NOT NULL DEFAULT now()
);
"#];

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The address given to `--cluster` is not a PostgreSQL address.
    #[error("--cluster is not a PostgreSQL address (postgres://user@host:port/database): {0}")]
    Address(String),
    /// No pooled connection could be had in time (the database is down,
    /// unreachable or every connection is busy).
    #[error("the cluster database is unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error("the cluster database refused a statement: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// PostgreSQL text cannot hold a NUL character.
    #[error("{0} holds a NUL character, which the cluster database cannot store")]
    Nul(&'static str),
    /// A stored row does not read back as written.
    #[error("the cluster database holds a row that does not read back: {0}")]
    Corrupt(String),
}

impl ClusterError {
    /// Whether the same request may succeed later (the database was
    /// unreachable or broke the connection), as opposed to a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            ClusterError::Unavailable(_) => true,
            ClusterError::Database(error) => error.is_closed() || error.as_db_error().is_none(),
            ClusterError::Address(_) | ClusterError::Nul(_) | ClusterError::Corrupt(_) => false,
        }
    }
}

/// A write appended to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logged {
    /// The change's sequence number; for a put whose content was already
    /// stored, the change that stored it (nothing was appended).
    pub sequence: u64,
    /// A document with this id was stored before (and is replaced).
    pub replaced: bool,
    /// The same content was stored already: nothing changed.
    pub unchanged: bool,
}

/// A deletion appended to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedDeletion {
    pub sequence: u64,
    pub sentence_count: u32,
}

/// A change as a node applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub sequence: u64,
    pub document_id: String,
    pub action: ChangeAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChangeAction {
    /// Store this document (to be analysed as it was at the write).
    Put(DocumentInput),
    /// The document is not stored (any more).
    Delete,
    /// A later change of the same document follows: nothing to do here.
    Superseded,
}

/// A document's quantities, one array per column, for one insert.
#[derive(Default)]
struct QuantityColumns<'a> {
    sentences: Vec<i32>,
    positions: Vec<i32>,
    texts: Vec<&'a str>,
    kinds: Vec<&'static str>,
    values: Vec<f64>,
    units: Vec<&'a str>,
}

/// The cluster's tables, through a bounded pool of connections.
#[derive(Clone)]
pub struct ClusterLog {
    pool: Pool,
    config: tokio_postgres::Config,
}

/// SHA-256 over every field a document is stored with, each length-prefixed.
fn content_hash(document: &AnalysedDocument) -> Vec<u8> {
    use sha2::Digest;
    let record = &document.record;
    let mut hasher = sha2::Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(record.document_id.as_bytes());
    field(document.text.as_bytes());
    field(record.title.as_bytes());
    field(record.url.as_bytes());
    field(record.published_at.as_bytes());
    field(record.language.code().as_bytes());
    for (key, value) in &record.metadata {
        field(key.as_bytes());
        field(value.as_bytes());
    }
    hasher.finalize().to_vec()
}

fn refuse_nul(document: &AnalysedDocument) -> Result<(), ClusterError> {
    let record = &document.record;
    let fields: [(&'static str, &str); 5] = [
        ("document_id", &record.document_id),
        ("text", &document.text),
        ("title", &record.title),
        ("url", &record.url),
        ("published_at", &record.published_at),
    ];
    for (name, value) in fields {
        if value.contains('\0') {
            return Err(ClusterError::Nul(name));
        }
    }
    if record
        .metadata
        .iter()
        .any(|(key, value)| key.contains('\0') || value.contains('\0'))
    {
        return Err(ClusterError::Nul("metadata"));
    }
    Ok(())
}

fn as_i32(value: impl TryInto<i32>, what: &str) -> Result<i32, ClusterError> {
    value
        .try_into()
        .map_err(|_| ClusterError::Corrupt(format!("{what} out of range")))
}

fn as_sequence(value: i64) -> Result<u64, ClusterError> {
    u64::try_from(value).map_err(|_| ClusterError::Corrupt(format!("sequence {value}")))
}

impl ClusterLog {
    /// Connects to the database at `address` with at most `connections`
    /// pooled connections, and brings the schema up to date.
    pub async fn connect(address: &str, connections: usize) -> Result<ClusterLog, ClusterError> {
        let mut config: tokio_postgres::Config = address
            .parse()
            .map_err(|error: tokio_postgres::Error| ClusterError::Address(error.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|error| ClusterError::Unavailable(error.to_string()))?;
        let log = ClusterLog { pool, config };
        log.migrate().await?;
        Ok(log)
    }

    async fn connection(&self) -> Result<deadpool_postgres::Object, ClusterError> {
        self.pool
            .get()
            .await
            .map_err(|error| ClusterError::Unavailable(error.to_string()))
    }

    async fn migrate(&self) -> Result<(), ClusterError> {
        let mut connection = self.connection().await?;
        let transaction = connection.transaction().await?;
        Self::take_lock(&transaction, MIGRATION_LOCK).await?;
        let versioned: bool = transaction
            .query_one("SELECT to_regclass('claimcheck_schema') IS NOT NULL", &[])
            .await?
            .get(0);
        if !versioned {
            transaction
                .batch_execute(
                    "CREATE TABLE claimcheck_schema (
                         version    integer PRIMARY KEY,
                         applied_at timestamptz NOT NULL DEFAULT now()
                     )",
                )
                .await?;
        }
        let applied: i32 = transaction
            .query_one(
                "SELECT coalesce(max(version), 0) FROM claimcheck_schema",
                &[],
            )
            .await?
            .get(0);
        for (at, migration) in MIGRATIONS.iter().enumerate() {
            let version = as_i32(at + 1, "schema version")?;
            if version <= applied {
                continue;
            }
            transaction.batch_execute(migration).await?;
            transaction
                .execute(
                    "INSERT INTO claimcheck_schema (version) VALUES ($1)",
                    &[&version],
                )
                .await?;
            tracing::info!(version, "cluster schema migrated");
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Stores `document`, replacing any with its id, in one transaction
    /// with its change; a no-op when the same content is stored.
    pub async fn put(&self, document: &AnalysedDocument) -> Result<Logged, ClusterError> {
        refuse_nul(document)?;
        let record = &document.record;
        let id = &record.document_id;
        let hash = content_hash(document);
        let mut connection = self.connection().await?;
        let transaction = connection.transaction().await?;
        Self::take_lock(&transaction, LOG_LOCK).await?;
        let stored = transaction
            .query_opt(
                &transaction.prepare_cached("SELECT content_hash, sequence FROM claimcheck_documents WHERE document_id = $1").await?,
                &[id],
            )
            .await?;
        if let Some(row) = &stored {
            let (stored_hash, sequence): (Vec<u8>, i64) = (row.get(0), row.get(1));
            if stored_hash == hash {
                transaction.commit().await?;
                return Ok(Logged {
                    sequence: as_sequence(sequence)?,
                    replaced: false,
                    unchanged: true,
                });
            }
            Self::delete_rows(&transaction, id).await?;
        }
        let sequence = Self::append(&transaction, id, "put").await?;
        let metadata = serde_json::to_value(&record.metadata)
            .map_err(|error| ClusterError::Corrupt(error.to_string()))?;
        transaction
            .execute(
                &transaction.prepare_cached("INSERT INTO claimcheck_documents (document_id, content_hash, sequence, title, url,
                     published_at, language, metadata, text, sentence_count, quantity_count)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11)").await?,
                &[
                    id,
                    &hash,
                    &sequence,
                    &record.title,
                    &record.url,
                    &record.published_at,
                    &record.language.code(),
                    &metadata.to_string(),
                    &document.text,
                    &as_i32(record.sentence_count, "sentence count")?,
                    &as_i32(record.quantity_count, "quantity count")?,
                ],
            )
            .await?;
        Self::insert_sentences(&transaction, document).await?;
        transaction.commit().await?;
        Ok(Logged {
            sequence: as_sequence(sequence)?,
            replaced: stored.is_some(),
            unchanged: false,
        })
    }

    /// The sentences and quantities of `document`, one statement each.
    async fn insert_sentences(
        transaction: &deadpool_postgres::Transaction<'_>,
        document: &AnalysedDocument,
    ) -> Result<(), ClusterError> {
        let id = &document.record.document_id;
        let (mut positions, mut texts, mut starts, mut ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut quantities = QuantityColumns::default();
        let mut details = Vec::new();
        for sentence in &document.sentences {
            let sentence = &sentence.record;
            let position = as_i32(sentence.index, "sentence position")?;
            positions.push(position);
            texts.push(sentence.text.as_str());
            starts.push(as_i32(sentence.start, "sentence offset")?);
            ends.push(as_i32(sentence.end, "sentence offset")?);
            for (at, quantity) in sentence.quantities.iter().enumerate() {
                quantities.sentences.push(position);
                quantities.positions.push(as_i32(at, "quantity position")?);
                quantities.texts.push(quantity.text.as_str());
                quantities.kinds.push(quantity.kind.name());
                quantities.values.push(quantity.value);
                quantities.units.push(quantity.unit.as_str());
                details.push(
                    serde_json::to_string(quantity)
                        .map_err(|error| ClusterError::Corrupt(error.to_string()))?,
                );
            }
        }
        transaction
            .execute(
                &transaction.prepare_cached("INSERT INTO claimcheck_sentences (document_id, position, text, start_byte, end_byte)
                 SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::integer[], $5::integer[])").await?,
                &[id, &positions, &texts, &starts, &ends],
            )
            .await?;
        transaction
            .execute(
                &transaction.prepare_cached("INSERT INTO claimcheck_quantities (document_id, sentence_position, position, text,
                     kind, value, unit, detail)
                 SELECT $1, s, p, t, k, v, u, d::jsonb
                 FROM unnest($2::integer[], $3::integer[], $4::text[], $5::text[],
                             $6::float8[], $7::text[], $8::text[]) AS q(s, p, t, k, v, u, d)").await?,
                &[
                    id,
                    &quantities.sentences,
                    &quantities.positions,
                    &quantities.texts,
                    &quantities.kinds,
                    &quantities.values,
                    &quantities.units,
                    &details,
                ],
            )
            .await?;
        Ok(())
    }

    async fn delete_rows(
        transaction: &deadpool_postgres::Transaction<'_>,
        id: &str,
    ) -> Result<(), ClusterError> {
        for table in [
            "claimcheck_quantities",
            "claimcheck_sentences",
            "claimcheck_documents",
        ] {
            transaction
                .execute(
                    &transaction
                        .prepare_cached(&format!("DELETE FROM {table} WHERE document_id = $1"))
                        .await?,
                    &[&id],
                )
                .await?;
        }
        Ok(())
    }

    /// Takes the advisory lock `key` until the transaction ends.
    async fn take_lock(
        transaction: &deadpool_postgres::Transaction<'_>,
        key: i64,
    ) -> Result<(), ClusterError> {
        transaction
            .execute(
                &transaction
                    .prepare_cached("SELECT pg_advisory_xact_lock($1)")
                    .await?,
                &[&key],
            )
            .await?;
        Ok(())
    }

    /// Appends a change (the log's lock is held) and returns its number;
    /// the nodes are notified when the transaction commits.
    async fn append(
        transaction: &deadpool_postgres::Transaction<'_>,
        id: &str,
        kind: &str,
    ) -> Result<i64, ClusterError> {
        let sequence: i64 = transaction
            .query_one(
                &transaction
                    .prepare_cached("SELECT coalesce(max(sequence), 0) + 1 FROM claimcheck_changes")
                    .await?,
                &[],
            )
            .await?
            .get(0);
        transaction
            .execute(
                &transaction.prepare_cached("INSERT INTO claimcheck_changes (sequence, document_id, kind) VALUES ($1, $2, $3)").await?,
                &[&sequence, &id, &kind],
            )
            .await?;
        transaction
            .execute(
                &transaction
                    .prepare_cached("SELECT pg_notify($1, $2)")
                    .await?,
                &[&CHANNEL, &sequence.to_string()],
            )
            .await?;
        Ok(sequence)
    }

    /// Deletes document `id` in one transaction with its change; `None`
    /// when it is not stored.
    pub async fn delete(&self, id: &str) -> Result<Option<LoggedDeletion>, ClusterError> {
        if id.contains('\0') {
            return Err(ClusterError::Nul("document_id"));
        }
        let mut connection = self.connection().await?;
        let transaction = connection.transaction().await?;
        Self::take_lock(&transaction, LOG_LOCK).await?;
        let Some(row) = transaction
            .query_opt(
                &transaction
                    .prepare_cached(
                        "SELECT sentence_count FROM claimcheck_documents WHERE document_id = $1",
                    )
                    .await?,
                &[&id],
            )
            .await?
        else {
            transaction.commit().await?;
            return Ok(None);
        };
        let sentence_count: i32 = row.get(0);
        Self::delete_rows(&transaction, id).await?;
        let sequence = Self::append(&transaction, id, "delete").await?;
        transaction.commit().await?;
        Ok(Some(LoggedDeletion {
            sequence: as_sequence(sequence)?,
            sentence_count: u32::try_from(sentence_count).unwrap_or(0),
        }))
    }

    /// The last change of the log (0 when it is empty).
    pub async fn head(&self) -> Result<u64, ClusterError> {
        let connection = self.connection().await?;
        let head: i64 = connection
            .query_one(
                "SELECT coalesce(max(sequence), 0) FROM claimcheck_changes",
                &[],
            )
            .await?
            .get(0);
        as_sequence(head)
    }

    /// At most `limit` changes after change `after`, in order, each with
    /// what applying it means now.
    pub async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<Change>, ClusterError> {
        let connection = self.connection().await?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = connection
            .query(
                "SELECT c.sequence, c.document_id, d.sequence, d.title, d.url, d.published_at,
                        d.language, d.metadata::text, d.text
                 FROM claimcheck_changes c
                 LEFT JOIN claimcheck_documents d ON d.document_id = c.document_id
                 WHERE c.sequence > $1
                 ORDER BY c.sequence
                 LIMIT $2",
                &[&after, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let sequence: i64 = row.get(0);
                let document_id: String = row.get(1);
                let stored: Option<i64> = row.get(2);
                let action = match stored {
                    None => ChangeAction::Delete,
                    Some(stored) if stored != sequence => ChangeAction::Superseded,
                    Some(_) => {
                        let metadata: String = row.get(7);
                        let metadata: BTreeMap<String, String> = serde_json::from_str(&metadata)
                            .map_err(|error| ClusterError::Corrupt(error.to_string()))?;
                        let language: String = row.get(6);
                        ChangeAction::Put(DocumentInput {
                            document_id: document_id.clone(),
                            text: row.get(8),
                            title: row.get(3),
                            url: row.get(4),
                            published_at: row.get(5),
                            language: Some(Language::from_code(&language).ok_or_else(|| {
                                ClusterError::Corrupt(format!("language {language:?}"))
                            })?),
                            metadata,
                        })
                    }
                };
                Ok(Change {
                    sequence: as_sequence(sequence)?,
                    document_id,
                    action,
                })
            })
            .collect()
    }

    /// Listens on [`CHANNEL`] with a connection of its own and wakes
    /// `wake` at every notification, until `stopped`; reconnects after a
    /// lost connection (waking `wake` then too, since notifications sent
    /// while it was away are lost).
    pub async fn listen(&self, wake: Arc<Notify>, mut stopped: tokio::sync::watch::Receiver<bool>) {
        const RETRY: Duration = Duration::from_secs(1);
        loop {
            let listening = async {
                let (client, mut connection) = self.config.connect(NoTls).await?;
                let (messages_in, mut messages) = tokio::sync::mpsc::unbounded_channel();
                let driver = tokio::spawn(async move {
                    let mut stream = futures_util::stream::poll_fn(move |context| {
                        connection.poll_message(context)
                    });
                    use futures_util::StreamExt;
                    while let Some(message) = stream.next().await {
                        match message {
                            Ok(message) => {
                                if messages_in.send(message).is_err() {
                                    break;
                                }
                            }
                            Err(error) => return Err(error),
                        }
                    }
                    Ok(())
                });
                client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
                wake.notify_one();
                while let Some(message) = messages.recv().await {
                    if let AsyncMessage::Notification(_) = message {
                        wake.notify_one();
                    }
                }
                drop(client);
                match driver.await {
                    Ok(result) => result,
                    Err(_) => Ok(()),
                }
            };
            tokio::select! {
                ended = listening => {
                    if let Err(error) = ended {
                        tracing::warn!(%error, "cluster notifications lost; listening again");
                    }
                }
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
            wake.notify_one();
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
        }
    }
}
