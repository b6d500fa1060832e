//! The batch streams driven by a client that is not ours: Python grpcio
//! (the script in `tests/clients/`), writing one message per claim or
//! document as fast as the server lets it. 20,000 messages each way here;
//! `CLAIMCHECK_LONG_TESTS=1` sends 100,000. Skips with a printed line when
//! Python's grpcio is missing, unless `CLAIMCHECK_GRPCIO_TESTS=require`
//! (CI installs it with `.ci/grpcio-setup`).

use std::path::Path;

use crate::common::TestServer;

fn grpcio_available(test: &str) -> bool {
    let available = std::process::Command::new("python3")
        .args(["-c", "import grpc"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var("CLAIMCHECK_GRPCIO_TESTS").as_deref() != Ok("require"),
            "{test}: Python grpcio is required (CLAIMCHECK_GRPCIO_TESTS=require) but missing; run .ci/grpcio-setup"
        );
        crate::common::report_skip(
            test,
            "Python grpcio is not installed (.ci/grpcio-setup installs it)",
        );
    }
    available
}

fn message_count() -> usize {
    if std::env::var("CLAIMCHECK_LONG_TESTS").as_deref() == Ok("1") {
        100_000
    } else {
        20_000
    }
}

/// Runs the grpcio script and returns its JSON line.
async fn grpcio(
    address: std::net::SocketAddr,
    method: &str,
    count: usize,
    text: &str,
) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/grpcio_streams.py");
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(address.to_string())
        .arg(method)
        .arg(count.to_string())
        .arg(text)
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{method}: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("{method}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_streams_are_answered_in_full() {
    if !grpcio_available("python_grpcio_streams_are_answered_in_full") {
        return;
    }
    let count = message_count();
    let directory = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(directory.path()).await;
    server
        .ingest(
            "an-lac",
            "An Lạc\nNăm 2023, xã An Lạc giảm 51 cán bộ, công chức cấp xã so với năm 2015.",
        )
        .await;

    let verified = grpcio(
        server.address,
        "verify",
        count,
        "Xã An Lạc giảm 51 cán bộ, công chức cấp xã so với năm 2015.",
    )
    .await;
    assert_eq!(verified["answers"], count, "{verified}");
    assert_eq!(verified["distinct_ids"], count, "{verified}");
    assert_eq!(verified["errors"], 0, "{verified}");

    let ingested = grpcio(
        server.address,
        "ingest",
        count,
        "Xã Tân Lập có 12 thôn và 3.400 hộ dân.",
    )
    .await;
    assert_eq!(ingested["stored"], count, "{ingested}");
    assert_eq!(server.stats().await.document_count, count as u64 + 1);
    println!("grpcio, {count} messages each way: {verified} {ingested}");
    server.stop().await;
}
