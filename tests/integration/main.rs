//! The integration tests, one binary with a module per topic: the
//! `claimcheck` binary itself (`cli`), a real server called through the
//! generated client (`server`), verdicts with look-alike articles in the
//! store (`distractors`) and on the real claims (`real_claims`). Tests that
//! read `../shared` skip with a printed line when it is absent.

mod cli;
mod common;
mod distractors;
mod real_claims;
mod server;
