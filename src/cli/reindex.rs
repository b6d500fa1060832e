//! `claimcheck reindex`: rebuilds the search index of a data directory
//! from the documents its store holds, replacing the index there. The
//! store's lock keeps a running server from sharing the directory.

use std::process::ExitCode;

use crate::config::ReindexArgs;
use crate::engine::{CacheSizes, Engine};

pub fn run(args: ReindexArgs) -> anyhow::Result<ExitCode> {
    let caches = CacheSizes {
        sled_bytes: args.cache_mb * 1024 * 1024,
        ..CacheSizes::default()
    };
    let started = std::time::Instant::now();
    let documents = Engine::reindex(&args.data_dir, caches).map_err(|error| {
        anyhow::anyhow!(
            "cannot reindex {}: {}",
            args.data_dir.display(),
            crate::cli::error_chain(anyhow::Error::from(error).chain())
        )
    })?;
    println!(
        "reindexed {documents} documents of {} in {:.1} s",
        args.data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
