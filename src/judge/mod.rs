//! The judge: from a claim and its candidate source sentences to a
//! verdict, its confidence, the evidence, the accounting of every part of
//! the claim and a readable explanation. Pure: the candidates are loaded by
//! the caller.
//!
//! One pass, each stage feeding the next:
//! 1. `figures`: the claim is read once ([`ClaimAnalysis`]); the figure
//!    engine judges each candidate sentence (topic, names bound, every claim
//!    figure aligned to a source figure) and the hand-set rules give their
//!    verdict, which the decision reads as one signal among others.
//! 2. `window`: windows of one to three consecutive sentences around the
//!    best candidates are ranked by the claim words they hold.
//! 3. `align` + `account`: the best windows are aligned word by word; each
//!    part of the claim is supported, contradicted or not found; the best
//!    accounted window is the evidence.
//! 4. `decide`: a logistic regression trained on real claims turns the
//!    accounting's features into calibrated probabilities; a contradicted
//!    figure or an opposite word in an aligned slot refutes outright.
//! 5. `explain`: the explanation names the part the source contradicts or
//!    never states.

mod account;
mod align;
pub mod decide;
mod explain;
mod figures;
mod lexicon;
mod window;

pub use account::{Features, FEATURE_COUNT, FEATURE_NAMES};
pub use figures::{
    judge_by_rules, ClaimAnalysis, PreparedDocument, PreparedSentence, SourceSentence,
};

use account::{account, Accounting, Context};
use decide::Model;
use figures::{judge_candidates, rule_decision, Judgement};
use window::{best_elsewhere, rank_windows, windows_to_align};

use crate::budget::{Budget, Stopped};
use crate::model::{ClaimPart, Evidence, PartSourceSpan, Verdict, VerificationResult};

/// What the judge found for a claim, before it is turned into a result.
pub struct Assessment<'a> {
    judgements: Vec<Judgement>,
    /// The best accounted window, if any candidate was given.
    pub accounting: Option<Accounting<'a>>,
}

impl Assessment<'_> {
    /// The features the decision reads, when there is evidence to read.
    pub fn features(&self) -> Option<Features> {
        self.accounting.as_ref().map(|a| a.features)
    }
}

/// Reads the claim against its candidates: figure judgements, windows,
/// accounting of the best windows.
pub fn assess<'a>(
    claim: &ClaimAnalysis,
    sources: &[SourceSentence<'a>],
    budget: &Budget,
) -> Result<Assessment<'a>, Stopped> {
    let judgements = judge_candidates(claim, sources, budget)?;
    let rules = rule_decision(claim, &judgements);
    let windows = rank_windows(claim, sources);
    let mut accountings = Vec::new();
    for window in windows_to_align(&windows) {
        budget.check()?;
        accountings.push({
            let rules_document = rules.map(|(verdict, index)| (verdict, sources[index].document));
            let here = |verdict: Verdict| {
                rules_document.is_some_and(|(v, document)| {
                    v == verdict && std::ptr::eq(document, window.document)
                })
            };
            let context = Context {
                figures: &judgements[window.anchor],
                rules: (here(Verdict::Supported), here(Verdict::Refuted)),
                retrieval_score: sources[window.anchor].retrieval_score,
                elsewhere: best_elsewhere(&windows, window.document),
            };
            account(claim, window.clone(), &context)
        });
    }
    let accounting = accountings
        .into_iter()
        .max_by(|a, b| a.score.total_cmp(&b.score));
    Ok(Assessment {
        judgements,
        accounting,
    })
}

/// Confidence of NOT_ENOUGH_INFO when no stored sentence shares a word
/// with the claim.
pub const NO_EVIDENCE_CONFIDENCE: f64 = 0.95;

/// Decides the verdict for a claim over its candidate sentences with the
/// shipped model.
pub fn judge(
    claim: &ClaimAnalysis,
    sources: &[SourceSentence],
    max_evidence: usize,
    budget: &Budget,
) -> Result<VerificationResult, Stopped> {
    judge_with(Model::shipped(), claim, sources, max_evidence, budget)
}

/// Decides the verdict for a claim with the given model, checking `budget`
/// between candidates and between windows.
pub fn judge_with(
    model: &Model,
    claim: &ClaimAnalysis,
    sources: &[SourceSentence],
    max_evidence: usize,
    budget: &Budget,
) -> Result<VerificationResult, Stopped> {
    let assessment = assess(claim, sources, budget)?;
    let Some(accounting) = &assessment.accounting else {
        return Ok(VerificationResult {
            verdict: Verdict::NotEnoughInfo,
            confidence: NO_EVIDENCE_CONFIDENCE,
            explanation: "No stored sentence shares words with the claim.".to_string(),
            evidence: Vec::new(),
            claim_quantities: claim.quantities.clone(),
            language: claim.language,
            parts: Vec::new(),
        });
    };
    let (verdict, confidence) = model.decide(&accounting.features);
    let evidence = evidence_of(sources, &assessment, accounting, max_evidence);
    let explanation = explain::explanation(
        verdict,
        accounting,
        &assessment.judgements[accounting.window.anchor],
    );
    Ok(VerificationResult {
        verdict,
        confidence: confidence.clamp(0.0, 0.99),
        explanation,
        evidence,
        claim_quantities: claim.quantities.clone(),
        language: claim.language,
        parts: parts_of(accounting),
    })
}

fn parts_of(accounting: &Accounting) -> Vec<ClaimPart> {
    let document = &accounting.window.document;
    accounting
        .parts
        .iter()
        .map(|part| ClaimPart {
            text: part.text.clone(),
            start: part.start as u32,
            end: part.end as u32,
            status: part.status,
            source: part.source.map(|source| PartSourceSpan {
                document_id: document.record.document_id.clone(),
                sentence_index: document.sentences[source.sentence_position].record.index,
                start: source.start as u32,
                end: source.end as u32,
            }),
            note: part.note.clone(),
        })
        .collect()
}

/// The window's sentences first (the anchor, then the others in text
/// order), then the other candidates by their own relevance; scores never
/// rise down the list.
fn evidence_of(
    sources: &[SourceSentence],
    assessment: &Assessment,
    accounting: &Accounting,
    max_evidence: usize,
) -> Vec<Evidence> {
    let window = &accounting.window;
    let anchor = &sources[window.anchor];
    let top = accounting.score.clamp(0.0, 1.0);
    let mut evidence = Vec::new();
    let entry = |document: &PreparedDocument,
                 position: usize,
                 score: f64,
                 judgement: Option<&Judgement>| {
        let sentence = &document.sentences[position].record;
        Evidence {
            document_id: document.record.document_id.clone(),
            document_title: document.record.title.clone(),
            sentence_index: sentence.index,
            sentence: sentence.text.clone(),
            score,
            checks: judgement.map(|j| j.checks.clone()).unwrap_or_default(),
        }
    };
    evidence.push(entry(
        window.document,
        anchor.position,
        top,
        Some(&assessment.judgements[window.anchor]),
    ));
    for offset in 0..window.len {
        let position = window.position(offset);
        if position != anchor.position {
            evidence.push(entry(window.document, position, top, None));
        }
    }
    let mut others: Vec<(f64, usize)> = sources
        .iter()
        .enumerate()
        .filter(|(_, source)| {
            !(std::ptr::eq(source.document, window.document)
                && (window.first..window.first + window.len).contains(&source.position))
        })
        .map(|(index, _)| (assessment.judgements[index].relevance().min(top), index))
        .collect();
    others.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (score, index) in others {
        let source = &sources[index];
        evidence.push(entry(
            source.document,
            source.position,
            score,
            Some(&assessment.judgements[index]),
        ));
    }
    evidence.truncate(max_evidence.max(1));
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_document;
    use crate::model::{DocumentInput, PartStatus};

    fn documents() -> Vec<PreparedDocument> {
        [
            (
                "sport",
                "Vòng loại châu Á\nĐội tuyển UAE mới thắng 2 trận tại vòng loại. Huấn luyện viên cho biết đội sẽ tập trung cho trận tiếp theo.",
            ),
            (
                "rice",
                "Xuất khẩu gạo\nNăm 2023, xuất khẩu gạo của tỉnh Hậu Giang đạt 1,2 triệu tấn. Giá trị xuất khẩu tăng 15% so với năm trước.",
            ),
            (
                "hiring",
                "Tuyển dụng\nCông ty Minh Phát cần tuyển thêm 30 nhân viên kỹ thuật trong tháng này.",
            ),
            (
                "council",
                "Xét duyệt hồ sơ\nHội đồng sẽ xét hồ sơ của Hải Phòng vào tuần tới, còn hồ sơ của Quảng Ninh sẽ được xét sau kỳ họp.",
            ),
            (
                "press",
                "Họp báo thường kỳ\nTại buổi họp báo, người phát ngôn Bộ Y tế Nguyễn Thanh Bình cho biết các bệnh viện tuyến tỉnh sẽ được cấp thêm máy thở trong tháng tới.",
            ),
            (
                "transfer",
                "Chuyển nhượng\nHai câu lạc bộ không đạt được thỏa thuận về việc chuyển nhượng hậu vệ Văn Hậu. Ban huấn luyện xác nhận cầu thủ sẽ ở lại đến hết mùa giải.",
            ),
            (
                "appointment",
                "Nhân sự\nBan Thường vụ Tỉnh ủy giới thiệu ông Lê Văn Hòa để HĐND thành phố xem xét, bầu giữ chức Phó Chủ tịch UBND thành phố. Chủ tịch Ủy ban Mặt trận cho biết, cơ quan này sẽ làm đầu mối tiếp nhận ý kiến góp ý của các chuyên gia.",
            ),
            (
                "meeting",
                "Họp tỉnh\nSáng nay, Chủ tịch UBND tỉnh Nguyễn Văn Sơn chủ trì cuộc họp về giải ngân vốn đầu tư công.",
            ),
            (
                "economy",
                "Kinh tế\nTheo Phó Thủ tướng, sau đại dịch COVID-19, nền kinh tế tiếp tục phục hồi và tăng trưởng mạnh mẽ.",
            ),
            (
                "session",
                "Kỳ họp\nTại kỳ họp cuối năm dự kiến diễn ra vào ngày 6/12, Hội đồng nhân dân tỉnh Bắc Giang sẽ xem xét đề án sáp nhập.",
            ),
            (
                "stele",
                "Di tích\nTấm bia được dựng trên sân và cổng của ngôi đình làng Phú Mỹ.",
            ),
            (
                "merger",
                "Sắp xếp đơn vị hành chính\nSau sắp xếp, số thôn của xã Gia Hưng đã giảm từ 20 xuống còn 7. Hai năm trước, không ai nghĩ tới việc sáp nhập, ông Minh viết. Đội bóng của xã sẽ gặp đội Thanh Niên Hà Nội vào ngày mai, trước khi lên đường dự giải. Toàn tỉnh hiện còn 45 trường học sau khi sáp nhập.",
            ),
            (
                "investment",
                "Đầu tư\nHai bộ trưởng đã gặp nhau tại Thành phố Hồ Chí Minh hồi tuần trước để bàn về đầu tư.",
            ),
            (
                "summit",
                "Hội nghị khu vực\nHai bộ trưởng đã gặp nhau tại thủ đô Jakarta - Indonesia hồi tuần trước để bàn về thương mại.",
            ),
        ]
        .iter()
        .map(|(id, text)| PreparedDocument::of_analysed(&analyse_document(DocumentInput::new(*id, *text))))
        .collect()
    }

    /// Judges a claim over the test documents, their sentences ranked by
    /// the claim words they hold, as retrieval ranks them.
    fn verdict_of(claim: &str) -> VerificationResult {
        let documents = documents();
        let claim = ClaimAnalysis::new(claim, None);
        let keys = window::content_keys(&claim);
        let mut sources: Vec<SourceSentence> =
            documents.iter().flat_map(|d| d.all_sources(0.5)).collect();
        sources.sort_by_key(|source| {
            let tokens = source.document.sentences[source.position].align_tokens();
            std::cmp::Reverse(
                keys.iter()
                    .filter(|k| tokens.iter().any(|t| t.key == **k))
                    .count(),
            )
        });
        judge(&claim, &sources, 5, &Budget::unlimited()).unwrap()
    }

    /// (claim, verdict, a part's text and the status it must have).
    #[test]
    fn each_failure_class_gets_its_verdict_and_part_status() {
        use PartStatus::{Contradicted, NotFound};
        use Verdict::{NotEnoughInfo, Refuted};
        let cases: &[(&str, Verdict, &str, PartStatus)] = &[
            // Restated: every part supported.
            ("Đội tuyển UAE mới thắng 2 trận tại vòng loại.", Verdict::Supported, "Đội tuyển UAE mới thắng 2 trận tại vòng loại", PartStatus::Supported),
            // A word into its opposite, in the same slot.
            ("Đội tuyển UAE mới thua 2 trận tại vòng loại.", Refuted, "thua", Contradicted),
            // Another figure between the same words.
            ("Năm 2023, xuất khẩu gạo của tỉnh Hậu Giang đạt 1,5 triệu tấn.", Refuted, "1,5", Contradicted),
            // A negation added.
            ("Công ty Minh Phát không cần tuyển thêm 30 nhân viên kỹ thuật trong tháng này.", Refuted, "không", Contradicted),
            // An unsupported addition: a cause the source never gives.
            ("Công ty Minh Phát cần tuyển thêm 30 nhân viên kỹ thuật trong tháng này do mở rộng nhà máy ở Bắc Ninh.", NotEnoughInfo, "do mở rộng nhà máy ở Bắc Ninh", NotFound),
            // Another place's figures: the document never mentions the
            // claim's place, so it can neither support nor refute it.
            ("Huyện Mường Nhé hiện còn 52 trường học sau khi sáp nhập.", NotEnoughInfo, "52", Contradicted),
            // A figure the source states as a change from one level to another.
            ("Số thôn của xã Gia Hưng đã giảm 13 thôn.", Verdict::Supported, "13 thôn", PartStatus::Supported),
            // A figure written in words, changed.
            ("Ba năm trước, không ai nghĩ tới việc sáp nhập, ông Minh viết.", Refuted, "Ba", Contradicted),
            // Two names swapped between their slots: every word is in the
            // source, not in its order.
            ("Hội đồng sẽ xét hồ sơ của Quảng Ninh vào tuần tới, còn hồ sơ của Hải Phòng sẽ được xét sau kỳ họp.", Refuted, "Quảng Ninh", Contradicted),
            // Another name right after the same words, in a longer rewritten slot.
            ("Đội bóng của xã sẽ gặp đội Thanh Niên Đà Nẵng vào chiều nay ở sân nhà, trước khi lên đường dự giải.", Refuted, "Đà Nẵng", Contradicted),
            // Another place in a slot where the source gives its place
            // with its kind and country ("thủ đô X - Y").
            ("Hai bộ trưởng đã gặp nhau tại Bangkok vào tuần trước để bàn về thương mại.", Refuted, "Bangkok", Contradicted),
            // The source negates the predicate the claim restates plainly,
            // in a sentence the claim rewrites around it.
            ("Ban huấn luyện xác nhận đã đạt được thỏa thuận về việc chuyển nhượng hậu vệ Văn Hậu.", Refuted, "đạt được thỏa thuận", Contradicted),
            // Another person in the role, the sentence rewritten around
            // the name: the source never names the claim's person and names
            // another one.
            ("Ông Trần Văn Minh, người phát ngôn Bộ Y tế, cho biết các bệnh viện tuyến tỉnh sẽ được cấp thêm máy thở trong tháng tới.", Refuted, "Trần Văn Minh", Contradicted),
            // "Phó" (deputy) dropped before a title the source gives it:
            // another office.
            ("Ban Thường vụ Tỉnh ủy giới thiệu ông Lê Văn Hòa để HĐND thành phố xem xét, bầu giữ chức Chủ tịch UBND thành phố.", Refuted, "Chủ tịch UBND thành phố", Contradicted),
            // ... and added before one the source gives plainly.
            ("Sáng nay, Phó Chủ tịch UBND tỉnh Nguyễn Văn Sơn chủ trì cuộc họp về giải ngân vốn đầu tư công.", Refuted, "Phó", Contradicted),
            // A negation the claim puts before a restated predicate, in a
            // passage it rewrites.
            ("Ủy ban Mặt trận sẽ không làm đầu mối tiếp nhận ý kiến góp ý của các chuyên gia.", Refuted, "không", Contradicted),
            // An opposite at the edge of a rewritten slot, right before the
            // words both sides share.
            ("Trước đại dịch COVID-19, nền kinh tế tiếp tục phục hồi và tăng trưởng mạnh mẽ.", Refuted, "Trước", Contradicted),
            // A place the source writes in full, abbreviated in a longer slot.
            ("Hai bộ trưởng đã gặp nhau tại TP.HCM vào tuần trước để bàn về đầu tư.", Verdict::Supported, "TP.HCM", PartStatus::Supported),
            // A name given by an abbreviation the document never writes.
            ("Công ty Minh Phát (MPT) cần tuyển thêm 30 nhân viên kỹ thuật trong tháng này.", NotEnoughInfo, "MPT", NotFound),
            // Another verb of saying: the same report in other words.
            ("Tại buổi họp báo, người phát ngôn Bộ Y tế Nguyễn Thanh Bình khẳng định các bệnh viện tuyến tỉnh sẽ được cấp thêm máy thở trong tháng tới.", Verdict::Supported, "khẳng định", PartStatus::Supported),
            // An abbreviation the source writes in full.
            ("Kỳ họp cuối năm của HĐND tỉnh Bắc Giang dự kiến diễn ra vào ngày 6/12.", Verdict::Supported, "HĐND", PartStatus::Supported),
        ];
        for (claim, expected, part_text, status) in cases {
            let result = verdict_of(claim);
            assert_eq!(
                result.verdict, *expected,
                "{claim:?}: {} {:?}",
                result.explanation, result.parts
            );
            let part = result
                .parts
                .iter()
                .find(|part| part.text.contains(part_text))
                .unwrap_or_else(|| {
                    panic!("{claim:?}: no part holds {part_text:?}: {:?}", result.parts)
                });
            assert_eq!(part.status, *status, "{claim:?}: {:?}", result.parts);
            assert!((0.0..=1.0).contains(&result.confidence));
        }
    }

    /// A word the window holds only with other diacritics ("cửa" door,
    /// "của" of) is not found, not "stated in other words".
    #[test]
    fn a_word_with_other_diacritics_is_not_found() {
        let result = verdict_of("Tấm bia được dựng trên cửa và cổng của ngôi đình làng Phú Mỹ.");
        let part = result
            .parts
            .iter()
            .find(|part| part.text.contains("cửa"))
            .expect("a part holds the replaced word");
        assert_eq!(part.status, PartStatus::NotFound, "{:?}", result.parts);
    }

    /// A REFUTED that no part contradicts (the model reads a figure the
    /// document never states as changed) names the part it rests on.
    #[test]
    fn a_refutation_without_a_contradicted_part_names_the_unstated_part() {
        let result = verdict_of("Ngày 9/9, số thôn của xã Gia Hưng đã giảm 13 thôn.");
        assert_eq!(result.verdict, Verdict::Refuted, "{}", result.explanation);
        assert!(
            result
                .parts
                .iter()
                .all(|part| part.status != PartStatus::Contradicted),
            "{:?}",
            result.parts
        );
        assert!(
            result.explanation.contains("does not say \"Ngày 9/9\""),
            "{}",
            result.explanation
        );
    }

    #[test]
    fn a_claim_about_another_subject_says_which_name_is_missing() {
        let result = verdict_of("Huyện Mường Nhé hiện còn 52 trường học sau khi sáp nhập.");
        assert_eq!(result.verdict, Verdict::NotEnoughInfo);
        assert!(
            result.explanation.contains("another subject")
                && result.explanation.contains("Mường Nhé"),
            "{}",
            result.explanation
        );
    }

    #[test]
    fn facts_joined_from_two_sentences_are_read_in_one_window() {
        let result = verdict_of(
            "Năm 2023, xuất khẩu gạo của tỉnh Hậu Giang đạt 1,2 triệu tấn, giá trị xuất khẩu tăng 15% so với năm trước.",
        );
        assert_eq!(result.verdict, Verdict::Supported, "{}", result.explanation);
        assert!(
            result
                .parts
                .iter()
                .all(|p| p.status == PartStatus::Supported),
            "{:?}",
            result.parts
        );
        let sentences: Vec<u32> = result
            .evidence
            .iter()
            .take(2)
            .map(|e| e.sentence_index)
            .collect();
        assert!(
            sentences.contains(&1) && sentences.contains(&2),
            "{sentences:?}"
        );
    }

    #[test]
    fn parts_cover_the_claim_and_their_offsets_index_the_texts_they_come_with() {
        let claim = "Đội tuyển UAE mới thua 2 trận tại vòng loại do trọng tài.";
        let result = verdict_of(claim);
        let normalised = crate::text::normalize_nfc(claim.trim());
        for part in &result.parts {
            assert_eq!(
                &normalised[part.start as usize..part.end as usize],
                part.text
            );
            if let Some(source) = &part.source {
                let sentence = result
                    .evidence
                    .iter()
                    .find(|e| {
                        e.document_id == source.document_id
                            && e.sentence_index == source.sentence_index
                    })
                    .expect("a part's sentence is among the evidence");
                assert!(sentence
                    .sentence
                    .get(source.start as usize..source.end as usize)
                    .is_some());
            }
        }
        let scores: Vec<f64> = result.evidence.iter().map(|e| e.score).collect();
        assert!(
            scores.windows(2).all(|pair| pair[0] >= pair[1]),
            "{scores:?}"
        );
    }

    /// A sentence of thousands of figures and a claim of hundreds: the
    /// judge reads the claim's first [`figures::MAX_CLAIM_FIGURES`] and a
    /// bounded pool and window, and answers.
    #[test]
    fn crafted_figure_runs_are_judged_within_bounds() {
        let sentence: String = (0..5_000).map(|i| format!("{} xã, ", i % 97)).collect();
        let document = PreparedDocument::of_analysed(&analyse_document(DocumentInput::new(
            "crafted",
            format!("Tiêu đề\nHuyện có {sentence}trong năm."),
        )));
        let claim_text: String = (0..300).map(|i| format!("{} xã, ", i % 89)).collect();
        let claim = ClaimAnalysis::new(&format!("Huyện có {claim_text}"), None);
        assert_eq!(claim.quantities.len(), figures::MAX_CLAIM_FIGURES);
        let sources = document.all_sources(0.5);
        let result = judge(&claim, &sources, 5, &Budget::unlimited()).unwrap();
        assert!(!result.evidence.is_empty());
        assert!(result.evidence[0].checks.len() <= figures::MAX_CLAIM_FIGURES);
        // A cancelled or spent budget stops the same work before its end.
        let cancelled = Budget::unlimited();
        cancelled.cancel();
        assert_eq!(
            judge(&claim, &sources, 5, &cancelled).err(),
            Some(Stopped::Cancelled)
        );
        let spent = Budget::lasting(std::time::Duration::ZERO);
        assert!(matches!(
            judge(&claim, &sources, 5, &spent),
            Err(Stopped::OutOfTime(_))
        ));
    }

    #[test]
    fn a_claim_nothing_speaks_of_is_not_enough_info() {
        let result = judge(
            &ClaimAnalysis::new("Xã A có 5 thôn.", None),
            &[],
            5,
            &Budget::unlimited(),
        )
        .unwrap();
        assert_eq!(result.verdict, Verdict::NotEnoughInfo);
        assert!(result.parts.is_empty());
    }
}
