//! Integration tests against a real claimcheck server on 127.0.0.1:0 with a
//! temporary data directory, through the generated tonic client.

use crate::common::{corpus, TestServer};
use claimcheck::grpc::pb;
use claimcheck::service::Limits;
use tonic::Code;

const AN_LAC: &str = "an-lac.txt";
const AN_LAC_CLAIM: &str = "An Lạc giảm 51 cán bộ, công chức cấp xã so với năm 2015.";

/// A claim asking for at most `max_evidence` evidence sentences.
fn claim(text: &str, max_evidence: u32) -> pb::VerifyClaimRequest {
    pb::VerifyClaimRequest {
        claim: text.into(),
        max_evidence,
        ..Default::default()
    }
}

mod documents {
    use super::*;

    #[tokio::test]
    async fn corpus_is_stored_listed_and_read_back_with_quantities() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;

        let stats = server.stats().await;
        assert_eq!(stats.document_count, 5);
        assert!(stats.sentence_count > 30, "{stats:?}");
        assert!(stats.quantity_count > 50, "{stats:?}");
        assert!(stats.index_term_count > 300, "{stats:?}");

        let listed = server
            .client
            .list_documents(pb::ListDocumentsRequest::default())
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<String> = listed
            .documents
            .iter()
            .map(|d| d.document_id.clone())
            .collect();
        let expected: Vec<String> = corpus().into_iter().map(|(name, _)| name).collect();
        assert_eq!(ids, expected);
        assert!(listed.next_page_token.is_empty());

        let document = server
            .client
            .get_document(pb::GetDocumentRequest {
                document_id: AN_LAC.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .document
            .unwrap();
        assert_eq!(
            document.title,
            "Thực hiện Nghị quyết 12-NQ/TU: An Lạc gọn bộ máy, nâng hiệu quả"
        );
        let figure = document
            .sentences
            .iter()
            .flat_map(|s| s.quantities.iter().map(move |q| (s, q)))
            .find(|(_, q)| q.text == "1.326")
            .expect("1.326 is read");
        assert_eq!(figure.1.value, 1326.0);
        assert_eq!(figure.1.kind, pb::QuantityKind::Count as i32);
        assert_eq!(figure.1.direction, pb::Direction::Decrease as i32);
        let sentence = figure.0;
        assert_eq!(
            &document.text.as_bytes()[sentence.start as usize..sentence.end as usize],
            sentence.text.as_bytes()
        );
        assert_eq!(
            &sentence.text.as_bytes()[figure.1.start as usize..figure.1.end as usize],
            b"1.326"
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn listing_pages_are_stable_and_complete() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let page = server
                .client
                .list_documents(pb::ListDocumentsRequest {
                    page_size: 2,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            assert!(page.documents.len() <= 2);
            seen.extend(page.documents.into_iter().map(|d| d.document_id));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        let expected: Vec<String> = corpus().into_iter().map(|(name, _)| name).collect();
        assert_eq!(seen, expected);
        server.stop().await;
    }

    #[tokio::test]
    async fn a_repeated_claim_sees_every_write() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        let claim = "Năm 2020, huyện Tiên Yên giảm 37 cán bộ, công chức.";
        let article = |count: u32| {
            format!(
                "Tiên Yên tinh gọn bộ máy\nNăm 2020, huyện Tiên Yên giảm {count} cán bộ, công chức so với năm 2015."
            )
        };
        let verdict = |response: pb::VerifyClaimResponse| {
            (
                pb::Verdict::try_from(response.verdict).unwrap(),
                response.explanation,
            )
        };
        assert_eq!(
            verdict(server.verify(claim).await).0,
            pb::Verdict::NotEnoughInfo
        );
        server.ingest("tien-yen", &article(37)).await;
        for _ in 0..2 {
            let (label, explanation) = verdict(server.verify(claim).await);
            assert_eq!(label, pb::Verdict::Supported, "{explanation}");
        }
        // A verdict served again still answers each caller's own id.
        for id in ["first", "second", ""] {
            let response = server
                .client
                .verify_claim(pb::VerifyClaimRequest {
                    claim_id: id.into(),
                    ..super::claim(claim, 0)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(response.claim_id, id);
            assert_eq!(verdict(response).0, pb::Verdict::Supported);
        }
        server.ingest("tien-yen", &article(73)).await;
        let (label, explanation) = verdict(server.verify(claim).await);
        assert_eq!(label, pb::Verdict::Refuted, "{explanation}");
        assert!(explanation.contains("73"), "{explanation}");
        server
            .client
            .delete_document(pb::DeleteDocumentRequest {
                document_id: "tien-yen".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            verdict(server.verify(claim).await).0,
            pb::Verdict::NotEnoughInfo
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn reingest_replaces_and_delete_removes_everything() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let before = server.stats().await;
        let text = corpus()
            .into_iter()
            .find(|(name, _)| name == AN_LAC)
            .unwrap()
            .1;

        let again = server.ingest(AN_LAC, &text).await;
        assert!(again.replaced);
        let after = server.stats().await;
        // The index holds the new copy's sentences and no longer the old
        // one's (its term count depends on how segments were committed and
        // merged, so it is not compared).
        assert_eq!(
            (
                after.document_count,
                after.sentence_count,
                after.quantity_count,
                after.indexed_sentence_count
            ),
            (
                before.document_count,
                before.sentence_count,
                before.quantity_count,
                before.indexed_sentence_count
            )
        );
        assert_eq!(after.indexed_sentence_count, after.sentence_count);

        assert_eq!(
            server.verify(AN_LAC_CLAIM).await.verdict,
            pb::Verdict::Supported as i32
        );
        let deleted = server
            .client
            .delete_document(pb::DeleteDocumentRequest {
                document_id: AN_LAC.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(deleted.sentence_count, again.sentence_count);
        let stats = server.stats().await;
        assert_eq!(stats.document_count, 4);
        assert_eq!(
            stats.sentence_count,
            before.sentence_count - again.sentence_count as u64
        );
        assert_eq!(stats.indexed_sentence_count, stats.sentence_count);
        let gone = server
            .client
            .get_document(pb::GetDocumentRequest {
                document_id: AN_LAC.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(gone.code(), Code::NotFound);
        let verdict = server.verify(AN_LAC_CLAIM).await;
        assert_eq!(
            verdict.verdict,
            pb::Verdict::NotEnoughInfo as i32,
            "{}",
            verdict.explanation
        );
        assert!(verdict.evidence.iter().all(|e| e.document_id != AN_LAC));

        // Deleting everything leaves an empty index.
        for (name, _) in corpus().into_iter().filter(|(name, _)| name != AN_LAC) {
            server
                .client
                .delete_document(pb::DeleteDocumentRequest { document_id: name })
                .await
                .unwrap();
        }
        let empty = server.stats().await;
        assert_eq!(
            (
                empty.document_count,
                empty.sentence_count,
                empty.quantity_count,
                empty.index_term_count
            ),
            (0, 0, 0, 0)
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn data_survives_a_restart_on_the_same_directory() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let before = server.stats().await;
        server.stop().await;

        let mut restarted = TestServer::start(directory.path()).await;
        let after = restarted.stats().await;
        assert_eq!(
            (
                after.document_count,
                after.sentence_count,
                after.quantity_count
            ),
            (
                before.document_count,
                before.sentence_count,
                before.quantity_count
            )
        );
        let verdict = restarted.verify(AN_LAC_CLAIM).await;
        assert_eq!(verdict.verdict, pb::Verdict::Supported as i32);
        assert_eq!(verdict.evidence[0].document_id, AN_LAC);
        restarted.stop().await;
    }

    #[tokio::test]
    async fn bulk_ingest_reports_invalid_documents_and_stores_the_rest() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        let documents = vec![
            pb::IngestDocumentRequest {
                document_id: "a".into(),
                text: "Xã A có 5 thôn.".into(),
                ..Default::default()
            },
            pb::IngestDocumentRequest {
                document_id: "".into(),
                text: "Không có mã.".into(),
                ..Default::default()
            },
            pb::IngestDocumentRequest {
                document_id: "c".into(),
                text: "   ".into(),
                ..Default::default()
            },
            pb::IngestDocumentRequest {
                document_id: "d".into(),
                text: "Xã D có 7 thôn.".into(),
                ..Default::default()
            },
        ];
        let response = server
            .client
            .ingest_documents(tokio_stream::iter(documents))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                response.received_count,
                response.stored_count,
                response.failed_count
            ),
            (4, 2, 2)
        );
        let positions: Vec<u32> = response.failures.iter().map(|f| f.position).collect();
        assert_eq!(positions, [1, 2]);
        assert!(response.failures[0].error.contains("document_id"));
        assert!(response.failures[1].error.contains("text"));
        assert_eq!(server.stats().await.document_count, 2);
        server.stop().await;
    }
}

mod verification {
    use super::*;

    #[tokio::test]
    async fn acceptance_claim_is_supported_by_its_article() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let response = server.verify(AN_LAC_CLAIM).await;
        assert_eq!(
            response.verdict,
            pb::Verdict::Supported as i32,
            "{}",
            response.explanation
        );
        assert_eq!(response.evidence[0].document_id, AN_LAC);
        assert!(response.confidence > 0.5 && response.confidence < 1.0);
        assert!(response.explanation.contains("51"));
        let checks = &response.evidence[0].checks;
        assert!(checks
            .iter()
            .all(|c| c.outcome == pb::CheckOutcome::Match as i32));
        assert_eq!(response.claim_quantities.len(), 2);

        let wrong = server
            .verify("An Lạc giảm 15 cán bộ, công chức cấp xã so với năm 2015.")
            .await;
        assert_eq!(
            wrong.verdict,
            pb::Verdict::Refuted as i32,
            "{}",
            wrong.explanation
        );
        assert!(wrong.explanation.contains("51"), "{}", wrong.explanation);
        server.stop().await;
    }

    #[tokio::test]
    async fn document_filter_and_evidence_limit_are_honoured() {
        let directory = tempfile::tempdir().unwrap();
        // Fewer candidates than the test articles hold sentences sharing
        // the claim's words, so that asking for more evidence shows.
        let candidates = 8;
        let limits = Limits {
            candidate_sentences: candidates,
            ..Limits::default()
        };
        let mut server = TestServer::start_with(directory.path(), limits).await;
        server.ingest_corpus().await;
        let other = "dong-hoa.txt";
        let filtered = server
            .client
            .verify_claim(pb::VerifyClaimRequest {
                claim: AN_LAC_CLAIM.into(),
                document_ids: vec![other.into()],
                max_evidence: 3,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(filtered.evidence.iter().all(|e| e.document_id == other));
        assert!(filtered.evidence.len() <= 3);
        assert_ne!(filtered.verdict, pb::Verdict::Supported as i32);
        let one = server
            .client
            .verify_claim(claim(AN_LAC_CLAIM, 1))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(one.evidence.len(), 1);
        // Asking for more evidence than the configured number of candidates
        // takes more candidates.
        let many = server
            .client
            .verify_claim(claim(AN_LAC_CLAIM, 30))
            .await
            .unwrap()
            .into_inner();
        assert!(
            many.evidence.len() > candidates && many.evidence.len() <= 30,
            "{} evidence sentences",
            many.evidence.len()
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn stream_answers_every_claim_once_including_bad_ones() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let claims = [
            ("c1", AN_LAC_CLAIM.to_string()),
            (
                "c2",
                "Thành phố Đông Hòa giảm 2 thôn, khu phố sau sắp xếp.".to_string(),
            ),
            ("bad-empty", String::new()),
            (
                "c3",
                "Loài chim cánh cụt hoàng đế sống ở Nam Cực.".to_string(),
            ),
            ("bad-long", "x".repeat(5000)),
            (
                "c4",
                "Binh Son tinh gian 45 can bo, cong chuc cap xa.".to_string(),
            ),
        ];
        let requests: Vec<pb::VerifyClaimRequest> = claims
            .iter()
            .map(|(id, claim)| pb::VerifyClaimRequest {
                claim: claim.clone(),
                claim_id: id.to_string(),
                ..Default::default()
            })
            .collect();
        let mut stream = server
            .client
            .verify_claims(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let mut answers = std::collections::HashMap::new();
        while let Some(response) = stream.message().await.unwrap() {
            assert!(
                answers
                    .insert(response.claim_id.clone(), response)
                    .is_none(),
                "one answer per claim"
            );
        }
        assert_eq!(answers.len(), claims.len());
        let verdict = |id: &str| answers[id].verdict;
        assert_eq!(verdict("c1"), pb::Verdict::Supported as i32);
        assert_eq!(verdict("c2"), pb::Verdict::Refuted as i32);
        assert_eq!(verdict("c3"), pb::Verdict::NotEnoughInfo as i32);
        assert_eq!(verdict("c4"), pb::Verdict::Supported as i32);
        for bad in ["bad-empty", "bad-long"] {
            assert!(
                answers[bad].error.contains("InvalidArgument"),
                "{:?}",
                answers[bad].error
            );
            assert!(
                answers[bad].error.contains("claim"),
                "{:?}",
                answers[bad].error
            );
            assert_eq!(answers[bad].verdict, pb::Verdict::Unspecified as i32);
        }
        server.stop().await;
    }

    #[tokio::test]
    async fn extract_facts_reads_figures_and_stores_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        let response = server
            .client
            .extract_facts(pb::ExtractFactsRequest {
                text: "Huyện giảm 1.654 cán bộ không chuyên trách. Niềm tin đạt 91,6%; 11/11 xã hoàn thành theo Nghị định 108/2014/NĐ-CP.".into(),
                language: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.language, "vi");
        assert_eq!(response.sentences.len(), 2);
        let quantities: Vec<&pb::Quantity> = response
            .sentences
            .iter()
            .flat_map(|s| &s.quantities)
            .collect();
        let summary: Vec<(String, i32, f64, f64)> = quantities
            .iter()
            .map(|q| (q.text.clone(), q.kind, q.value, q.total))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "1.654".to_string(),
                    pb::QuantityKind::Count as i32,
                    1654.0,
                    0.0
                ),
                (
                    "91,6%".to_string(),
                    pb::QuantityKind::Percent as i32,
                    91.6,
                    0.0
                ),
                (
                    "11/11".to_string(),
                    pb::QuantityKind::Fraction as i32,
                    11.0,
                    11.0
                ),
                (
                    "108/2014/NĐ-CP".to_string(),
                    pb::QuantityKind::Identifier as i32,
                    0.0,
                    0.0
                ),
            ]
        );
        assert_eq!(quantities[0].unit, "cán bộ không chuyên trách");
        assert_eq!(server.stats().await.document_count, 0);
        server.stop().await;
    }
}

mod validation {
    use super::*;

    fn document(id: &str, text: &str) -> pb::IngestDocumentRequest {
        pb::IngestDocumentRequest {
            document_id: id.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// A claim that needs more than the verification budget is stopped
    /// with RESOURCE_EXHAUSTED naming the budget; a claim whose caller's
    /// deadline passes ends with the deadline; the server keeps serving.
    #[tokio::test]
    async fn a_claim_over_its_budget_or_its_deadline_is_stopped() {
        let directory = tempfile::tempdir().unwrap();
        let limits = Limits {
            verify_budget: std::time::Duration::from_millis(10),
            ..Limits::default()
        };
        let mut server = TestServer::start_with(directory.path(), limits).await;
        let sentences: Vec<String> = (0..20)
            .map(|s| {
                let figures: String = (0..2_000)
                    .map(|i| format!("{} xã, ", (i + s) % 97))
                    .collect();
                format!("Huyện Hải Hà có {figures}trong năm.")
            })
            .collect();
        server
            .ingest("crafted", &format!("Tiêu đề\n{}", sentences.join(" ")))
            .await;
        server.ingest("plain", "Hà Nội có 30 quận, huyện.").await;
        let figures: String = (0..300).map(|i| format!("{} xã, ", i % 89)).collect();
        let heavy = |prefix: &str| pb::VerifyClaimRequest {
            claim: format!("Huyện Hải Hà {prefix} {figures}"),
            ..Default::default()
        };
        let status = server.client.verify_claim(heavy("có")).await.unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert!(status.message().contains("10-ms budget"), "{status:?}");

        let mut request = tonic::Request::new(heavy("từng có"));
        request.set_timeout(std::time::Duration::from_millis(2));
        let status = server.client.verify_claim(request).await.unwrap_err();
        assert!(
            matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
            "{status:?}"
        );
        // The server keeps serving. The budget is wall-clock time, and even
        // a plain claim can take over 10 ms in a debug build on a busy
        // machine, so it is asked up to five times; a stuck server would
        // answer none.
        let mut answer = None;
        for _ in 0..5 {
            match server
                .client
                .verify_claim(pb::VerifyClaimRequest {
                    claim: "Hà Nội có 30 quận, huyện.".into(),
                    document_ids: vec!["plain".into()],
                    ..Default::default()
                })
                .await
            {
                Ok(response) => {
                    answer = Some(response.into_inner());
                    break;
                }
                Err(status) => assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}"),
            }
        }
        let plain = answer.expect("a plain claim is answered within five tries");
        assert_eq!(plain.verdict(), pb::Verdict::Supported);
        server.stop().await;
    }

    #[tokio::test]
    async fn bad_input_gets_its_status_and_the_server_keeps_serving() {
        let directory = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_document_bytes: 64 * 1024,
            ..Limits::default()
        };
        let mut server = TestServer::start_with(directory.path(), limits).await;
        server.ingest("ok", "Xã có 5 thôn.").await;

        let ingest_cases: Vec<(pb::IngestDocumentRequest, &str)> = vec![
            (document("", "text"), "document_id: must not be empty"),
            (
                document(&"x".repeat(257), "text"),
                "document_id: is 257 bytes, the limit is 256",
            ),
            (
                document("bad\nid", "text"),
                "document_id: must not contain control characters",
            ),
            (document("empty", ""), "text: must not be empty"),
            (document("blank", " \n\t "), "text: must not be empty"),
            (
                document("big", &"a".repeat(64 * 1024 + 1)),
                "text: is 65537 bytes, the limit is 65536",
            ),
            (
                pb::IngestDocumentRequest {
                    language: "fr".into(),
                    ..document("lang", "text")
                },
                "language: \"fr\" is not supported",
            ),
        ];
        for (request, message) in ingest_cases {
            let status = server.client.ingest_document(request).await.unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{message}");
            assert!(
                status.message().contains(message),
                "{:?} should contain {message:?}",
                status.message()
            );
        }

        let claim_cases = vec![
            (claim("", 0), "claim: must not be empty"),
            (claim("   ", 0), "claim: must not be empty"),
            (
                claim(&"x".repeat(4097), 0),
                "claim: is 4097 bytes, the limit is 4096",
            ),
            (
                claim("Xã có 5 thôn.", 51),
                "max_evidence: is 51, the limit is 50",
            ),
            (
                pb::VerifyClaimRequest {
                    document_ids: vec!["".into()],
                    ..claim("Xã có 5 thôn.", 0)
                },
                "document_ids: must not be empty",
            ),
        ];
        for (request, message) in claim_cases {
            let status = server.client.verify_claim(request).await.unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{message}");
            assert!(
                status.message().contains(message),
                "{:?} should contain {message:?}",
                status.message()
            );
        }

        let status = server
            .client
            .get_document(pb::GetDocumentRequest {
                document_id: "missing".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        let status = server
            .client
            .delete_document(pb::DeleteDocumentRequest {
                document_id: "missing".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        let status = server
            .client
            .list_documents(pb::ListDocumentsRequest {
                page_size: 1001,
                page_token: String::new(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let status = server
            .client
            .list_documents(pb::ListDocumentsRequest {
                page_size: 1,
                page_token: "not-a-token".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let status = server
            .client
            .extract_facts(pb::ExtractFactsRequest {
                text: String::new(),
                language: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);

        // Still serving, nothing lost.
        assert_eq!(server.stats().await.document_count, 1);
        assert_eq!(
            server.verify("Xã có 5 thôn.").await.verdict,
            pb::Verdict::Supported as i32
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn messages_over_the_server_limit_are_refused_not_crashing() {
        let directory = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_document_bytes: 16 * 1024,
            ..Limits::default()
        };
        let mut server = TestServer::start_with(directory.path(), limits).await;
        let huge = "ab ".repeat(1024 * 1024);
        let status = server
            .client
            .ingest_document(document("huge", &huge))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
        assert!(status.message().contains("limit"), "{status:?}");
        assert_eq!(server.stats().await.document_count, 0);
        server.stop().await;
    }

    #[tokio::test]
    async fn arbitrary_text_never_breaks_the_server() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        let strange = [
            "\u{0}\u{1}\u{2} 1/0 0/0 99999999999999999999999 1.2.3.4.5 ,,,, %%%% $$$ ",
            "𝟙𝟚𝟛 ١٢٣ ½ ¼ Ⅻ 〇 ㊿ \u{202e}reversed\u{202c}",
            "năm năm năm mươi mươi trăm trăm tỷ tỷ nghìn",
            "từ từ 5 xuống xuống còn còn 3 từ",
            "gấp gấp lần thứ thứ khóa khóa XIIII MMMMMMMMMM",
            "31/02/2020 00/00/0000 99/99 1-2-3-4 2020-2019 -5 +5 5- 5%%",
        ];
        for (index, text) in strange.iter().enumerate() {
            let id = format!("strange-{index}");
            server.ingest(&id, text).await;
            server
                .client
                .extract_facts(pb::ExtractFactsRequest {
                    text: text.to_string(),
                    language: String::new(),
                })
                .await
                .unwrap();
            let verified = server.verify(text).await;
            assert!(verified.verdict != pb::Verdict::Unspecified as i32);
        }
        assert_eq!(server.stats().await.document_count, strange.len() as u64);
        server.stop().await;
    }
}

mod protocol {
    use super::*;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient as ReflectionV1;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest as RequestV1;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse as ResponseV1;
    use tonic_reflection::pb::v1::ServerReflectionRequest as ReflectionRequestV1;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient as ReflectionV1alpha;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as RequestV1alpha;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse as ResponseV1alpha;
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest as ReflectionRequestV1alpha;

    #[tokio::test]
    async fn health_says_serving_and_reflection_lists_the_services_in_v1_and_v1alpha() {
        let directory = tempfile::tempdir().unwrap();
        let server = TestServer::start(directory.path()).await;
        let channel = tonic::transport::Endpoint::from_shared(server.url())
            .unwrap()
            .connect()
            .await
            .unwrap();

        let mut health = HealthClient::new(channel.clone());
        for service in ["", "claimcheck.v1.FactCheck"] {
            let status = health
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(status.status, 1, "{service:?} is SERVING");
        }

        let request = ReflectionRequestV1alpha {
            host: String::new(),
            message_request: Some(RequestV1alpha::ListServices(String::new())),
        };
        let mut responses = ReflectionV1alpha::new(channel.clone())
            .server_reflection_info(tokio_stream::iter(vec![request]))
            .await
            .unwrap()
            .into_inner();
        let Some(ResponseV1alpha::ListServicesResponse(list)) =
            responses.message().await.unwrap().unwrap().message_response
        else {
            panic!("v1alpha lists services");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        assert!(
            names.contains(&"claimcheck.v1.FactCheck".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"grpc.health.v1.Health".to_string()),
            "{names:?}"
        );

        let request = ReflectionRequestV1 {
            host: String::new(),
            message_request: Some(RequestV1::ListServices(String::new())),
        };
        let mut responses = ReflectionV1::new(channel)
            .server_reflection_info(tokio_stream::iter(vec![request]))
            .await
            .unwrap()
            .into_inner();
        let Some(ResponseV1::ListServicesResponse(list)) =
            responses.message().await.unwrap().unwrap().message_response
        else {
            panic!("v1 lists services");
        };
        assert!(list
            .service
            .iter()
            .any(|s| s.name == "claimcheck.v1.FactCheck"));
        server.stop().await;
    }
    /// The HTTP port closes a connection whose request headers do not
    /// arrive within the header timeout: a client that sends half a request
    /// line and stays silent, and a kept-alive connection left idle after a
    /// request. A prompt request on a fresh connection is served.
    #[tokio::test]
    async fn the_http_port_closes_connections_that_send_no_headers_in_time() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let directory = tempfile::tempdir().unwrap();
        let options = claimcheck::grpc::server::ServerOptions {
            http_header_timeout: std::time::Duration::from_secs(1),
            ..crate::common::server_options(claimcheck::auth::Access::Open)
        };
        let server = TestServer::start_with_options(
            directory.path(),
            Limits::default(),
            options,
            &Default::default(),
        )
        .await;
        let request = format!(
            "GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n",
            server.http_address
        );
        // Reads until the server closes the connection (or 10 s pass).
        async fn read_to_close(
            stream: &mut tokio::net::TcpStream,
        ) -> (Vec<u8>, std::time::Duration) {
            let started = std::time::Instant::now();
            let mut answer = Vec::new();
            let mut buffer = [0u8; 4096];
            loop {
                let read = tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    stream.read(&mut buffer),
                )
                .await
                .expect("the server closes the connection")
                .unwrap_or(0);
                if read == 0 {
                    return (answer, started.elapsed());
                }
                answer.extend_from_slice(&buffer[..read]);
            }
        }

        let mut silent = tokio::net::TcpStream::connect(server.http_address)
            .await
            .unwrap();
        silent.write_all(b"GET /healthz HT").await.unwrap();
        let (_, waited) = read_to_close(&mut silent).await;
        assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");

        let mut idle = tokio::net::TcpStream::connect(server.http_address)
            .await
            .unwrap();
        idle.write_all(request.as_bytes()).await.unwrap();
        let (answer, waited) = read_to_close(&mut idle).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            waited >= std::time::Duration::from_millis(900),
            "{waited:?}"
        );
        assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
        server.stop().await;
    }
}

mod batch_streams {
    use super::*;
    use prost::Message;

    /// One gRPC message, length-prefixed as it travels in DATA frames.
    fn grpc_message(message: &impl Message) -> bytes::Bytes {
        let body = message.encode_to_vec();
        let mut framed = Vec::with_capacity(5 + body.len());
        framed.push(0);
        framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
        framed.extend_from_slice(&body);
        framed.into()
    }

    /// One call written by hand over HTTP/2: `body` as sent, and the call's
    /// grpc-status and grpc-message (from the trailers, or from the headers
    /// of a trailers-only answer) and the answer's messages, undecoded.
    async fn raw_call(
        address: std::net::SocketAddr,
        method: &str,
        body: Vec<u8>,
    ) -> (String, String, Vec<bytes::Bytes>) {
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        let (client, connection) = h2::client::handshake(tcp).await.unwrap();
        let connection = tokio::spawn(connection);
        let mut client = client.ready().await.unwrap();
        let request =
            http::Request::post(format!("http://{address}/claimcheck.v1.FactCheck/{method}"))
                .header("content-type", "application/grpc")
                .header("te", "trailers")
                .body(())
                .unwrap();
        let (response, mut send) = client.send_request(request, false).unwrap();
        send.send_data(body.into(), true).unwrap();
        let response = response.await.unwrap();
        let field = |headers: &http::HeaderMap, name: &str| {
            headers
                .get(name)
                .map(|value| value.to_str().unwrap().to_string())
        };
        let (head, mut body) = response.into_parts();
        let mut data = Vec::new();
        let (status, message) = match field(&head.headers, "grpc-status") {
            Some(status) => (
                status,
                field(&head.headers, "grpc-message").unwrap_or_default(),
            ),
            None => {
                while let Some(chunk) = body.data().await {
                    let chunk = chunk.unwrap();
                    let _ = body.flow_control().release_capacity(chunk.len());
                    data.extend_from_slice(&chunk);
                }
                let trailers = body.trailers().await.unwrap().expect("trailers");
                (
                    field(&trailers, "grpc-status").unwrap(),
                    field(&trailers, "grpc-message").unwrap_or_default(),
                )
            }
        };
        drop(client);
        connection.abort();
        (status, message, grpc_messages(&data))
    }

    /// The messages of a gRPC body (uncompressed, length-prefixed).
    fn grpc_messages(mut data: &[u8]) -> Vec<bytes::Bytes> {
        let mut messages = Vec::new();
        while data.len() >= 5 {
            let length = u32::from_be_bytes(data[1..5].try_into().unwrap()) as usize;
            messages.push(bytes::Bytes::copy_from_slice(&data[5..5 + length]));
            data = &data[5 + length..];
        }
        assert!(data.is_empty(), "a truncated message");
        messages
    }

    /// Requests the client got wrong are INVALID_ARGUMENT (3), not INTERNAL
    /// (13): a message that is not protobuf, and a second message on a
    /// method that takes one. One message still gets its answer.
    #[tokio::test]
    async fn malformed_and_extra_request_messages_are_invalid_arguments() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let claim = pb::VerifyClaimRequest {
            claim: AN_LAC_CLAIM.into(),
            ..Default::default()
        };
        let one = grpc_message(&claim).to_vec();
        let garbage = vec![0, 0, 0, 0, 3, 0xff, 0xff, 0xff];
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("VerifyClaim", one.clone(), "0", ""),
            (
                "VerifyClaim",
                garbage.clone(),
                "3",
                "not a valid VerifyClaimRequest",
            ),
            (
                "VerifyClaim",
                [one.clone(), one.clone()].concat(),
                "3",
                "one request message",
            ),
            (
                "GetStats",
                [
                    grpc_message(&pb::GetStatsRequest::default()).to_vec(),
                    grpc_message(&pb::GetStatsRequest::default()).to_vec(),
                ]
                .concat(),
                "3",
                "one request message",
            ),
            ("VerifyClaims", [one.clone(), one.clone()].concat(), "0", ""),
        ];
        for (method, body, status, message) in cases {
            let (got_status, got_message, _) = raw_call(server.address, method, body).await;
            assert_eq!(got_status, status, "{method}: {got_message}");
            let decoded = got_message.replace("%20", " ");
            assert!(decoded.contains(message), "{method}: {got_message}");
        }
        // Refused before the adapter or not, every call is counted.
        let (status, metrics) =
            crate::common::http_request("GET", &format!("{}/metrics", server.http_url()), None)
                .await;
        assert_eq!(status, 200);
        let metrics = String::from_utf8(metrics).unwrap();
        for (method, code, count) in [
            ("VerifyClaim", "OK", 1),
            ("VerifyClaim", "INVALID_ARGUMENT", 2),
            ("GetStats", "INVALID_ARGUMENT", 1),
            ("VerifyClaims", "OK", 1),
        ] {
            let line = format!(
                "claimcheck_requests_total{{method=\"{method}\",transport=\"grpc\",code=\"{code}\"}} {count}"
            );
            assert!(
                metrics.lines().any(|l| l == line),
                "{line} missing from\n{metrics}"
            );
        }
        server.stop().await;
    }

    /// A message that is not protobuf in the middle of a batch stream is
    /// answered (an error answer for that claim; a failure at that position
    /// of the ingest) and the messages after it are still read.
    #[tokio::test]
    async fn a_malformed_message_in_a_batch_stream_is_answered_and_the_stream_goes_on() {
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;
        let garbage = vec![0, 0, 0, 0, 3, 0xff, 0xff, 0xff];
        let claim = |id: &str| {
            grpc_message(&pb::VerifyClaimRequest {
                claim_id: id.into(),
                claim: AN_LAC_CLAIM.into(),
                ..Default::default()
            })
            .to_vec()
        };
        let body = [claim("first"), garbage.clone(), claim("last")].concat();
        let (status, message, answers) = raw_call(server.address, "VerifyClaims", body).await;
        assert_eq!(status, "0", "{message}");
        let answers: Vec<pb::VerifyClaimResponse> = answers
            .iter()
            .map(|bytes| pb::VerifyClaimResponse::decode(bytes.clone()).unwrap())
            .collect();
        assert_eq!(answers.len(), 3, "{answers:?}");
        let mut answered: Vec<&str> = answers
            .iter()
            .filter(|answer| answer.error.is_empty())
            .map(|answer| answer.claim_id.as_str())
            .collect();
        answered.sort();
        assert_eq!(answered, ["first", "last"]);
        let refused: Vec<&pb::VerifyClaimResponse> = answers
            .iter()
            .filter(|answer| !answer.error.is_empty())
            .collect();
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0].error.contains("InvalidArgument")
                && refused[0].error.contains("not a valid VerifyClaimRequest"),
            "{}",
            refused[0].error
        );

        let document = |id: &str| {
            grpc_message(&pb::IngestDocumentRequest {
                document_id: id.into(),
                text: "Tỉnh Bình Dương có 120 trường học mới trong năm 2023.".into(),
                ..Default::default()
            })
            .to_vec()
        };
        let body = [document("before"), garbage, document("after")].concat();
        let (status, message, answers) = raw_call(server.address, "IngestDocuments", body).await;
        assert_eq!(status, "0", "{message}");
        let summary = pb::IngestDocumentsResponse::decode(answers[0].clone()).unwrap();
        assert_eq!(
            (
                summary.received_count,
                summary.stored_count,
                summary.failed_count
            ),
            (3, 2, 1)
        );
        assert_eq!(summary.failures[0].position, 1);
        assert!(
            summary.failures[0]
                .error
                .contains("not a valid IngestDocumentRequest"),
            "{}",
            summary.failures[0].error
        );
        for id in ["before", "after"] {
            server
                .client
                .get_document(pb::GetDocumentRequest {
                    document_id: id.into(),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        server.stop().await;
    }

    /// A VerifyClaims stream written the way grpcurl and Python grpcio
    /// write it: one small DATA frame per claim, far faster than the server
    /// checks them. Every claim is answered and the stream ends OK (the
    /// server's HTTP/2 layer must not take the pile of small frames for a
    /// flood).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_of_many_small_claim_frames_is_answered_in_full() {
        const CLAIMS: usize = 5000;
        let directory = tempfile::tempdir().unwrap();
        let mut server = TestServer::start(directory.path()).await;
        server.ingest_corpus().await;

        let tcp = tokio::net::TcpStream::connect(server.address)
            .await
            .unwrap();
        let (client, connection) = h2::client::handshake(tcp).await.unwrap();
        let connection = tokio::spawn(connection);
        let mut client = client.ready().await.unwrap();
        let request = http::Request::post(format!(
            "http://{}/claimcheck.v1.FactCheck/VerifyClaims",
            server.address
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
        let (response, mut send) = client.send_request(request, false).unwrap();
        for index in 0..CLAIMS {
            let claim = pb::VerifyClaimRequest {
                claim_id: index.to_string(),
                claim: AN_LAC_CLAIM.into(),
                ..Default::default()
            };
            if let Err(error) = send.send_data(grpc_message(&claim), index + 1 == CLAIMS) {
                let reason =
                    send.poll_reset(&mut std::task::Context::from_waker(std::task::Waker::noop()));
                panic!("claim {index} not sent: {error} ({reason:?})");
            }
        }

        let mut body = response.await.unwrap().into_body();
        let mut received = Vec::new();
        let mut answered = std::collections::HashSet::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.unwrap_or_else(|error| {
                panic!("stream cut after {} answers: {error}", answered.len())
            });
            // Refused once the stream has closed; nothing to give back then.
            let _ = body.flow_control().release_capacity(chunk.len());
            received.extend_from_slice(&chunk);
            while received.len() >= 5 {
                let length = u32::from_be_bytes(received[1..5].try_into().unwrap()) as usize;
                if received.len() < 5 + length {
                    break;
                }
                let answer = pb::VerifyClaimResponse::decode(&received[5..5 + length]).unwrap();
                assert!(answer.error.is_empty(), "{}", answer.error);
                answered.insert(answer.claim_id);
                received.drain(..5 + length);
            }
        }
        let trailers = body.trailers().await.unwrap().expect("trailers");
        assert_eq!(trailers.get("grpc-status").unwrap(), "0", "{trailers:?}");
        assert_eq!(answered.len(), CLAIMS);
        drop(client);
        connection.abort();
        server.stop().await;
    }
}
