//! `claimcheck reindex`: rebuilds the search index of a data directory
//! from the documents its store holds, replacing the index there, and
//! `claimcheck compact`: merges the index there into one segment. The
//! store's lock keeps a running server from sharing the directory.

use std::process::ExitCode;

use crate::config::StoppedDataDirArgs;
use crate::engine::{CacheSizes, Engine, EngineError};

fn caches_of(args: &StoppedDataDirArgs) -> CacheSizes {
    CacheSizes {
        sled_bytes: args.cache_mb * 1024 * 1024,
        ..CacheSizes::default()
    }
}

fn failed(what: &str, args: &StoppedDataDirArgs, error: EngineError) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot {what} {}: {}",
        args.data_dir.display(),
        crate::cli::error_chain(anyhow::Error::from(error).chain())
    )
}

pub fn run(args: StoppedDataDirArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let documents = Engine::reindex(&args.data_dir, caches_of(&args))
        .map_err(|error| failed("reindex", &args, error))?;
    println!(
        "reindexed {documents} documents of {} in {:.1} s",
        args.data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn compact(args: StoppedDataDirArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let segments = Engine::compact(&args.data_dir, caches_of(&args))
        .map_err(|error| failed("compact", &args, error))?;
    let directory = args.data_dir.display();
    match segments {
        0 => println!("the search index of {directory} is empty: nothing to compact"),
        1 => println!("the search index of {directory} is already one segment"),
        _ => println!(
            "compacted the search index of {directory}: {segments} segments into 1 in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
