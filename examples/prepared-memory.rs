//! Measures the memory a document takes once prepared for judging, per
//! byte of its text: what `PreparedDocument::approximate_bytes` charges
//! the document cache for it.
//!
//! ```sh
//! cargo run --release --example prepared-memory -- ../shared/eval/vifactcheck/articles
//! ```
//!
//! Every file of the folder is analysed, prepared, then prepared fully
//! (each sentence's words and alignment tokens, the whole-document word
//! set); live heap bytes are counted by a wrapping allocator before and
//! after each step.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicIsize, Ordering};

use claimcheck::analysis::analyse_document;
use claimcheck::judge::PreparedDocument;
use claimcheck::model::DocumentInput;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(pointer, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn main() -> anyhow::Result<()> {
    let folder = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/eval/vifactcheck/articles".into()),
    );
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    let mut analysed = Vec::with_capacity(paths.len());
    let mut text_bytes = 0usize;
    for path in &paths {
        let text = std::fs::read_to_string(path)?;
        text_bytes += text.len();
        analysed.push(analyse_document(DocumentInput::new("document", text)));
    }
    let before = live();
    let prepared: Vec<PreparedDocument> =
        analysed.iter().map(PreparedDocument::of_analysed).collect();
    let loaded = live() - before;
    for document in &prepared {
        for sentence in &document.sentences {
            let _ = sentence.align_tokens();
        }
        let _ = document.whole();
    }
    let full = live() - before;
    let per_byte = |bytes: isize| bytes as f64 / text_bytes.max(1) as f64;
    println!(
        "{} documents, {text_bytes} bytes of text: prepared {loaded} bytes ({:.1} per text byte), fully prepared {full} bytes ({:.1} per text byte)",
        prepared.len(),
        per_byte(loaded),
        per_byte(full)
    );
    Ok(())
}
