//! Tests of the `claimcheck` binary itself: durability across `kill -9`, the
//! client commands against a served store, and the eval command's figures on
//! the labelled dev claims.

use std::process::{Command, Stdio};

use crate::common::{
    claims_path, corpus, corpus_dir, seed_corpus_and_dev_claims, shared, spawn_server,
    spawn_server_logging, terminate, BINARY,
};
use claimcheck::grpc::{connect, pb, ClientCredentials};

/// Runs `claimcheck eval --json --claims CLAIMS` with `source` (a corpus or
/// a server) and returns the report.
fn eval_json(claims: &std::path::Path, source: &[&str]) -> serde_json::Value {
    let output = Command::new(BINARY)
        .args(["eval", "--json", "--claims"])
        .arg(claims)
        .args(source)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn an_acknowledged_ingest_survives_kill_9() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(directory.path());
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    let (name, text) = corpus().into_iter().next().unwrap();
    let response = client
        .ingest_document(pb::IngestDocumentRequest {
            document_id: name.clone(),
            text,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    server.kill().expect("SIGKILL");
    server.wait().unwrap();

    let (mut restarted, url) = spawn_server(directory.path());
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    let document = client
        .get_document(pb::GetDocumentRequest {
            document_id: name,
            ..Default::default()
        })
        .await
        .expect("the acknowledged document is there")
        .into_inner()
        .document
        .unwrap();
    assert_eq!(document.sentences.len() as u32, response.sentence_count);
    let stats = client
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.document_count, 1);
    restarted.kill().unwrap();
    restarted.wait().unwrap();
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    let (server, url) = spawn_server(directory.path());
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    client.get_stats(pb::GetStatsRequest {}).await.unwrap();
    let status = terminate(server).await;
    assert!(status.success(), "{status:?}");
    drop(client);
}

/// Runs `claimcheck ingest --server URL` on the test articles.
fn ingest_test_articles(url: &str) -> std::process::Output {
    Command::new(BINARY)
        .args(["ingest", "--server", url])
        .arg(corpus_dir())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// A restarted server warms up on a thread of its own (its log says so),
/// answers meanwhile and after, and a SIGTERM still stops it cleanly, the
/// store's snapshot recorded (the warm-up holds the store only while a
/// step of it runs).
#[tokio::test]
async fn a_restarted_server_warms_up_and_still_stops_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    let (mut first, url) = spawn_server(directory.path());
    let ingest = ingest_test_articles(&url);
    assert!(ingest.status.success(), "{ingest:?}");
    first.kill().unwrap();
    first.wait().unwrap();

    let log_path = directory.path().join("server.log");
    let (server, url) = spawn_server_logging(&[], directory.path(), &[], "info", &log_path);
    let client = connect(&url, &ClientCredentials::default()).await.unwrap();
    let claim = "An Lạc giảm 51 cán bộ, công chức cấp xã so với năm 2015.";
    let verify = || {
        let mut client = client.clone();
        async move {
            client
                .verify_claim(pb::VerifyClaimRequest {
                    claim: claim.into(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .verdict
        }
    };
    let during = verify().await;
    let log = || std::fs::read_to_string(&log_path).unwrap();
    let waited = std::time::Instant::now();
    while !log().contains("warmed up") {
        assert!(
            waited.elapsed().as_secs() < 30,
            "no warm-up in the log: {}",
            log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(verify().await, during);
    drop(client);
    let status = terminate(server).await;
    assert!(status.success(), "{status:?}");
    assert!(log().contains("store snapshot recorded"), "{}", log());
}

/// `claimcheck health` says SERVING and succeeds against a running server,
/// and fails, saying why, when nothing listens.
#[test]
fn health_succeeds_only_against_a_serving_server() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(directory.path());
    let serving = Command::new(BINARY)
        .args(["health", "--server", &url])
        .output()
        .unwrap();
    let address = url.trim_start_matches("http://").to_string();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(serving.status.success(), "{serving:?}");
    assert_eq!(String::from_utf8_lossy(&serving.stdout).trim(), "SERVING");

    let gone = Command::new(BINARY)
        .args(["health", "--timeout-seconds", "2", "--server"])
        .arg(format!("http://{address}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(!gone.status.success(), "{stderr}");
    assert!(stderr.contains(&address), "{stderr}");
}

/// A second server on a data directory in use fails at once, naming the
/// directory once and saying what to do.
#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let (mut first, _url) = spawn_server(directory.path());
    let second = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "",
            "--data-dir",
        ])
        .arg(directory.path())
        .output()
        .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "{stderr}");
    assert_eq!(
        stderr
            .matches(&directory.path().display().to_string())
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("another claimcheck process"), "{stderr}");
}

#[tokio::test]
async fn client_commands_work_against_a_served_store() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(directory.path());

    let ingest = ingest_test_articles(&url);
    let summary = String::from_utf8_lossy(&ingest.stdout);
    assert!(ingest.status.success(), "{summary}");
    assert!(
        summary.contains("stored 5 documents (0 replaced), 0 failed"),
        "{summary}"
    );

    let verify = Command::new(BINARY)
        .args([
            "verify",
            "--server",
            &url,
            "--json",
            "An Lạc giảm 51 cán bộ, công chức cấp xã so với năm 2015.",
        ])
        .output()
        .unwrap();
    assert!(verify.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(answer["verdict"], "VERDICT_SUPPORTED");
    assert_eq!(answer["evidence"][0]["document_id"], "an-lac.txt");
    assert_eq!(
        answer["evidence"][0]["checks"][0]["outcome"],
        "CHECK_OUTCOME_MATCH"
    );

    let claims = directory.path().join("claims.jsonl");
    std::fs::write(
        &claims,
        "{\"id\": \"a\", \"claim\": \"Thành phố Đông Hòa giảm 2 thôn, khu phố sau sắp xếp.\"}\n{\"id\": \"b\", \"claim\": \"\"}\nnot json\n{\"id\": \"c\", \"claim\": \"Bình Sơn sẽ xây dựng một sân bay quốc tế mới ven biển.\"}\n",
    )
    .unwrap();
    let batch = Command::new(BINARY)
        .args(["verify", "--server", &url, "--file"])
        .arg(&claims)
        .output()
        .unwrap();
    assert!(
        batch.status.success(),
        "{}",
        String::from_utf8_lossy(&batch.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&batch.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let by_id = |id: &str| lines.iter().find(|l| l["claim_id"] == id).unwrap().clone();
    assert_eq!(by_id("a")["verdict"], "VERDICT_REFUTED");
    assert!(by_id("b")["error"].as_str().unwrap().contains("claim"));
    assert!(by_id("line-3")["error"].as_str().unwrap().contains("claim"));
    assert_eq!(by_id("c")["verdict"], "VERDICT_NOT_ENOUGH_INFO");

    let report = eval_json(&claims_path(), &["--server", &url]);
    assert_eq!(report["total"], 14);
    assert!(
        report["label_accuracy"].as_f64().unwrap() >= 1.0,
        "{report:#}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn ingest_reports_each_bad_file_and_sends_the_rest() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(&directory.path().join("data"));
    let folder = directory.path().join("articles");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(folder.join("a.txt"), "Hà Nội có 30 quận, huyện.").unwrap();
    std::fs::write(folder.join("sub/a.txt"), "Đà Nẵng có 8 quận, huyện.").unwrap();
    std::fs::write(folder.join("big.txt"), "Giá tăng 5%. ".repeat(40)).unwrap();
    std::fs::write(folder.join("binary.dat"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let outside = directory.path().join("outside.txt");
    std::fs::write(&outside, "Không được gửi.").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, folder.join("link.txt")).unwrap();

    let ingest = Command::new(BINARY)
        .args(["ingest", "--max-file-bytes", "200", "--server", &url])
        .arg(&folder)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&ingest.stdout);
    let warnings = String::from_utf8_lossy(&ingest.stderr);
    assert_eq!(ingest.status.code(), Some(1), "{summary}{warnings}");
    assert!(
        summary.contains("stored 2 documents (0 replaced), 2 failed"),
        "{summary}"
    );
    assert!(summary.contains("over --max-file-bytes 200"), "{summary}");
    assert!(summary.contains("not UTF-8 text"), "{summary}");
    #[cfg(unix)]
    assert!(warnings.contains("symbolic link"), "{warnings}");

    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    let listed = client
        .list_documents(pb::ListDocumentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = listed
        .documents
        .iter()
        .map(|d| d.document_id.as_str())
        .collect();
    assert_eq!(ids, ["a.txt", "sub/a.txt"]);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `ingest --published-at --metadata` gives every file sent that date and
/// metadata; `verify` and `check` filter by them; a date that is not ISO
/// is refused naming the field.
#[tokio::test]
async fn the_cli_ingests_and_checks_with_dates_and_metadata() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(&directory.path().join("data"));
    let reports = [
        ("march", "2024-03-01", "outlet=alpha", "22"),
        ("april", "2024-04-02", "outlet=beta", "30"),
    ];
    for (id, published_at, metadata, figure) in reports {
        let file = directory.path().join(id);
        std::fs::write(
            &file,
            format!("Tinh giản\nNăm 2023, huyện Hải Hà đã giảm {figure} biên chế."),
        )
        .unwrap();
        let ingest = Command::new(BINARY)
            .args(["ingest", "--server", &url, "--published-at", published_at])
            .args(["--metadata", metadata])
            .arg(&file)
            .output()
            .unwrap();
        assert!(ingest.status.success(), "{ingest:?}");
    }
    let claim = "Năm 2023, huyện Hải Hà đã giảm 22 biên chế.";
    let verify = |filter: &[&str]| {
        let output = Command::new(BINARY)
            .args(["verify", "--json", "--server", &url])
            .args(filter)
            .arg(claim)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let response: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (
            response["verdict"].as_str().unwrap_or_default().to_string(),
            response["evidence"][0]["document_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["--published-before", "2024-03-15"],
            "VERDICT_SUPPORTED",
            "march",
        ),
        (&["--metadata", "outlet=beta"], "VERDICT_REFUTED", "april"),
        (
            &["--published-after", "2025-01-01"],
            "VERDICT_NOT_ENOUGH_INFO",
            "",
        ),
    ];
    for (filter, verdict, document) in cases {
        assert_eq!(
            verify(filter),
            (verdict.to_string(), document.to_string()),
            "{filter:?}"
        );
    }
    let refused = Command::new(BINARY)
        .args(["ingest", "--server", &url, "--published-at", "05/03/2024"])
        .arg(directory.path().join("march"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("published_at"), "{said}");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn eval_meets_the_dev_set_figures() {
    let Some((corpus, dev_claims)) = seed_corpus_and_dev_claims("eval_meets_the_dev_set_figures")
    else {
        return;
    };
    let report = eval_json(&dev_claims, &["--corpus", corpus.to_str().unwrap()]);
    assert_eq!(report["total"], 40);
    // Measured: 40 of 40, macro-F1 1.000, every right label with
    // its evidence from the labelled source.
    let accuracy = report["label_accuracy"].as_f64().unwrap();
    assert!(accuracy >= 1.0, "misses: {:#}", report["misses"]);
    assert_eq!(
        report["strict_accuracy"], report["label_accuracy"],
        "misses: {:#}",
        report["misses"]
    );
    assert!(report["macro_f1"].as_f64().unwrap() >= 1.0);

    let text = Command::new(BINARY)
        .args(["eval", "--claims"])
        .arg(&dev_claims)
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(
        printed.contains("label accuracy: 100.0% (40/40)"),
        "{printed}"
    );
    assert!(printed.contains("confusion"), "{printed}");
}

#[test]
fn extract_prints_the_quantities_of_a_text() {
    let output = Command::new(BINARY)
        .args([
            "extract",
            "--json",
            "Niềm tin đạt 91,6%, hơn 2 nghìn nhân khẩu, khóa XIII.",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let quantities = value["sentences"][0]["quantities"].as_array().unwrap();
    let kinds: Vec<&str> = quantities
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "QUANTITY_KIND_PERCENT",
            "QUANTITY_KIND_COUNT",
            "QUANTITY_KIND_ORDINAL"
        ]
    );
    assert_eq!(quantities[1]["value"], 2000.0);
    assert_eq!(quantities[1]["qualifier"], "QUALIFIER_MORE_THAN");
    assert_eq!(quantities[2]["value"], 13.0);
}

/// `claimcheck extract … | head`: the reader leaves after one line, and the
/// command ends without a panic (killed by SIGPIPE, as `cat` would be).
#[cfg(unix)]
#[test]
fn a_client_command_ends_quietly_when_its_reader_leaves() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let text = "Huyện giảm 1.654 cán bộ, đạt 91,6%. ".repeat(2000);
    let mut child = Command::new(BINARY)
        .args(["extract", &text])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here; the rest of the output has nowhere to go.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_eq!(
        status.signal(),
        Some(13),
        "status {status:?}, stderr: {stderr}"
    );
}

/// Claims written for this project about the same articles (places and
/// years swapped, typed without diacritics, qualifiers, changes, ranks,
/// negation, topics no article covers): a guard against regressions beyond
/// the dev set, at the measured 76 of 81. Known misses: a negation the
/// source never states inside a longer rewritten passage; a year joined
/// from a neighbour sentence to another year's count; a claim about a
/// figure no article gives read as contradicted; two claims whose stated
/// figure sentence loses the window to a longer sentence about the place.
#[test]
fn eval_on_extra_claims_stays_above_93_percent() {
    let claims =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/extra-claims.jsonl");
    let Some(corpus) = shared("corpus", "eval_on_extra_claims_stays_above_93_percent") else {
        return;
    };
    let report = eval_json(&claims, &["--corpus", corpus.to_str().unwrap()]);
    let accuracy = report["label_accuracy"].as_f64().unwrap();
    let strict = report["strict_accuracy"].as_f64().unwrap();
    assert!(
        accuracy >= 0.93 && strict >= 0.93,
        "accuracy {accuracy}, strict {strict}, misses: {:#}",
        report["misses"]
    );
}

/// The load generator against a real server: it ingests generated
/// articles, runs the alternating rounds, and reports every figure with no
/// errors.
#[tokio::test]
async fn the_load_tool_ingests_loads_and_reports_the_ratio() {
    let directory = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_server(directory.path());
    let output = Command::new(env!("CARGO_BIN_EXE_claimcheck-load"))
        .args(["--server", &url])
        .args(["--ingest", "20", "--claims", "30", "--concurrency", "4"])
        .args(["--channels", "2", "--seconds", "0.6", "--rounds", "3"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    server.kill().unwrap();
    let _ = server.wait();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("ingest       20 documents, 500 sentences"),
        "{report}"
    );
    assert_eq!(report.matches("\nround ").count(), 3, "{report}");
    for line in ["Health/Check ", "VerifyClaim  "] {
        let figures = report
            .lines()
            .find(|l| l.starts_with(line) && l.contains("req/s"))
            .unwrap_or_else(|| panic!("no {line} line in {report}"));
        assert!(figures.ends_with("errors 0"), "{figures}");
    }
    assert!(
        report.contains("% of Health/Check (median of 3 rounds"),
        "{report}"
    );
}

/// The README's configuration table is what `claimcheck serve --help`
/// says: every flag in one is in the other, with the same environment
/// variable and default.
#[test]
fn the_readme_configuration_table_matches_serve_help() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = readme
        .split("## Configuration (`claimcheck serve`)")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").find(|block| block.contains("| flag |")))
        .expect("the configuration table");
    let cell = |text: &str| text.trim().trim_matches('`').to_string();
    let rows: Vec<(String, String, String)> = table
        .lines()
        .filter(|line| line.starts_with("| `--"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            let default = cells[3].trim().split(' ').next().unwrap_or("");
            (cell(cells[1]), cell(cells[2]), cell(default))
        })
        .collect();
    assert!(rows.len() >= 5, "{rows:?}");

    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .env_clear()
        .output()
        .expect("help runs");
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    // One block per option: its line and the description under it.
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("--") {
            let flag = trimmed.split_whitespace().next().unwrap_or("").to_string();
            blocks.push((flag, String::new()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push_str(trimmed);
            text.push(' ');
        }
    }
    let documented: Vec<&str> = rows.iter().map(|(flag, _, _)| flag.as_str()).collect();
    for (flag, _) in &blocks {
        if flag != "--help" {
            assert!(
                documented.contains(&flag.as_str()),
                "{flag} is not in the README table"
            );
        }
    }
    for (flag, environment, default) in &rows {
        let (_, text) = blocks
            .iter()
            .find(|(name, _)| name == flag)
            .unwrap_or_else(|| panic!("{flag} is in the README but not in --help"));
        assert!(
            text.contains(&format!("[env: {environment}=")),
            "{flag}: README says {environment}, help says {text}"
        );
        // "none" and "off" are options without a default value.
        let expected = match default.as_str() {
            "none" | "off" => !text.contains("[default:"),
            _ => text.contains(&format!("[default: {default}]")),
        };
        assert!(expected, "{flag}: README says {default}, help says {text}");
    }
}

/// `claimcheck reindex` and `claimcheck compact` are refused while a
/// server holds the data directory; on a stopped server's directory
/// compact merges the search index into one segment and reindex rebuilds
/// it, and after each the server answers every claim as before: verdict,
/// confidence and evidence.
#[tokio::test]
async fn reindex_and_compact_leave_an_index_that_answers_as_before() {
    let directory = tempfile::tempdir().unwrap();
    let claims: Vec<String> = std::fs::read_to_string(claims_path())
        .unwrap()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["claim"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(claims.len() >= 10);
    async fn answers(url: &str, claims: &[String]) -> Vec<(i32, String, Vec<(String, u32)>)> {
        let mut client = connect(url, &ClientCredentials::default()).await.unwrap();
        let mut answers = Vec::new();
        for claim in claims {
            let answer = client
                .verify_claim(pb::VerifyClaimRequest {
                    claim: claim.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            let evidence = answer
                .evidence
                .iter()
                .map(|e| (e.document_id.clone(), e.sentence_index))
                .collect();
            answers.push((
                answer.verdict,
                format!("{:.6}", answer.confidence),
                evidence,
            ));
        }
        answers
    }
    let offline_in = |command: &str, data_dir: &std::path::Path| {
        Command::new(BINARY)
            .args([command, "--data-dir"])
            .arg(data_dir)
            .output()
            .unwrap()
    };
    let offline = |command: &str| offline_in(command, directory.path());
    let reindex = || offline("reindex");

    // A mistyped --data-dir is refused, naming it, and nothing is created
    // there.
    let mistyped = directory.path().join("no-such-store");
    for command in ["reindex", "compact"] {
        let refused = offline_in(command, &mistyped);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{stderr}");
        assert!(stderr.contains("no store there"), "{stderr}");
        assert!(stderr.contains(&*mistyped.to_string_lossy()), "{stderr}");
        assert!(
            !mistyped.exists(),
            "{command} created {}",
            mistyped.display()
        );
    }

    let (mut server, url) = spawn_server(directory.path());
    let mut client = connect(&url, &ClientCredentials::default()).await.unwrap();
    for (name, text) in corpus() {
        client
            .ingest_document(pb::IngestDocumentRequest {
                document_id: name,
                text,
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let before = answers(&url, &claims).await;
    assert!(before.iter().any(|(_, _, evidence)| !evidence.is_empty()));
    for refused in [reindex(), offline("compact")] {
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{stderr}");
        assert!(stderr.contains("another claimcheck process"), "{stderr}");
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let compacted = offline("compact");
    let stdout = String::from_utf8_lossy(&compacted.stdout);
    assert!(
        compacted.status.success(),
        "{}",
        String::from_utf8_lossy(&compacted.stderr)
    );
    assert!(
        stdout.starts_with("compacted the search index of")
            || stdout.contains("is already one segment"),
        "{stdout}"
    );
    let again = offline("compact");
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("is already one segment"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let (mut server, url) = spawn_server(directory.path());
    assert_eq!(answers(&url, &claims).await, before);
    server.kill().unwrap();
    server.wait().unwrap();

    let rebuilt = reindex();
    let stdout = String::from_utf8_lossy(&rebuilt.stdout);
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(
        stdout.starts_with(&format!("reindexed {} documents", corpus().len())),
        "{stdout}"
    );
    let (mut server, url) = spawn_server(directory.path());
    assert_eq!(answers(&url, &claims).await, before);
    server.kill().unwrap();
    server.wait().unwrap();
}
