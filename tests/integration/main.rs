//! The integration tests, one binary with a module per topic: the
//! `claimcheck` binary itself (`cli`), a real server called through the
//! generated client (`server`), drafts over gRPC, HTTP and the page in a
//! browser (`draft`), verdicts with look-alike articles in the
//! store (`distractors`), on the real claims (`real_claims`), with tokens
//! (`auth`) and over TLS (`tls`). Tests that
//! read `../shared` skip with a printed line when it is absent.

mod auth;
mod cli;
mod clients;
mod common;
mod distractors;
mod draft;
mod faults;
mod filters;
mod properties;
mod real_claims;
mod server;
mod tls;
