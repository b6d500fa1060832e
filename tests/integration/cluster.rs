//! Cluster mode, for real: `claimcheck serve --cluster` nodes over a
//! throw-away PostgreSQL on loopback (`postgres`), next to an embedded
//! server given the same documents. A write through one node is read
//! through another with `min_sequence`, with the same verdicts and
//! evidence as the embedded store; a delete through one is seen by the
//! other; a node added later builds its replica from the log.

use claimcheck::grpc::{connect, pb, Client, ClientCredentials};
use tonic::Code;

use crate::common::{
    articles_in, claims_path, corpus_dir, seed_corpus_and_dev_claims, shared, try_spawn_server_with,
};
use crate::postgres::Postgres;

/// A server process, killed when dropped.
struct Node {
    process: std::process::Child,
    client: Client,
    _directory: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn node(flags: &[&str]) -> Node {
    let directory = tempfile::tempdir().unwrap();
    let (process, url) = try_spawn_server_with(&directory.path().join("data"), flags)
        .unwrap_or_else(|error| panic!("the node did not start: {error}"));
    let client = connect(&url, &ClientCredentials::default()).await.unwrap();
    Node {
        process,
        client,
        _directory: directory,
    }
}

async fn cluster_node(postgres: &Postgres) -> Node {
    node(&["--cluster", &postgres.address()]).await
}

/// Stores every article; returns the largest sequence answered.
async fn ingest(client: &mut Client, articles: &[(String, String)]) -> u64 {
    let mut last = 0;
    for (id, text) in articles {
        let stored = client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: id.clone(),
                text: text.clone(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|status| panic!("{id}: {status}"))
            .into_inner();
        last = last.max(stored.sequence);
    }
    last
}

/// The claims of a JSON-lines file.
fn claims_in(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["claim"].as_str().unwrap().to_string()
        })
        .collect()
}

/// What a verdict says, to compare across servers: the label, the
/// confidence, and each evidence sentence by document and position, with
/// its score.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    verdict: i32,
    confidence: f64,
    evidence: Vec<(String, u32, f64)>,
}

/// Scores are sums of BM25 terms over the index's segments, and two
/// replicas cut their segments at different places: the last digits of a
/// sum may differ.
const SCORE_TOLERANCE: f64 = 1e-4;

impl Answer {
    /// The sentences cited above the last cited score (less `tolerance`),
    /// sorted: sentences that tie at the last place are interchangeable,
    /// and which of them makes the cut depends on the order a replica
    /// stored them in.
    fn cited_above_the_cut(&self, tolerance: f64) -> Vec<(String, u32)> {
        let cut = self.evidence.last().map_or(0.0, |last| last.2);
        let mut cited: Vec<(String, u32)> = self
            .evidence
            .iter()
            .filter(|evidence| evidence.2 > cut + tolerance)
            .map(|evidence| (evidence.0.clone(), evidence.1))
            .collect();
        cited.sort();
        cited
    }

    /// The same verdict citing the same sentences (scores may differ a
    /// little).
    fn cites_as(&self, other: &Answer) -> bool {
        const LOOSE: f64 = 1e-2;
        self.verdict == other.verdict
            && self.evidence.len() == other.evidence.len()
            && self.cited_above_the_cut(LOOSE) == other.cited_above_the_cut(LOOSE)
    }

    /// The same verdict, confidence and scores, citing the same sentences.
    fn same_as(&self, other: &Answer) -> bool {
        self.verdict == other.verdict
            && (self.confidence - other.confidence).abs() <= SCORE_TOLERANCE
            && self.evidence.len() == other.evidence.len()
            && self
                .evidence
                .iter()
                .zip(&other.evidence)
                .all(|(a, b)| (a.2 - b.2).abs() <= SCORE_TOLERANCE)
            && self.cited_above_the_cut(SCORE_TOLERANCE)
                == other.cited_above_the_cut(SCORE_TOLERANCE)
    }
}

async fn answer(client: &mut Client, claim: &str, min_sequence: u64) -> Answer {
    let response = client
        .verify_claim(pb::VerifyClaimRequest {
            claim: claim.to_string(),
            min_sequence,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("{claim}: {status}"))
        .into_inner();
    Answer {
        verdict: response.verdict,
        confidence: response.confidence,
        evidence: response
            .evidence
            .iter()
            .map(|evidence| {
                (
                    evidence.document_id.clone(),
                    evidence.sentence_index,
                    evidence.score,
                )
            })
            .collect(),
    }
}

async fn stats(client: &mut Client) -> pb::GetStatsResponse {
    client
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_share_writes_and_answer_as_the_embedded_store() {
    const TEST: &str = "cluster::nodes_share_writes_and_answer_as_the_embedded_store";
    let Some(postgres) = Postgres::start(TEST) else {
        return;
    };
    let mut a = cluster_node(&postgres).await;
    let mut b = cluster_node(&postgres).await;
    let mut embedded = node(&[]).await;

    // The test articles always; the seed corpus, the real articles and
    // their dev claims too when `../shared` is there.
    let mut articles = articles_in(&corpus_dir());
    let mut claims = claims_in(&claims_path());
    if let Some((seed, seed_claims)) = seed_corpus_and_dev_claims(TEST) {
        articles.extend(articles_in(&seed));
        claims.extend(claims_in(&seed_claims));
    }
    if let (Some(real), Some(dev)) = (
        shared("eval/vifactcheck/articles", TEST),
        shared("eval/vifactcheck/dev.jsonl", TEST),
    ) {
        articles.extend(articles_in(&real));
        claims.extend(claims_in(&dev));
    }
    let written = ingest(&mut a.client, &articles).await;
    assert_eq!(
        written,
        articles.len() as u64,
        "one change per document stored"
    );
    ingest(&mut embedded.client, &articles).await;

    // Storing the same text again changes nothing and appends nothing.
    let (id, text) = &articles[0];
    let again = a
        .client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: id.clone(),
            text: text.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!again.replaced);
    assert_eq!(again.sequence, 1, "the change that stored it");

    let mut differing = Vec::new();
    for claim in &claims {
        let through_b = answer(&mut b.client, claim, written).await;
        let embedded_answer = answer(&mut embedded.client, claim, 0).await;
        if !through_b.same_as(&embedded_answer) {
            differing.push(format!(
                "{claim}\n  node: {through_b:?}\n  embedded: {embedded_answer:?}"
            ));
        }
    }
    assert!(
        differing.is_empty(),
        "{} of {} claims differ:\n{}",
        differing.len(),
        claims.len(),
        differing.join("\n")
    );

    // A delete through B is seen through A once A has applied it.
    let deleted = b
        .client
        .delete_document(pb::DeleteDocumentRequest {
            document_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.sequence, written + 1);
    let gone = a
        .client
        .get_document(pb::GetDocumentRequest {
            document_id: id.clone(),
            min_sequence: deleted.sequence,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    // The first test claim is about the first test article, and only it.
    let before_the_delete = answer(&mut embedded.client, &claims[0], 0).await;
    assert_eq!(before_the_delete.evidence[0].0, *id);
    assert_ne!(before_the_delete.verdict, pb::Verdict::NotEnoughInfo as i32);
    let after_the_delete = answer(&mut a.client, &claims[0], deleted.sequence).await;
    assert_eq!(
        after_the_delete.verdict,
        pb::Verdict::NotEnoughInfo as i32,
        "{after_the_delete:?}"
    );
    assert!(
        after_the_delete
            .evidence
            .iter()
            .all(|(document, _, _)| document != id),
        "a deleted document is not cited: {after_the_delete:?}"
    );

    // A node added now builds its replica from the log.
    let mut c = cluster_node(&postgres).await;
    let through_c = answer(&mut c.client, &claims[0], deleted.sequence).await;
    let through_a = answer(&mut a.client, &claims[0], deleted.sequence).await;
    // The same sentences; the scores differ a little, since an index
    // counts a deleted sentence in its statistics until its segment is
    // merged, and C never held it.
    assert!(
        through_c.cites_as(&through_a),
        "{through_c:?}\n{through_a:?}"
    );
    for client in [&mut a.client, &mut b.client, &mut c.client] {
        let progress = stats(client).await.cluster.expect("cluster progress");
        assert_eq!(progress.applied_sequence, deleted.sequence);
        assert_eq!(progress.lag, 0);
        assert!(progress.caught_up);
    }
    let counts = stats(&mut c.client).await;
    assert_eq!(counts.document_count, articles.len() as u64 - 1);

    // A read asking for a change no one wrote waits, then is UNAVAILABLE.
    let ahead = a
        .client
        .verify_claim(pb::VerifyClaimRequest {
            claim: claims[0].clone(),
            min_sequence: deleted.sequence + 100,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(ahead.code(), Code::Unavailable, "{ahead}");
    assert!(ahead.message().contains("min_sequence"), "{ahead}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_crash_refuses_writes_until_it_is_back_and_loses_nothing() {
    const TEST: &str =
        "cluster::a_database_crash_refuses_writes_until_it_is_back_and_loses_nothing";
    let Some(postgres) = Postgres::start(TEST) else {
        return;
    };
    let mut a = cluster_node(&postgres).await;
    let articles = articles_in(&corpus_dir());
    let written = ingest(&mut a.client, &articles).await;
    let claims = claims_in(&claims_path());
    let before = answer(&mut a.client, &claims[0], written).await;

    postgres.stop();
    // Reads are answered from the node's replica.
    assert_eq!(answer(&mut a.client, &claims[0], written).await, before);

    // A write is refused as retryable, after the node's own retries.
    let extra = (
        "extra.txt".to_string(),
        "Tân Phú\nTân Phú có 12 xã.".to_string(),
    );
    let refused = a
        .client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: extra.0.clone(),
            text: extra.1.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused}");

    postgres.start_again();
    // Writes go on over new connections; what was acknowledged survived
    // the crash, and a node started now reads all of it.
    let stored = ingest(&mut a.client, std::slice::from_ref(&extra)).await;
    assert_eq!(stored, written + 1);
    let mut b = cluster_node(&postgres).await;
    let evidence = answer(&mut b.client, "Tân Phú có 12 xã.", stored)
        .await
        .evidence;
    assert!(
        evidence.iter().any(|(document, _, _)| *document == extra.0),
        "{evidence:?}"
    );
    assert_eq!(
        stats(&mut b.client).await.document_count,
        articles.len() as u64 + 1
    );
    // One more document moves the scores' statistics, not what is cited.
    let after = answer(&mut b.client, &claims[0], stored).await;
    assert!(after.cites_as(&before), "{after:?}\n{before:?}");
}

/// A synthetic article, one per number.
fn numbered_article(number: usize) -> (String, String) {
    (
        format!("doc-{number:04}.txt"),
        format!(
            "Xã Số {number}\nXã Số {number} có {} hộ dân năm 2020.\nXã Số {number} giảm {} cán bộ.",
            100 + number,
            number % 17 + 1
        ),
    )
}

/// The first `count` synthetic articles, as ingest requests.
fn numbered_requests(count: usize) -> Vec<pb::IngestDocumentRequest> {
    (0..count)
        .map(|number| {
            let (document_id, text) = numbered_article(number);
            pb::IngestDocumentRequest {
                document_id,
                text,
                ..Default::default()
            }
        })
        .collect()
}

/// Writes articles `numbers` through `url` one at a time until one is
/// refused (the node was killed); returns the acknowledged ones with
/// their sequence numbers.
async fn write_until_refused(url: String, numbers: std::ops::Range<usize>) -> Vec<(String, u64)> {
    let mut acknowledged = Vec::new();
    let Ok(mut client) = connect(&url, &ClientCredentials::default()).await else {
        return acknowledged;
    };
    for number in numbers {
        let (id, text) = numbered_article(number);
        match client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: id.clone(),
                text,
                ..Default::default()
            })
            .await
        {
            Ok(stored) => acknowledged.push((id, stored.into_inner().sequence)),
            Err(_) => break,
        }
    }
    acknowledged
}

/// A node's process on a data directory that outlives it, killed when
/// dropped.
struct Running {
    process: std::process::Child,
    url: String,
}

impl Running {
    fn start(data: &std::path::Path, postgres: &Postgres) -> Running {
        let (process, url) = try_spawn_server_with(data, &["--cluster", &postgres.address()])
            .unwrap_or_else(|error| panic!("the node did not start: {error}"));
        Running { process, url }
    }

    /// A client of the node.
    async fn client(&self) -> Client {
        connect(&self.url, &ClientCredentials::default())
            .await
            .unwrap()
    }

    fn kill_9(&mut self) {
        self.process.kill().unwrap();
        self.process.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// kill -9 a node while it catches up with writes made through another,
/// and the other while writes go through it: after the restarts, every
/// acknowledged document is on both nodes and on a new one, each sentence
/// indexed once, and the three hold the same documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_catch_up_and_during_writes_applies_each_change_once() {
    const TEST: &str = "cluster::kill_9_during_catch_up_and_during_writes_applies_each_change_once";
    let Some(postgres) = Postgres::start(TEST) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let data = |name: &str| directory.path().join(name);
    let mut writing = Running::start(&data("a"), &postgres);
    let mut following = Running::start(&data("b"), &postgres);
    let mut acknowledged: Vec<(String, u64)> = Vec::new();
    // A fixed sequence of moments, so a failing run can be repeated.
    let moments_ms = [35u64, 120, 60, 250];
    for (round, moment) in moments_ms.iter().enumerate() {
        let writer = tokio::spawn(write_until_refused(
            writing.url.clone(),
            round * 100..(round + 1) * 100,
        ));
        tokio::time::sleep(std::time::Duration::from_millis(*moment)).await;
        // Rounds alternate: the following node, then the writing one.
        if round % 2 == 0 {
            following.kill_9();
            acknowledged.extend(writer.await.unwrap());
            following = Running::start(&data("b"), &postgres);
        } else {
            writing.kill_9();
            acknowledged.extend(writer.await.unwrap());
            writing = Running::start(&data("a"), &postgres);
        }
    }
    assert!(
        acknowledged.len() > 20,
        "writes were acknowledged between the kills: {}",
        acknowledged.len()
    );
    let last = acknowledged
        .iter()
        .map(|(_, sequence)| *sequence)
        .max()
        .unwrap();
    let new = Running::start(&data("c"), &postgres);
    // A write may have committed without its acknowledgement (its node was
    // killed first): every node is read at the log's head, which the new
    // node read at start.
    let mut client = new.client().await;
    let head = stats(&mut client).await.cluster.unwrap().latest_sequence;
    let last = last.max(head);
    let mut counts = Vec::new();
    for node in [&writing, &following, &new] {
        let mut client = node.client().await;
        for (id, _) in &acknowledged {
            let found = client
                .get_document(pb::GetDocumentRequest {
                    document_id: id.clone(),
                    min_sequence: last,
                })
                .await
                .unwrap_or_else(|status| panic!("{id} was acknowledged: {status}"))
                .into_inner()
                .document
                .unwrap();
            assert_eq!(found.sentences.len(), 3, "{id}");
        }
        let stats = stats(&mut client).await;
        assert_eq!(
            stats.indexed_sentence_count, stats.sentence_count,
            "each stored sentence is indexed once"
        );
        counts.push((stats.document_count, stats.sentence_count));
    }
    assert!(
        counts.windows(2).all(|pair| pair[0] == pair[1]),
        "{counts:?}"
    );
}

/// The overall health status of the server at `url` (1 SERVING, 2
/// NOT_SERVING).
async fn overall_health(url: &str) -> i32 {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let channel = tonic::transport::Endpoint::from_shared(url.to_string())
        .unwrap()
        .connect()
        .await
        .unwrap();
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

/// A node added to a cluster that holds many changes reports NOT_SERVING
/// until it has applied them, then SERVING with nothing left to apply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_serves_once_it_has_caught_up() {
    const TEST: &str = "cluster::a_new_node_serves_once_it_has_caught_up";
    let Some(postgres) = Postgres::start(TEST) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let writing = Running::start(&directory.path().join("a"), &postgres);
    let mut client = writing.client().await;
    let documents: Vec<pb::IngestDocumentRequest> = numbered_requests(1500)
        .into_iter()
        .map(|document| pb::IngestDocumentRequest {
            text: document.text.repeat(8),
            ..document
        })
        .collect();
    let stored = client
        .ingest_documents(tokio_stream::iter(documents))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.stored_count, 1500);

    let joining = Running::start(&directory.path().join("b"), &postgres);
    assert_eq!(
        overall_health(&joining.url).await,
        2,
        "NOT_SERVING while 1,500 changes are to be applied"
    );
    let started = std::time::Instant::now();
    while overall_health(&joining.url).await != 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the node caught up within a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut joined = joining.client().await;
    let progress = stats(&mut joined).await;
    let cluster = progress.cluster.unwrap();
    assert!(cluster.caught_up);
    assert_eq!(cluster.applied_sequence, stored.sequence);
    assert_eq!(progress.document_count, 1500);
}

/// The database stops in the middle of an IngestDocuments stream: the
/// stream is refused as retryable, the documents stored before stay, and
/// sending the whole stream again once the database is back stores each
/// document once (those stored already are no-ops).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_crash_during_an_ingest_stream_is_retried_without_doubles() {
    const TEST: &str =
        "cluster::a_database_crash_during_an_ingest_stream_is_retried_without_doubles";
    let Some(postgres) = Postgres::start(TEST) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let writing = Running::start(&directory.path().join("a"), &postgres);
    let mut client = writing.client().await;
    let documents = std::sync::Arc::new(numbered_requests(100));
    const BEFORE_THE_CRASH: usize = 50;
    let (resume, resumed) = tokio::sync::oneshot::channel::<()>();
    let paused = futures_util::stream::unfold(
        (0usize, Some(resumed), std::sync::Arc::clone(&documents)),
        |(at, mut resumed, documents)| async move {
            if at == documents.len() {
                return None;
            }
            if at == BEFORE_THE_CRASH {
                if let Some(resumed) = resumed.take() {
                    let _ = resumed.await;
                }
            }
            Some((documents[at].clone(), (at + 1, resumed, documents)))
        },
    );
    let mut streaming = client.clone();
    let stream = tokio::spawn(async move { streaming.ingest_documents(paused).await });
    let started = std::time::Instant::now();
    while stats(&mut client).await.document_count < BEFORE_THE_CRASH as u64 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the first documents were stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    postgres.stop();
    resume.send(()).unwrap();
    let refused = stream.await.unwrap().unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused}");

    postgres.start_again();
    let again = client
        .ingest_documents(tokio_stream::iter(documents.to_vec()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (again.stored_count, again.replaced_count, again.failed_count),
        (100, 0, 0)
    );
    assert_eq!(again.sequence, 100, "one change per document, no doubles");
    let joining = Running::start(&directory.path().join("b"), &postgres);
    let mut joined = joining.client().await;
    let found = joined
        .get_document(pb::GetDocumentRequest {
            document_id: documents[99].document_id.clone(),
            min_sequence: again.sequence,
        })
        .await
        .unwrap();
    assert_eq!(found.into_inner().document.unwrap().sentences.len(), 3);
    let counts = stats(&mut joined).await;
    assert_eq!(counts.document_count, 100);
    assert_eq!(counts.indexed_sentence_count, counts.sentence_count);
}
