//! Faults from outside, against the `claimcheck` binary: a disk that fills
//! up under the store. Needs a small tmpfs, so it runs as root (as on the
//! CI machine) and skips with a printed line otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use claimcheck::grpc::{connect, pb, serving_status, ClientCredentials};
use tonic::Code;

use crate::common::{spawn_server, try_spawn_server};

/// A tmpfs of a fixed size, unmounted when dropped.
struct Tmpfs {
    _parent: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(megabytes: u32) -> Option<Tmpfs> {
        let parent = tempfile::tempdir().ok()?;
        let path = parent.path().join("disk");
        std::fs::create_dir(&path).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .output()
            .ok()?;
        mounted.status.success().then_some(Tmpfs {
            _parent: parent,
            path,
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// An article of `sentences` sentences, each with figures, about place
/// `number`.
fn article(number: usize, sentences: usize) -> String {
    let mut text = format!("Báo cáo của huyện {number}\n");
    for sentence in 0..sentences {
        text.push_str(&format!(
            "Xã {sentence} của huyện {number} có {} thôn và {} hộ dân, tăng {}% so với năm {}.\n",
            (sentence * 7 + number) % 90 + 1,
            (sentence * 131 + number * 17) % 9000 + 100,
            (sentence + number) % 40 + 1,
            2000 + (sentence + number) % 25,
        ));
    }
    text
}

fn stop_with_sigterm(server: &mut std::process::Child) -> Duration {
    let started = Instant::now();
    // SAFETY: a plain kill(2) of the child's pid.
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    while started.elapsed() < Duration::from_secs(30) {
        if server.try_wait().unwrap().is_some() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.kill();
    panic!("the server did not stop within 30 s of SIGTERM");
}

async fn status_of(url: &str, service: &str) -> String {
    serving_status(
        url,
        &ClientCredentials::default(),
        service,
        Duration::from_secs(5),
    )
    .await
    .unwrap()
}

/// Ingest until the disk is full: the write that fails says so with
/// RESOURCE_EXHAUSTED; reads go on; the writes health entry says
/// NOT_SERVING while the server as a whole serves; SIGTERM stops it within
/// its grace; a restart while the disk is still full says why it cannot
/// open; once space is freed, the store opens with every acknowledged
/// document and takes writes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_writes_keeps_reads_and_loses_nothing_acknowledged() {
    let Some(disk) = Tmpfs::mount(24) else {
        println!(
            "skipped a_full_disk_stops_writes_keeps_reads_and_loses_nothing_acknowledged: \
             cannot mount a tmpfs (needs root)"
        );
        return;
    };
    let filler = disk.path.join("filler");
    std::fs::write(&filler, vec![0u8; 14 * 1024 * 1024]).unwrap();
    let data: &Path = &disk.path.join("data");
    let (mut server, url) = spawn_server(data);
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();

    let mut acknowledged: Vec<(String, u32)> = Vec::new();
    let mut refusal = None;
    for number in 0..2_000 {
        let id = format!("huyen-{number}");
        match client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: id.clone(),
                text: article(number, 200),
                ..Default::default()
            })
            .await
        {
            Ok(response) => acknowledged.push((id, response.into_inner().sentence_count)),
            Err(status) => {
                refusal = Some(status);
                break;
            }
        }
    }
    let refusal = refusal.expect("the disk filled up");
    assert_eq!(refusal.code(), Code::ResourceExhausted, "{refusal:?}");
    assert!(refusal.message().contains("disk"), "{refusal:?}");
    assert!(acknowledged.len() > 2, "{} stored", acknowledged.len());

    // Reads go on; writes are refused at once; health says which.
    let (first_id, _) = &acknowledged[0];
    let fetched = client
        .get_document(pb::GetDocumentRequest {
            document_id: first_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(fetched
        .document
        .expect("the document")
        .text
        .contains("Báo cáo"));
    let verdict = client
        .verify_claim(pb::VerifyClaimRequest {
            claim: "Xã 3 của huyện 0 có 4 thôn.".into(),
            document_ids: vec![first_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(verdict.verdict(), pb::Verdict::Unspecified);
    let again = client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: "late".into(),
            text: article(9_999, 3),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::ResourceExhausted, "{again:?}");
    assert!(again.message().contains("restart"), "{again:?}");
    assert_eq!(
        status_of(&url, "claimcheck.v1.FactCheck.writes").await,
        "NOT_SERVING"
    );
    assert_eq!(status_of(&url, "").await, "SERVING");

    let stopping = stop_with_sigterm(&mut server);
    assert!(
        stopping < Duration::from_secs(12),
        "stopped after {stopping:?}"
    );

    // Still full: either the store opens, or the server says why not.
    match try_spawn_server(data) {
        Ok((mut restarted, _)) => {
            stop_with_sigterm(&mut restarted);
        }
        Err(said) => assert!(said.contains("full"), "{said}"),
    }

    // Space freed: everything acknowledged is there, and writes work.
    std::fs::remove_file(&filler).unwrap();
    let (mut server, url) = spawn_server(data);
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    for (id, sentence_count) in &acknowledged {
        let document = client
            .get_document(pb::GetDocumentRequest {
                document_id: id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("{id} was acknowledged: {status:?}"))
            .into_inner()
            .document
            .expect("the document");
        assert_eq!(document.sentences.len() as u32, *sentence_count, "{id}");
    }
    let stats = client
        .get_stats(pb::GetStatsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(stats.document_count >= acknowledged.len() as u64);
    client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: "after".into(),
            text: article(10_000, 3),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        status_of(&url, "claimcheck.v1.FactCheck.writes").await,
        "SERVING"
    );
    stop_with_sigterm(&mut server);
}
