//! Extraction throughput on the shared corpus, one core.
//!
//! Reproduce: `cargo bench --bench extract` (from the repository root, with
//! `../shared/corpus` beside it). Prints the median of repeated passes over
//! the whole corpus text in MB/s, with the best and worst pass.

use std::time::Instant;

use claimcheck::analysis::read_text;
use claimcheck::text::{detect_language, normalize_nfc};

fn main() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&corpus).expect("../shared/corpus is readable") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("UTF-8");
        let text = normalize_nfc(&text);
        let language = detect_language(&text);
        texts.push((text, language));
    }
    let bytes: usize = texts.iter().map(|(text, _)| text.len()).sum();
    // Warm up, then time passes of at least ~0.2 s each.
    let mut quantities = 0;
    for (text, language) in &texts {
        quantities += read_text(text, *language)
            .iter()
            .map(|s| s.quantities.len())
            .sum::<usize>();
    }
    let repeats_per_pass = 40;
    let mut rates = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        for _ in 0..repeats_per_pass {
            for (text, language) in &texts {
                std::hint::black_box(read_text(std::hint::black_box(text), *language));
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        rates.push((bytes * repeats_per_pass) as f64 / 1e6 / seconds);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "extraction (segmentation + quantities), {} files, {} bytes, {} quantities per pass",
        texts.len(),
        bytes,
        quantities
    );
    println!(
        "median {:.1} MB/s (min {:.1}, max {:.1}) over {} passes on one thread",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
        rates.len()
    );
    println!("reproduce: cargo bench --bench extract");
}
