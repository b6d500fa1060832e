//! `claimcheck token --scopes read,write --name NAME`: makes a new random
//! bearer token. Prints the token (for the client, shown once) on stdout
//! and the line to add to the server's `--auth-tokens` file (its SHA-256,
//! scopes and name: no secret) on stderr, so `TOKEN=$(claimcheck token ...)`
//! keeps only the token.

use std::process::ExitCode;

use anyhow::Context;

use crate::auth::{token_digest_hex, TokenTable};
use crate::config::TokenArgs;

/// Random bytes in a token: 256 bits, written as 64 hex digits.
const TOKEN_BYTES: usize = 32;

pub fn run(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| anyhow::anyhow!("cannot read random bytes from the system: {error}"))?;
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let line = format!("{} {} {}", token_digest_hex(&token), args.scopes, args.name);
    // The line must read back as a valid token file entry.
    TokenTable::parse(&line).context("--scopes or --name")?;
    eprintln!("add this line to the --auth-tokens file:\n{line}");
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
