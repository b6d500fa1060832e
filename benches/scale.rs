//! Store-level figures at growing sizes: in-process ingest throughput,
//! VerifyClaim latency (p50/p99), retrieval alone (p50/p99), peak memory,
//! disk size and start-up time.
//!
//! Reproduce: `cargo bench --bench scale` (sizes 10k and 100k sentences), or
//! `CLAIMCHECK_BENCH_SIZES=10000,100000,1000000 cargo bench --bench scale`.
//! Each size runs in its own process, so peak RSS is per size. Articles and
//! claims come from the load tool's generator
//! (`src/bin/claimcheck-load/synth.rs`, deterministic):
//! `CLAIMCHECK_BENCH_CORPUS` is `zipf:FOLDER` (filler words drawn by a Zipf
//! law over the words of the real articles in FOLDER, a large name space;
//! the default, with `../shared/eval/vifactcheck/articles`, when that folder
//! is there), `zipf` (the same over a built-in vocabulary) or `templated`
//! (facts between six fixed filler sentences).
//!
//! It also measures the retrieval against an exhaustive scan: for a sample
//! of claims, whether each sentence an exhaustive scan ranks in the top 20
//! (every matching sentence scored) is among the 20 retrieval returns
//! (`recall@20`, all), and the same for the sentences of the article the
//! claim was written from only (right). It prints the first apart for the
//! claims written from a stored article and for those naming a place no
//! article names (whose search that name's words do not lead).
//!
//! `CLAIMCHECK_BENCH_WARM=1` verifies the claims a second time, their
//! documents prepared and cached, and prints that pass's p50/p99 on
//! stderr: the difference is the first pass's document preparation.
//!
//! `CLAIMCHECK_BENCH_FASTEST_OF=N` verifies and retrieves each claim N
//! more times and prints p50/p99 of each claim's fastest time on stderr:
//! steadier figures for comparing two builds on a shared machine (with
//! `CLAIMCHECK_BENCH_DOCUMENT_CACHE_MB=0`, every pass prepares documents
//! afresh, as the first pass does).
//!
//! `CLAIMCHECK_BENCH_SLOWEST=1` prints the 16 slowest claims of the
//! first pass with the time retrieval alone takes for each; with
//! `CLAIMCHECK_BENCH_FASTEST_OF`, also the 16 slowest by their fastest
//! time (the tail that stays once pauses and first-time costs are gone).
//!
//! `CLAIMCHECK_BENCH_STORE=FOLDER` keeps each size's store in
//! `FOLDER/SIZE` and, when it is already there, opens it instead of
//! ingesting again (the articles are generated again, not analysed or
//! stored, to draw the same claims): a 10M store takes minutes to build,
//! a reading experiment then seconds. The ingest column then says
//! `reused`. A kept store is opened as a server start opens it, and the
//! server's start-up warm-up (`Engine::warm_up`: the index's pages and the
//! newest documents read into memory) runs before the first pass, its
//! time printed on stderr; `CLAIMCHECK_BENCH_WARM_UP=0` leaves it out, to
//! measure the first checks on a cold start.
//!
//! For a profiler (`perf record -p PID`): `CLAIMCHECK_BENCH_PAUSE_SECONDS=N`
//! waits N seconds between the ingest and the first pass, printing the
//! process id, to profile the first pass alone;
//! `CLAIMCHECK_BENCH_PROFILE_SECONDS=N` verifies the claims again and
//! again for N seconds after the passes, printing when it starts.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use claimcheck::analysis::analyse_document;
use claimcheck::engine::{warm_up_store_bytes, CacheSizes, Engine};
use claimcheck::model::{ClaimInput, DocumentInput};
use claimcheck::service::Limits;
#[path = "../src/bin/claimcheck-load/synth.rs"]
mod synth;

use synth::{unknown_place_claim, Corpus, Random};

/// The allocator the `claimcheck` binary uses, so that figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SENTENCES_PER_ARTICLE: usize = 25;
const CLAIMS: usize = 600;

/// The serving defaults, or what `CLAIMCHECK_BENCH_CACHE_MB` and
/// `CLAIMCHECK_BENCH_DOCUMENT_CACHE_MB` ask for.
fn cache_sizes() -> CacheSizes {
    let defaults = CacheSizes::default();
    let read = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    CacheSizes {
        sled_bytes: read("CLAIMCHECK_BENCH_CACHE_MB").map_or(defaults.sled_bytes, |mb| mb << 20),
        prepared_document_bytes: read("CLAIMCHECK_BENCH_DOCUMENT_CACHE_MB")
            .map_or(defaults.prepared_document_bytes, |mb| mb << 20),
        ..defaults
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn disk_bytes(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let meta = entry.metadata();
            match meta {
                Ok(meta) if meta.is_dir() => total += disk_bytes(&entry.path()),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Prints the 16 claims of longest `times` (by claim position), each
/// with `retrieval(position)`, the time retrieval alone takes for it.
fn print_slowest(
    label: &str,
    claims: &[synth::LabelledFact],
    times: &[Duration],
    retrieval: impl Fn(usize) -> Duration,
) {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|at| std::cmp::Reverse(times[*at]));
    for at in order.into_iter().take(16) {
        eprintln!(
            "{label}{:.2} ms (retrieval {:.2} ms)  {}",
            times[at].as_secs_f64() * 1e3,
            retrieval(at).as_secs_f64() * 1e3,
            claims[at].claim
        );
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
}

/// The real articles whose words the default corpus draws on.
const REAL_ARTICLES: &str = "../shared/eval/vifactcheck/articles";

/// One verification of `claim` (five evidence sentences, no time limit),
/// timed.
fn verify_timed(
    engine: &Engine,
    claim: &str,
) -> (
    Duration,
    std::sync::Arc<claimcheck::model::VerificationResult>,
) {
    let input = ClaimInput::new(claim.to_string(), 5);
    let started = Instant::now();
    let result = engine
        .verify(&input, &claimcheck::budget::Budget::unlimited())
        .expect("verified");
    (started.elapsed(), result)
}

/// Retrieval alone for `claim` (the 20 candidates a verification reads),
/// timed.
fn retrieve_timed(engine: &Engine, claim: &str) -> Duration {
    let started = Instant::now();
    engine.retrieve(claim, 20).expect("retrieved");
    started.elapsed()
}

/// The corpus `CLAIMCHECK_BENCH_CORPUS` names; by default the Zipf law over
/// the real articles' words when they are there, else over the built-in
/// vocabulary.
fn corpus() -> Corpus {
    let default = if Path::new(REAL_ARTICLES).is_dir() {
        format!("zipf:{REAL_ARTICLES}")
    } else {
        "zipf".to_string()
    };
    let setting = std::env::var("CLAIMCHECK_BENCH_CORPUS").unwrap_or(default);
    Corpus::from_setting(&setting).unwrap_or_else(|error| panic!("{error}"))
}

/// Claims whose retrieval is compared with an exhaustive scan.
const RECALL_SAMPLE: usize = 100;

/// What retrieval's top 20 holds of an exhaustive scan's top 20, over a
/// sample of claims.
struct Recall {
    /// Of every sentence the exhaustive top 20 holds, the share retrieval's
    /// top 20 holds. Sentences of equal score are interchangeable (either
    /// may be cut at the 20th place), so scores are matched, each retrieved
    /// score (to 1e-5) at most once.
    all: f64,
    /// Of the exhaustive top 20's sentences from the article the claim was
    /// written from (the right sentences), the share retrieval's top 20
    /// holds, matched by position.
    right: f64,
    /// `all` over the claims written from a stored article, and over those
    /// naming a place no article names (whose search is not led by that
    /// name's words, where the exhaustive scan's ranking is).
    all_by_source: [(usize, usize); 2],
}

fn share(held: usize, wanted: usize) -> f64 {
    if wanted == 0 {
        1.0
    } else {
        held as f64 / wanted as f64
    }
}

fn recall_at_20(engine: &Engine, claims: &[synth::LabelledFact]) -> Recall {
    let (mut right_wanted, mut right_held) = (0usize, 0usize);
    // (held, wanted) for claims with a source article, then without.
    let mut by_source = [(0usize, 0usize); 2];
    let step = (claims.len() / RECALL_SAMPLE).max(1);
    for claim in claims.iter().step_by(step).take(RECALL_SAMPLE) {
        let (found, exhaustive) = engine
            .retrieval_and_exhaustive(&claim.claim, 20)
            .expect("retrieved");
        let mut unused: Vec<f64> = found.iter().map(|c| c.bm25).collect();
        let (held, wanted) = &mut by_source[usize::from(claim.source.is_none())];
        for expected in &exhaustive {
            *wanted += 1;
            let close =
                |score: &f64| (score - expected.bm25).abs() <= 1e-5 * expected.bm25.max(1.0);
            if let Some(at) = unused.iter().position(close) {
                unused.swap_remove(at);
                *held += 1;
            }
        }
        let source = claim
            .source
            .as_ref()
            .and_then(|id| engine.store().number_of(id).expect("store reads"));
        for expected in exhaustive
            .iter()
            .filter(|candidate| Some(candidate.document_number) == source)
        {
            right_wanted += 1;
            right_held += usize::from(found.iter().any(|candidate| {
                (candidate.document_number, candidate.sentence_index)
                    == (expected.document_number, expected.sentence_index)
            }));
        }
    }
    let [known, unknown] = by_source;
    Recall {
        all: share(known.0 + unknown.0, known.1 + unknown.1),
        right: share(right_held, right_wanted),
        all_by_source: by_source,
    }
}

/// Segments of the search index in `folder` (one `.idx` file each).
fn segment_count(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|x| x == "idx"))
            .count()
    })
}

/// Where a size's store lives: a temporary folder, or the kept one under
/// `CLAIMCHECK_BENCH_STORE`.
enum StoreFolder {
    Temporary(tempfile::TempDir),
    Kept(std::path::PathBuf),
}

impl StoreFolder {
    fn for_size(size: usize) -> StoreFolder {
        match std::env::var_os("CLAIMCHECK_BENCH_STORE") {
            Some(root) => StoreFolder::Kept(Path::new(&root).join(size.to_string())),
            None => StoreFolder::Temporary(tempfile::tempdir().expect("temporary directory")),
        }
    }

    fn path(&self) -> &Path {
        match self {
            StoreFolder::Temporary(directory) => directory.path(),
            StoreFolder::Kept(path) => path,
        }
    }
}

fn run_size(target_sentences: usize) {
    let corpus = corpus();
    let directory = StoreFolder::for_size(target_sentences);
    // No verdict cache: every claim is judged, as a fresh claim is.
    let caches = CacheSizes {
        verdict_bytes: 0,
        ..cache_sizes()
    };
    let candidate_limit = Limits::default().candidate_sentences;
    let engine =
        Arc::new(Engine::open(directory.path(), caches, candidate_limit).expect("store opens"));
    let mut claims = Vec::new();
    let (mut documents, mut sentences, mut bytes) = (0usize, 0usize, 0usize);
    // A kept store that holds documents is measured as it is.
    let stored = engine.stats().expect("stats");
    let reused = stored.documents > 0;
    let started = Instant::now();
    let mut index = 0u64;
    while if reused {
        documents < stored.documents as usize
    } else {
        sentences < target_sentences
    } {
        let (generated, facts) = corpus.article(42, index, SENTENCES_PER_ARTICLE);
        index += 1;
        documents += 1;
        if claims.len() < CLAIMS && index.is_multiple_of(3) {
            claims.extend(facts);
        }
        if reused {
            continue;
        }
        bytes += generated.text.len();
        let analysed = analyse_document(DocumentInput::new(generated.document_id, generated.text));
        sentences += analysed.sentences.len();
        engine.put_document(&analysed).expect("stored");
        if documents % 1000 == 0 {
            engine.flush().expect("flushed");
        }
    }
    engine.flush().expect("flushed");
    if reused {
        sentences = stored.sentences as usize;
    }
    let ingest_seconds = started.elapsed().as_secs_f64();
    let mut random = Random::new(7);
    for _ in 0..CLAIMS / 6 {
        claims.push(unknown_place_claim(&mut random));
    }

    // A kept store was just opened, as a server start opens it: the
    // server's warm-up runs first (here before the pass, not beside it).
    if reused && std::env::var("CLAIMCHECK_BENCH_WARM_UP").as_deref() != Ok("0") {
        let started = Instant::now();
        let warmed = Engine::warm_up(
            &Arc::downgrade(&engine),
            warm_up_store_bytes(caches.sled_bytes),
        )
        .expect("warm-up");
        eprintln!(
            "warm-up: index {} MiB, store {} MiB in {:.2} s",
            warmed.index_bytes >> 20,
            warmed.store_bytes >> 20,
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(seconds) = std::env::var("CLAIMCHECK_BENCH_PAUSE_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        eprintln!("first pass in {seconds} s (pid {})", std::process::id());
        std::thread::sleep(Duration::from_secs(seconds));
    }
    let mut latencies = Vec::with_capacity(claims.len());
    let mut right = 0;
    for claim in &claims {
        let (latency, result) = verify_timed(&engine, &claim.claim);
        latencies.push(latency);
        right += usize::from(result.verdict == claim.label);
        if result.verdict != claim.label && std::env::var_os("CLAIMCHECK_BENCH_WRONG").is_some() {
            eprintln!(
                "{:?} for {:?}: {}",
                result.verdict, claim.label, claim.claim
            );
        }
    }
    if std::env::var_os("CLAIMCHECK_BENCH_SLOWEST").is_some() {
        // Retrieval alone for each, timed again: how much of the claim's
        // time finding its candidates takes, the rest being loading,
        // preparing and judging.
        print_slowest("", &claims, &latencies, |at| {
            retrieve_timed(&engine, &claims[at].claim)
        });
    }
    latencies.sort();
    // The same claims again, their documents now prepared and cached: what
    // the first pass spent preparing documents is the difference.
    if std::env::var_os("CLAIMCHECK_BENCH_WARM").is_some() {
        let mut warm: Vec<Duration> = claims
            .iter()
            .map(|claim| verify_timed(&engine, &claim.claim).0)
            .collect();
        warm.sort();
        eprintln!(
            "verify again with documents cached: p50 {:.2} ms, p99 {:.2} ms",
            percentile(&warm, 0.5).as_secs_f64() * 1e3,
            percentile(&warm, 0.99).as_secs_f64() * 1e3
        );
    }
    // Each claim verified and retrieved N more times, keeping its fastest
    // time: a shared machine's pauses land on some passes, rarely on all,
    // so two builds compare on these figures with less noise. With
    // `CLAIMCHECK_BENCH_DOCUMENT_CACHE_MB=0` every pass loads and prepares
    // its documents as the first did.
    if let Some(passes) = std::env::var("CLAIMCHECK_BENCH_FASTEST_OF")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|passes| *passes > 0)
    {
        // Pass after pass over all claims, so that one pause does not
        // land on every pass of the same claim.
        let fastest = |time: &dyn Fn(&str) -> Duration| -> Vec<Duration> {
            let mut best = vec![Duration::MAX; claims.len()];
            for _ in 0..passes {
                for (claim, best) in claims.iter().zip(best.iter_mut()) {
                    *best = (*best).min(time(&claim.claim));
                }
            }
            best
        };
        let mut verify = fastest(&|claim| verify_timed(&engine, claim).0);
        let mut retrieve = fastest(&|claim| retrieve_timed(&engine, claim));
        if std::env::var_os("CLAIMCHECK_BENCH_SLOWEST").is_some() {
            print_slowest("fastest ", &claims, &verify, |at| retrieve[at]);
        }
        verify.sort();
        retrieve.sort();
        let ms = |sorted: &[Duration], fraction| percentile(sorted, fraction).as_secs_f64() * 1e3;
        eprintln!(
            "fastest of {passes} passes: verify p50 {:.2} ms, p99 {:.2} ms; retrieval p50 {:.2} ms, p99 {:.2} ms",
            ms(&verify, 0.5),
            ms(&verify, 0.99),
            ms(&retrieve, 0.5),
            ms(&retrieve, 0.99)
        );
    }
    // For a profiler attached to this process (`perf record -p`): verify
    // the same claims again for this many seconds, printing when it starts.
    if let Some(seconds) = std::env::var("CLAIMCHECK_BENCH_PROFILE_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        eprintln!(
            "profiling window: verifying for {seconds} s (pid {})",
            std::process::id()
        );
        let until = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < until {
            for claim in &claims {
                verify_timed(&engine, &claim.claim);
            }
        }
    }
    let mut retrieval: Vec<Duration> = claims
        .iter()
        .map(|claim| retrieve_timed(&engine, &claim.claim))
        .collect();
    retrieval.sort();
    let recall = recall_at_20(&engine, &claims);
    let [known, unknown] = recall.all_by_source;
    eprintln!(
        "recall@20 over every sentence: {:.4} of claims written from a stored article ({} sentences), {:.4} of claims naming a place no article names ({})",
        share(known.0, known.1),
        known.1,
        share(unknown.0, unknown.1),
        unknown.1
    );
    let peak = peak_rss_mib();
    eprintln!(
        "index segments: {}",
        segment_count(&directory.path().join("index"))
    );
    drop(engine);
    let disk = disk_bytes(directory.path());
    let index_disk = disk_bytes(&directory.path().join("index"));
    eprintln!(
        "disk: store {:.0} MiB, search index {:.0} MiB",
        (disk - index_disk) as f64 / (1024.0 * 1024.0),
        index_disk as f64 / (1024.0 * 1024.0)
    );
    // As `claimcheck serve` does after a clean stop; this is also about
    // what a start after a crash costs (sled replays the run's writes).
    let snapshot_started = Instant::now();
    claimcheck::store::Store::record_snapshot(directory.path()).expect("snapshot recorded");
    eprintln!(
        "store snapshot after the run (about a start after a crash): {:.2} s",
        snapshot_started.elapsed().as_secs_f64()
    );
    let reopen_started = Instant::now();
    let reopened = Engine::open(directory.path(), caches, candidate_limit).expect("store reopens");
    let stats = reopened.stats().expect("stats");
    let startup = reopen_started.elapsed();

    assert_eq!(stats.sentences as usize, sentences);

    let ingest = if reused {
        "reused".to_string()
    } else {
        format!(
            "{:.0} docs/s, {:.0} sentences/s, {:.2} MB/s",
            documents as f64 / ingest_seconds,
            sentences as f64 / ingest_seconds,
            bytes as f64 / 1e6 / ingest_seconds,
        )
    };
    println!(
        "| {sentences} | {documents} | {ingest} | {:.2} ms | {:.2} ms | {:.1}% of {} | {:.2} / {:.2} ms | {:.4} / {:.4} | {:.0} MiB | {:.0} MiB | {:.2} s |",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        100.0 * right as f64 / claims.len() as f64,
        claims.len(),
        percentile(&retrieval, 0.5).as_secs_f64() * 1e3,
        percentile(&retrieval, 0.99).as_secs_f64() * 1e3,
        recall.all,
        recall.right,
        peak,
        disk as f64 / (1024.0 * 1024.0),
        startup.as_secs_f64(),
    );
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(position) = arguments.iter().position(|a| a == "--child") {
        let size = arguments
            .get(position + 1)
            .and_then(|s| s.parse().ok())
            .expect("--child SIZE");
        // The engine's own log lines (how long opening the store and the
        // index took) on stderr, beside the table.
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
        run_size(size);
        return;
    }
    let sizes =
        std::env::var("CLAIMCHECK_BENCH_SIZES").unwrap_or_else(|_| "10000,100000".to_string());
    let caches = cache_sizes();
    println!(
        "store-level scale benchmark (in-process, one store per size, sled cache {} MiB, document cache {} MiB; corpus: {})",
        caches.sled_bytes >> 20,
        caches.prepared_document_bytes >> 20,
        corpus().describe()
    );
    println!("| sentences | documents | ingest (flush every 1000 documents) | verify p50 | verify p99 | verdicts right | retrieval p50 / p99 | recall@20 all / right | peak RSS | disk | start-up after a clean stop |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let executable = std::env::current_exe().expect("own path");
    for size in sizes
        .split(',')
        .filter_map(|s| s.trim().parse::<usize>().ok())
    {
        let status = std::process::Command::new(&executable)
            .args(["--child", &size.to_string()])
            .status()
            .expect("child runs");
        assert!(status.success(), "size {size} failed");
    }
    println!("reproduce: CLAIMCHECK_BENCH_SIZES={sizes} cargo bench --bench scale");
}
