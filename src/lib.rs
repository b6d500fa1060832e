//! claimcheck: checks factual claims, above all claims with figures, against
//! a store of source articles.
//!
//! # Layout
//!
//! Pure core (no I/O):
//! - [`text`]: NFC normalisation, diacritic folding, sentences, tokens, language.
//! - [`quantity`]: reading figures in Vietnamese and English; comparing two.
//! - [`context`]: the names a text speaks of and the year that frames a sentence.
//! - [`analysis`]: a document → sentences, quantities, index terms, context.
//! - [`judge`]: claim reading, evidence windows, alignment, part accounting, the learned decision, explanation.
//! - [`draft`]: a draft → its sentences, each a claim to check or the reason it is not.
//! - [`learn`]: training the verdict model from labelled real claims (a temporary store, cross-validation).
//! - [`eval`]: label accuracy, macro-F1 and strict accuracy over labelled claims.
//! - [`filter`]: filters on a document's publication day and metadata.
//! - [`hashing`]: foldhash maps: fixed-seed for the program's tables, seeded for text clients store or send.
//! - [`disk`]: whether an I/O error means the disk is full.
//!
//! Edges:
//! - [`store`]: the only sled user, persistence only and the source of truth: documents,
//!   sentences, facts, the change log.
//! - [`index`]: the only tantivy user: the persistent search index derived from the store
//!   (one document per sentence), its commits and top-k queries.
//! - [`engine`]: the read path's state (index, write generation, prepared-document and
//!   verdict caches) and one verification pass; writes that keep the index in step.
//! - [`retrieve`]: candidate sentences for a claim from the index (BM25 + bigram similarity),
//!   and the cache of documents prepared for judging.
//! - [`service`]: the facade used by gRPC and the CLI; validation, limits, the blocking pool.
//! - [`grpc`]: generated types, adapter, status mapping, server: the only
//!   module that serves or implements tonic (the HTTP edge calls the same
//!   adapter with tonic's request and response types; the CLI, a gRPC
//!   client, reads tonic's status codes).
//! - [`cluster`]: cluster mode: the only tokio-postgres user (the documents and the change
//!   log in PostgreSQL) and the follower that applies the log to this node's store and index.
//! - [`http`]: the only axum user: the same methods as JSON, the web page, /healthz.
//! - [`config`]: command-line flags and environment → validated settings.
//! - [`cli`]: the client commands (ingest, verify, check, extract, eval, health, token,
//!   reindex).

pub mod analysis;
pub mod auth;
pub mod budget;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod context;
pub mod disk;
pub mod draft;
pub mod engine;
pub mod eval;
pub mod filter;
pub mod grpc;
pub mod hashing;
pub mod http;
pub mod index;
pub mod judge;
pub mod learn;
pub mod metrics;
pub mod model;
pub mod quantity;
pub mod rate;
pub mod retrieve;
pub mod service;
pub mod store;
pub mod text;
pub mod tls;
