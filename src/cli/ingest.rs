//! `claimcheck ingest PATH...`: sends files (folders are walked) to the
//! service through IngestDocuments, in batches, with a progress bar and a
//! summary. Each file's name is its `document_id`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::IngestArgs;
use crate::grpc::{connect, pb};

/// Documents per IngestDocuments call, and bytes per call.
const BATCH_DOCUMENTS: usize = 64;
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Every regular file under `paths`, sorted; hidden files are skipped.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = pending.pop() {
        let metadata =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            for entry in std::fs::read_dir(&path)
                .with_context(|| format!("cannot list {}", path.display()))?
            {
                let entry = entry?;
                if !entry.file_name().to_string_lossy().starts_with('.') {
                    pending.push(entry.path());
                }
            }
        } else {
            files.push(path);
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The document_id of a file: its name.
pub fn document_id_of(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub async fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let files = collect_files(&args.paths)?;
    if files.is_empty() {
        anyhow::bail!("no files found under the given paths");
    }
    let mut client = connect(&args.server, args.token.as_deref())
        .await
        .with_context(|| format!("cannot connect to {}", args.server))?;
    let progress = ProgressBar::new(files.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut totals = pb::IngestDocumentsResponse::default();
    let mut bytes_sent = 0usize;
    let mut batch: Vec<pb::IngestDocumentRequest> = Vec::new();
    let mut batch_bytes = 0usize;
    for (position, path) in files.iter().enumerate() {
        match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => {
                batch_bytes += text.len();
                batch.push(pb::IngestDocumentRequest {
                    document_id: document_id_of(path),
                    text,
                    language: args.language.clone(),
                    ..Default::default()
                });
            }
            Ok(Err(_)) => failures.push((path.display().to_string(), "not UTF-8 text".into())),
            Err(error) => failures.push((path.display().to_string(), error.to_string())),
        }
        let last = position + 1 == files.len();
        if !batch.is_empty()
            && (batch.len() >= BATCH_DOCUMENTS || batch_bytes >= BATCH_BYTES || last)
        {
            let sent = std::mem::take(&mut batch);
            let ids: Vec<String> = sent.iter().map(|d| d.document_id.clone()).collect();
            bytes_sent += batch_bytes;
            batch_bytes = 0;
            let response = client
                .ingest_documents(tokio_stream::iter(sent))
                .await
                .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?
                .into_inner();
            for failure in &response.failures {
                let id = ids
                    .get(failure.position as usize)
                    .cloned()
                    .unwrap_or_else(|| failure.document_id.clone());
                failures.push((id, failure.error.clone()));
            }
            totals.stored_count += response.stored_count;
            totals.replaced_count += response.replaced_count;
            totals.sentence_count += response.sentence_count;
            totals.quantity_count += response.quantity_count;
            progress.set_position(position as u64 + 1);
        } else if batch.is_empty() {
            progress.set_position(position as u64 + 1);
        }
    }
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "stored {} documents ({} replaced), {} failed; {} sentences, {} quantities; {:.1} KB in {:.2} s ({:.2} MB/s)",
        totals.stored_count,
        totals.replaced_count,
        failures.len(),
        totals.sentence_count,
        totals.quantity_count,
        bytes_sent as f64 / 1024.0,
        seconds,
        bytes_sent as f64 / 1e6 / seconds.max(1e-9)
    );
    for (id, error) in &failures {
        println!("  failed: {id}: {error}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
