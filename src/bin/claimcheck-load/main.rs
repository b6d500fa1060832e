//! `claimcheck-load`: a closed-loop gRPC load generator, a tool of its own
//! so that the service binary carries no load or corpus generator. C concurrent
//! callers over K channels send requests back to back for a fixed time,
//! to `grpc.health.v1.Health/Check` (the no-op ceiling of this server and
//! machine) and to `VerifyClaim` with generated claims, in alternating
//! rounds so both see the same machine, and report requests per second,
//! p50/p90/p99 latency, errors, and the median ratio of the two over the
//! rounds. `--seconds 0` skips the load.
//! With `--ingest N`, it first streams N generated articles (generated
//! before the clock starts) through IngestDocuments, `--ingest-streams`
//! streams at a time, each acknowledged after its documents are durable,
//! and reports MB/s. Against a server started with `--auth-tokens`, set
//! `CLAIMCHECK_TOKEN` (a token with the `write` scope for `--ingest`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use claimcheck::config::DEFAULT_SERVER;
use claimcheck::grpc::pb;
use claimcheck::grpc::pb::fact_check_client::FactCheckClient;
use clap::{Args, Parser};

mod synth;

use synth::{unknown_place_claim, Corpus, Random};

/// Load a running claimcheck service: closed loop against Health/Check and
/// VerifyClaim.
#[derive(Debug, Parser)]
#[command(name = "claimcheck-load", version)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
}

#[derive(Debug, Args)]
struct BenchArgs {
    #[arg(long, env = "CLAIMCHECK_SERVER", default_value = DEFAULT_SERVER)]
    server: String,
    /// Send the Health/Check and VerifyClaim load to these servers instead
    /// (comma-separated; the nodes of a cluster), the channels spread over
    /// them in turn; ingest still goes to --server.
    #[arg(long, value_delimiter = ',')]
    read_servers: Vec<String>,
    /// Concurrent callers.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// HTTP/2 connections the callers share.
    #[arg(long, default_value_t = 4)]
    channels: usize,
    /// Seconds of load per call (Health/Check, and VerifyClaim), split
    /// over the rounds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Rounds of Health/Check then VerifyClaim, alternating, so both calls
    /// see the same machine; the ratio reported is the median of the
    /// rounds' ratios.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// First stream this many generated articles through IngestDocuments.
    #[arg(long, default_value_t = 0)]
    ingest: usize,
    /// IngestDocuments streams open at a time while ingesting.
    #[arg(long, default_value_t = 2)]
    ingest_streams: usize,
    /// The generated articles to ingest start at this one (so a second run
    /// stores new articles instead of the same ones again).
    #[arg(long, default_value_t = 0)]
    ingest_from: u64,
    /// Cluster mode: while ingesting, ask every --read-servers node every
    /// 20 ms how far it has applied the cluster's log, and report how many
    /// changes it was behind --server (p50, p99, max).
    #[arg(long)]
    watch_lag: bool,
    /// Distinct generated claims the VerifyClaim callers cycle through. A
    /// claim asked again while the store is unchanged is answered from the
    /// server's verdict cache, so a large number measures fresh checks.
    #[arg(long, default_value_t = 1000)]
    claims: usize,
    /// The generated archive: `templated` (facts between six fixed filler
    /// sentences), `zipf` (filler words drawn by a Zipf law, a large name
    /// space) or `zipf:FOLDER` (the Zipf law over the words of the real
    /// articles in FOLDER).
    #[arg(long, default_value = "templated", value_parser = Corpus::from_setting)]
    corpus: Corpus,
}

#[tokio::main]
async fn main() -> ExitCode {
    let Cli { args } = Cli::parse();
    match run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What one closed-loop run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub latencies: Vec<Duration>,
}

impl LoadReport {
    /// The rounds of one call taken together.
    pub fn merged(rounds: &[LoadReport]) -> LoadReport {
        let mut latencies: Vec<Duration> = rounds
            .iter()
            .flat_map(|round| round.latencies.iter().copied())
            .collect();
        latencies.sort();
        LoadReport {
            requests: rounds.iter().map(|round| round.requests).sum(),
            errors: rounds.iter().map(|round| round.errors).sum(),
            seconds: rounds.iter().map(|round| round.seconds).sum(),
            latencies,
        }
    }

    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    fn percentile(&self, fraction: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies[((self.latencies.len() - 1) as f64 * fraction).round() as usize]
    }

    pub fn line(&self, name: &str) -> String {
        format!(
            "{name:<12} {:>9.0} req/s  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
            self.per_second(),
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.9).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            self.errors
        )
    }
}

/// Runs `call` from `concurrency` tasks spread over `channels` for `duration`.
async fn closed_loop<F, Fut>(
    channels: &[Channel],
    concurrency: usize,
    duration: Duration,
    call: F,
) -> LoadReport
where
    F: Fn(Channel) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let channel = channels[worker % channels.len()].clone();
        let call = Arc::clone(&call);
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let ok = call(channel.clone()).await;
                latencies.push(sent.elapsed());
                errors += usize::from(!ok);
            }
            (latencies, errors)
        }));
    }
    let mut report = LoadReport {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for task in tasks {
        if let Ok((latencies, errors)) = task.await {
            report.requests += latencies.len();
            report.errors += errors;
            report.latencies.extend(latencies);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.latencies.sort();
    report
}

/// Articles sent per IngestDocuments stream.
const DOCUMENTS_PER_STREAM: usize = 200;

/// Streams `documents` generated articles through IngestDocuments, from
/// `streams` concurrent streams of `DOCUMENTS_PER_STREAM` each. The articles
/// are generated before the clock starts, so the figure is the server's,
/// not the generator's.
async fn ingest(
    server: &str,
    corpus: &Corpus,
    (from, documents): (u64, usize),
    streams: usize,
) -> anyhow::Result<String> {
    let mut batches: Vec<Vec<pb::IngestDocumentRequest>> = (from..from + documents as u64)
        .map(|index| {
            let (generated, _) = corpus.article(42, index, 25);
            pb::IngestDocumentRequest {
                document_id: generated.document_id,
                text: generated.text,
                ..Default::default()
            }
        })
        .collect::<Vec<_>>()
        .chunks(DOCUMENTS_PER_STREAM)
        .map(<[_]>::to_vec)
        .collect();
    let bytes: usize = batches.iter().flatten().map(|d| d.text.len()).sum();
    let streams = streams.clamp(1, batches.len().max(1));
    // Taken from the back: the first articles go first.
    batches.reverse();
    let queue = Arc::new(std::sync::Mutex::new(batches));
    let started = Instant::now();
    let mut senders = Vec::with_capacity(streams);
    for _ in 0..streams {
        let credentials = claimcheck::grpc::ClientCredentials {
            token: std::env::var("CLAIMCHECK_TOKEN").ok(),
            ..Default::default()
        };
        let mut client = claimcheck::grpc::connect(server, &credentials).await?;
        let queue = Arc::clone(&queue);
        senders.push(tokio::spawn(async move {
            let mut sentences = 0u64;
            loop {
                let next = queue
                    .lock()
                    .map_err(|_| anyhow::anyhow!("queue poisoned"))?
                    .pop();
                let Some(batch) = next else {
                    return Ok::<u64, anyhow::Error>(sentences);
                };
                let response = client
                    .ingest_documents(tokio_stream::iter(batch))
                    .await
                    .map_err(|status| anyhow::anyhow!("{:?}: {}", status.code(), status.message()))?
                    .into_inner();
                sentences += response.sentence_count;
            }
        }));
    }
    let mut sentences = 0u64;
    for sender in senders {
        sentences += sender.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "ingest       {documents} documents, {sentences} sentences, {:.1} MB in {seconds:.1} s: {:.0} docs/s, {:.0} sentences/s, {:.2} MB/s (IngestDocuments, {DOCUMENTS_PER_STREAM} per stream, {streams} streams at a time, acknowledged after flush)",
        bytes as f64 / 1e6,
        documents as f64 / seconds,
        sentences as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    ))
}

/// Samples how many changes of the cluster's log each node is behind the
/// node that takes the writes, every 20 ms, until stopped.
struct LagWatch {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<Vec<String>>>,
}

impl LagWatch {
    async fn start(writer: &str, nodes: &[String]) -> anyhow::Result<LagWatch> {
        let credentials = claimcheck::grpc::ClientCredentials {
            token: std::env::var("CLAIMCHECK_TOKEN").ok(),
            ..Default::default()
        };
        let mut writing = claimcheck::grpc::connect(writer, &credentials).await?;
        let mut followers = Vec::with_capacity(nodes.len());
        for node in nodes {
            followers.push((
                node.clone(),
                claimcheck::grpc::connect(node, &credentials).await?,
                Vec::new(),
            ));
        }
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            async fn applied(client: &mut claimcheck::grpc::Client) -> anyhow::Result<u64> {
                let stats = client.get_stats(pb::GetStatsRequest {}).await?.into_inner();
                let cluster = stats
                    .cluster
                    .ok_or_else(|| anyhow::anyhow!("not a cluster node"))?;
                Ok(cluster.applied_sequence)
            }
            while !*stopped.borrow() {
                let head = applied(&mut writing).await?;
                for (_, client, lags) in &mut followers {
                    lags.push(head.saturating_sub(applied(client).await?));
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                    _ = stopped.changed() => {}
                }
            }
            Ok(followers
                .into_iter()
                .map(|(node, _, mut lags)| {
                    lags.sort_unstable();
                    let at = |share: f64| {
                        lags.get(((lags.len() as f64 * share) as usize).min(lags.len().saturating_sub(1)))
                            .copied()
                            .unwrap_or(0)
                    };
                    format!(
                        "lag          {node}: p50 {} p99 {} max {} changes behind the writing node ({} samples)",
                        at(0.5),
                        at(0.99),
                        lags.last().copied().unwrap_or(0),
                        lags.len()
                    )
                })
                .collect())
        });
        Ok(LagWatch { stop, task })
    }

    async fn stop(self) -> anyhow::Result<Vec<String>> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

fn claims_for_load(corpus: &Corpus, count: usize) -> Vec<String> {
    let mut random = Random::new(3);
    let mut claims = Vec::with_capacity(count);
    let mut index = 0;
    while claims.len() < count {
        let (_, facts) = corpus.article(42, index, 25);
        claims.extend(facts.into_iter().map(|f| f.claim));
        claims.push(unknown_place_claim(&mut random).claim);
        index += 7;
    }
    claims.truncate(count);
    claims
}

async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    println!("corpus: {}", args.corpus.describe());
    if args.ingest > 0 {
        let watching = if args.watch_lag {
            Some(LagWatch::start(&args.server, &args.read_servers).await?)
        } else {
            None
        };
        println!(
            "{}",
            ingest(
                &args.server,
                &args.corpus,
                (args.ingest_from, args.ingest),
                args.ingest_streams
            )
            .await?
        );
        if let Some(watching) = watching {
            for line in watching.stop().await? {
                println!("{line}");
            }
        }
    }
    if args.seconds <= 0.0 {
        return Ok(ExitCode::SUCCESS);
    }
    let read_servers = if args.read_servers.is_empty() {
        vec![args.server.clone()]
    } else {
        args.read_servers.clone()
    };
    let mut channels = Vec::with_capacity(args.channels);
    for at in 0..args.channels.max(1).max(read_servers.len()) {
        let server = &read_servers[at % read_servers.len()];
        let endpoint = Endpoint::from_shared(server.clone())?;
        channels.push(
            endpoint
                .connect()
                .await
                .with_context(|| format!("cannot connect to {server}"))?,
        );
    }
    let token =
        claimcheck::grpc::BearerToken::new(std::env::var("CLAIMCHECK_TOKEN").ok().as_deref())?;
    let rounds = args.rounds.max(1);
    let phase = Duration::from_secs_f64(args.seconds / rounds as f64);
    println!(
        "closed loop: {} concurrent callers over {} channels, {rounds} rounds of {:.1} s of Health/Check then {:.1} s of VerifyClaim, against {}",
        args.concurrency,
        channels.len(),
        phase.as_secs_f64(),
        phase.as_secs_f64(),
        read_servers.join(", ")
    );
    let claims = Arc::new(claims_for_load(&args.corpus, args.claims.max(1)));
    println!(
        "VerifyClaim cycles through {} distinct generated claims, in order across rounds",
        claims.len()
    );
    let next_claim = Arc::new(AtomicUsize::new(0));
    let (mut health_rounds, mut verify_rounds, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let health = closed_loop(&channels, args.concurrency, phase, |channel| async move {
            HealthClient::new(channel)
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .is_ok()
        })
        .await;
        let (claims, next_claim) = (Arc::clone(&claims), Arc::clone(&next_claim));
        let token = token.clone();
        let verify = closed_loop(&channels, args.concurrency, phase, move |channel| {
            let claim = claims[next_claim.fetch_add(1, Ordering::Relaxed) % claims.len()].clone();
            let token = token.clone();
            async move {
                FactCheckClient::with_interceptor(channel, token)
                    .verify_claim(pb::VerifyClaimRequest {
                        claim,
                        ..Default::default()
                    })
                    .await
                    .is_ok()
            }
        })
        .await;
        let ratio = 100.0 * verify.per_second() / health.per_second().max(1e-9);
        println!(
            "round {round}: Health/Check {:.0} req/s, VerifyClaim {:.0} req/s, {ratio:.1}%",
            health.per_second(),
            verify.per_second()
        );
        health_rounds.push(health);
        verify_rounds.push(verify);
        ratios.push(ratio);
    }
    let (health, verify) = (
        LoadReport::merged(&health_rounds),
        LoadReport::merged(&verify_rounds),
    );
    println!("{}", health.line("Health/Check"));
    println!("{}", verify.line("VerifyClaim"));
    ratios.sort_by(f64::total_cmp);
    println!(
        "VerifyClaim throughput is {:.1}% of Health/Check (median of {rounds} rounds; rounds {:.1}-{:.1}%; {:.1}% over all)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        100.0 * verify.per_second() / health.per_second().max(1e-9)
    );
    Ok(if health.errors + verify.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
