//! The integration tests, one binary with a module per topic: the
//! `claimcheck` binary itself (`cli`), a real server called through the
//! generated client (`server`), drafts over gRPC, HTTP and the page in a
//! browser (`draft`), verdicts with look-alike articles in the
//! store (`distractors`), on the real claims (`real_claims`), with tokens
//! (`auth`), over TLS (`tls`), and nodes of a cluster over a throw-away
//! PostgreSQL (`cluster`, with `postgres`). Tests that read `../shared`
//! skip with a printed line when it is absent, and so do the cluster tests
//! when PostgreSQL's server programs are not installed.

mod auth;
mod cli;
mod clients;
mod cluster;
mod common;
mod distractors;
mod draft;
mod faults;
mod filters;
mod postgres;
mod properties;
mod real_claims;
mod server;
mod tls;
