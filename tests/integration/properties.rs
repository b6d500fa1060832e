//! Property tests over arbitrary Unicode and over text shaped like news
//! (names, figures, change words, sentence ends), for the pure core:
//! sentence splitting, document analysis, draft reading and verification
//! never panic, and every span they return indexes the text it came with.
//! (Figure extraction has its own in `src/quantity/tests.rs`.)

use claimcheck::analysis::analyse_document;
use claimcheck::budget::Budget;
use claimcheck::draft::read_draft;
use claimcheck::judge::{judge, ClaimAnalysis, PreparedDocument};
use claimcheck::model::DocumentInput;
use claimcheck::text::{normalize_nfc, split_sentences, Language};
use proptest::prelude::*;

/// Text in the shape of Vietnamese news: words with and without
/// diacritics, figures in both locales, change and negation words, sentence
/// ends and line breaks, in any order.
fn newsy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[A-ZĐ][a-zàáạảãăâđêôơưếốớứ]{1,7}",
            "[0-9]{1,7}([.,][0-9]{1,3})?( ?%)?",
            "(tăng|giảm|từ|xuống còn|lên|năm|tháng|triệu|tỷ|nghìn|không|hơn|gần|gấp)",
            "[.!?;:,\n\"()-]",
            "\\PC{1,3}",
        ],
        0..80,
    )
    .prop_map(|words| words.join(" "))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,300}", newsy()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sentences_are_ordered_spans_of_the_text(text in any_text()) {
        let mut previous_end = 0;
        for span in split_sentences(&text) {
            prop_assert!(previous_end <= span.start && span.start < span.end && span.end <= text.len());
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            prop_assert!(!text[span.start..span.end].trim().is_empty());
            previous_end = span.end;
        }
    }

    #[test]
    fn a_draft_is_read_into_ordered_spans(text in any_text(), vietnamese in any::<bool>()) {
        let language = if vietnamese { Language::Vietnamese } else { Language::English };
        let mut previous_end = 0;
        for sentence in read_draft(&text, language, 4096) {
            prop_assert!(previous_end <= sentence.start && sentence.start <= sentence.end);
            prop_assert!(sentence.end <= text.len());
            prop_assert!(text.is_char_boundary(sentence.start) && text.is_char_boundary(sentence.end));
            previous_end = sentence.end;
        }
    }

    #[test]
    fn any_claim_is_judged_over_any_document(document in any_text(), claim in any_text()) {
        let analysed = analyse_document(DocumentInput::new("d", document));
        for sentence in &analysed.sentences {
            let record = &sentence.record;
            let (start, end) = (record.start as usize, record.end as usize);
            prop_assert!(start <= end && end <= analysed.text.len());
            prop_assert_eq!(&analysed.text[start..end], record.text.as_str());
            for quantity in &record.quantities {
                prop_assert!(quantity.start <= quantity.end && quantity.end <= record.text.len());
            }
        }
        let prepared = PreparedDocument::of_analysed(&analysed);
        let sources = prepared.all_sources(0.5);
        let read = ClaimAnalysis::new(&claim, None);
        let result = judge(&read, &sources, 5, &Budget::unlimited())
            .expect("an unlimited budget never stops");
        prop_assert!((0.0..=1.0).contains(&result.confidence));
        let normalised = normalize_nfc(&claim);
        let normalised = normalised.trim();
        for part in &result.parts {
            let (start, end) = (part.start as usize, part.end as usize);
            prop_assert!(start <= end && end <= normalised.len(), "{:?} in {:?}", part, normalised);
            prop_assert!(normalised.is_char_boundary(start) && normalised.is_char_boundary(end));
        }
        for evidence in &result.evidence {
            prop_assert!(analysed.text.contains(evidence.sentence.as_str()));
        }
    }
}
