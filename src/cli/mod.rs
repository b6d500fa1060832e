//! The client commands of the `claimcheck` binary. Each reads validated
//! flags (see `config`), talks to the service (over gRPC, or in-process for
//! `extract` and `eval --corpus`), and prints for people or, with `--json`,
//! for programs.

pub mod check;
pub mod eval;
pub mod extract;
pub mod health;
pub mod ingest;
pub mod output;
pub mod serve;
pub mod token;
pub mod verify;
