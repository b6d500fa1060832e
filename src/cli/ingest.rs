//! `claimcheck ingest PATH...`: sends files (folders are walked) to the
//! service through IngestDocuments, in batches, with a progress bar and a
//! summary.
//!
//! What is sent is decided before anything is: a file named on the command
//! line is stored under its name, a file found in a folder under its path
//! from that folder (`sub/x.txt`), and two files that would share an id stop
//! the run. Symbolic links inside folders are not followed (unless
//! `--follow-symlinks`), and pipes, sockets and devices are skipped, so a
//! walk never leaves the given paths, blocks on a FIFO or reads
//! `/dev/zero`. A file that cannot be sent (unreadable, too large, not
//! UTF-8, refused by the server) is reported and the rest go on.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::connect;
use crate::config::IngestArgs;
use crate::grpc::pb;

/// Documents per IngestDocuments call, and bytes per call.
const BATCH_DOCUMENTS: usize = 64;
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// A file to send and the id it is stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub document_id: String,
}

/// Why a path found on the way was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// A symbolic link inside a folder, without --follow-symlinks.
    Symlink,
    /// A pipe, socket or device.
    NotRegularFile,
    /// A link that leads back to a folder already walked.
    Loop,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            SkipReason::Symlink => "a symbolic link (--follow-symlinks follows them)",
            SkipReason::NotRegularFile => "not a regular file (a pipe, socket or device)",
            SkipReason::Loop => "a link back to a folder already read",
        })
    }
}

/// What a walk of the given paths found.
#[derive(Debug, Default)]
pub struct Collection {
    /// Sorted by document id.
    pub files: Vec<SourceFile>,
    pub skipped: Vec<(PathBuf, SkipReason)>,
}

/// Why the paths cannot be sent at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} and {} would both be stored as document {document_id:?}; ingest them in separate runs \
         (or from their common folder, so their ids keep their folders)",
        first.display(),
        second.display()
    )]
    SameId {
        document_id: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// Every regular file under `paths`, each with its document id; hidden
/// files and folders are left out silently, links and special files with a
/// reason.
pub fn collect_files(paths: &[PathBuf], follow_symlinks: bool) -> Result<Collection, CollectError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CollectError::Read { path, source }
    };
    let mut collection = Collection::default();
    let mut walked_folders: HashSet<PathBuf> = HashSet::new();
    for root in paths {
        // A path named on the command line is what the user asked for: a
        // link there is followed.
        let metadata = std::fs::metadata(root).map_err(read_error(root))?;
        if metadata.is_file() {
            let name = root
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| root.display().to_string());
            collection.files.push(SourceFile {
                path: root.clone(),
                document_id: name,
            });
            continue;
        }
        if !metadata.is_dir() {
            collection
                .skipped
                .push((root.clone(), SkipReason::NotRegularFile));
            continue;
        }
        let mut pending: Vec<(PathBuf, String)> = vec![(root.clone(), String::new())];
        while let Some((folder, prefix)) = pending.pop() {
            let canonical = std::fs::canonicalize(&folder).map_err(read_error(&folder))?;
            if !walked_folders.insert(canonical) {
                collection.skipped.push((folder, SkipReason::Loop));
                continue;
            }
            for entry in std::fs::read_dir(&folder).map_err(read_error(&folder))? {
                let entry = entry.map_err(read_error(&folder))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let mut file_type = entry.file_type().map_err(read_error(&path))?;
                if file_type.is_symlink() {
                    if !follow_symlinks {
                        collection.skipped.push((path, SkipReason::Symlink));
                        continue;
                    }
                    file_type = std::fs::metadata(&path)
                        .map_err(read_error(&path))?
                        .file_type();
                }
                let document_id = format!("{prefix}{name}");
                if file_type.is_dir() {
                    pending.push((path, format!("{document_id}/")));
                } else if file_type.is_file() {
                    collection.files.push(SourceFile { path, document_id });
                } else {
                    collection.skipped.push((path, SkipReason::NotRegularFile));
                }
            }
        }
    }
    collection
        .files
        .sort_by(|a, b| (&a.document_id, &a.path).cmp(&(&b.document_id, &b.path)));
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut unique = Vec::with_capacity(collection.files.len());
    for file in std::mem::take(&mut collection.files) {
        if let Some(first) = seen.get(&file.document_id) {
            // The same file reached twice (a folder and a file in it) is
            // sent once.
            if same_file(first, &file.path) {
                continue;
            }
            return Err(CollectError::SameId {
                document_id: file.document_id,
                first: first.clone(),
                second: file.path,
            });
        }
        seen.insert(file.document_id.clone(), file.path.clone());
        unique.push(file);
    }
    collection.files = unique;
    Ok(collection)
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Why one file was not sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadFailure {
    #[error("{0}")]
    Io(String),
    #[error("not a regular file")]
    NotRegularFile,
    #[error("{size} bytes, over --max-file-bytes {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("not UTF-8 text")]
    NotText,
}

/// The text of `path`, reading at most `max_bytes`. The file is opened
/// without blocking and checked to be a regular file before it is read, so
/// a path replaced by a FIFO or a device after the walk cannot hang or
/// flood the run.
pub fn read_document(path: &Path, max_bytes: u64) -> Result<String, ReadFailure> {
    let io = |error: std::io::Error| ReadFailure::Io(error.to_string());
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(ReadFailure::NotRegularFile);
    }
    if metadata.len() > max_bytes {
        return Err(ReadFailure::TooLarge {
            size: metadata.len(),
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        // The file grew while it was read.
        return Err(ReadFailure::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|_| ReadFailure::NotText)
}

/// Whether a failed call means the next ones would fail the same way.
fn stops_the_run(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::Unauthenticated
            | tonic::Code::PermissionDenied
            | tonic::Code::Unavailable
            | tonic::Code::Unimplemented
    )
}

pub async fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let collection = collect_files(&args.paths, args.follow_symlinks)?;
    for (path, reason) in &collection.skipped {
        eprintln!("skipped {}: {reason}", path.display());
    }
    let files = collection.files;
    if files.is_empty() {
        anyhow::bail!("no files found under the given paths");
    }
    let connection = &args.connection;
    let mut client = connect(&connection.server, &connection.credentials).await?;
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
    let mut stopped = None;
    for (position, file) in files.iter().enumerate() {
        match read_document(&file.path, args.max_file_bytes) {
            Ok(text) => {
                batch_bytes += text.len();
                batch.push(pb::IngestDocumentRequest {
                    document_id: file.document_id.clone(),
                    text,
                    language: args.language.clone(),
                    published_at: args.published_at.clone(),
                    metadata: args.metadata.iter().cloned().collect(),
                    ..Default::default()
                });
            }
            Err(failure) => failures.push((file.path.display().to_string(), failure.to_string())),
        }
        let last = position + 1 == files.len();
        if !batch.is_empty()
            && (batch.len() >= BATCH_DOCUMENTS || batch_bytes >= BATCH_BYTES || last)
        {
            let sent = std::mem::take(&mut batch);
            let ids: Vec<String> = sent.iter().map(|d| d.document_id.clone()).collect();
            let sent_bytes = std::mem::take(&mut batch_bytes);
            match client.ingest_documents(tokio_stream::iter(sent)).await {
                Ok(response) => {
                    let response = response.into_inner();
                    bytes_sent += sent_bytes;
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
                }
                Err(status) => {
                    let error = format!("{:?}: {}", status.code(), status.message());
                    if stops_the_run(status.code()) {
                        stopped = Some(error);
                        break;
                    }
                    for id in ids {
                        failures.push((id, format!("the batch holding it failed: {error}")));
                    }
                }
            }
        }
        progress.set_position(position as u64 + 1);
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
    if let Some(error) = stopped {
        anyhow::bail!("stopped: {error}; the documents counted above are stored");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(collection: &Collection) -> Vec<&str> {
        collection
            .files
            .iter()
            .map(|file| file.document_id.as_str())
            .collect()
    }

    #[test]
    fn folders_give_relative_ids_and_named_files_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("corpus/sub")).unwrap();
        std::fs::write(root.join("corpus/a.txt"), "a").unwrap();
        std::fs::write(root.join("corpus/sub/b.txt"), "b").unwrap();
        std::fs::write(root.join("corpus/.hidden"), "h").unwrap();
        std::fs::write(root.join("single.txt"), "s").unwrap();
        let collection = collect_files(
            &[
                root.join("corpus"),
                root.join("single.txt"),
                // Reached twice: sent once.
                root.join("corpus/a.txt"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(ids(&collection), ["a.txt", "single.txt", "sub/b.txt"]);
        assert!(collection.skipped.is_empty());
    }

    #[test]
    fn two_files_with_one_id_stop_the_run() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["a", "b"] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
            std::fs::write(dir.path().join(folder).join("x.txt"), folder).unwrap();
        }
        let error =
            collect_files(&[dir.path().join("a"), dir.path().join("b")], false).unwrap_err();
        assert!(
            matches!(&error, CollectError::SameId { document_id, .. } if document_id == "x.txt"),
            "{error}"
        );
        // From their common folder the ids keep their folders.
        let collection = collect_files(&[dir.path().to_path_buf()], false).unwrap();
        assert_eq!(ids(&collection), ["a/x.txt", "b/x.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_folders_and_special_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("corpus");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "s").unwrap();
        std::fs::write(root.join("kept.txt"), "k").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("linked-folder")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("linked.txt")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
        let fifo = std::ffi::CString::new(root.join("pipe").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

        let collection = collect_files(std::slice::from_ref(&root), false).unwrap();
        assert_eq!(ids(&collection), ["kept.txt"]);
        let mut reasons: Vec<SkipReason> = collection.skipped.iter().map(|(_, r)| *r).collect();
        reasons.sort_by_key(|reason| *reason as u8);
        assert_eq!(
            reasons,
            [
                SkipReason::Symlink,
                SkipReason::Symlink,
                SkipReason::Symlink,
                SkipReason::NotRegularFile
            ]
        );

        let followed = collect_files(std::slice::from_ref(&root), true).unwrap();
        assert_eq!(
            ids(&followed),
            ["kept.txt", "linked-folder/secret.txt", "linked.txt"]
        );
        assert!(followed
            .skipped
            .iter()
            .any(|(_, reason)| *reason == SkipReason::Loop));

        // A FIFO named on the command line is skipped, not opened.
        let named = collect_files(&[root.join("pipe")], false).unwrap();
        assert!(named.files.is_empty());
        assert_eq!(named.skipped[0].1, SkipReason::NotRegularFile);
    }

    #[cfg(unix)]
    #[test]
    fn reading_never_blocks_or_floods() {
        let dir = tempfile::tempdir().unwrap();
        let fifo_path = dir.path().join("pipe");
        let fifo = std::ffi::CString::new(fifo_path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let text = dir.path().join("text.txt");
        std::fs::write(&text, "Giá tăng 5%.").unwrap();
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let cases: Vec<(&Path, u64, Result<String, ReadFailure>)> = vec![
            (&text, 100, Ok("Giá tăng 5%.".to_string())),
            (&fifo_path, 100, Err(ReadFailure::NotRegularFile)),
            (
                Path::new("/dev/zero"),
                100,
                Err(ReadFailure::NotRegularFile),
            ),
            (
                &text,
                4,
                Err(ReadFailure::TooLarge {
                    size: "Giá tăng 5%.".len() as u64,
                    limit: 4,
                }),
            ),
            (&binary, 100, Err(ReadFailure::NotText)),
        ];
        for (path, limit, expected) in cases {
            assert_eq!(read_document(path, limit), expected, "{}", path.display());
        }
        assert!(matches!(
            read_document(&dir.path().join("missing"), 100),
            Err(ReadFailure::Io(_))
        ));
    }
}
