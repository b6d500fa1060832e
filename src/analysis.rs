//! Document analysis: turns a client's document into what the store keeps:
//! NFC text, language, title, sentences with byte spans, their quantities
//! and index terms, paragraph numbers, the year that frames each sentence,
//! and the document's context. Pure: no I/O.

use crate::context::{document_context, opening_year};
use crate::index::term_line;
use crate::model::{
    AnalysedDocument, AnalysedSentence, DocumentInput, DocumentRecord, SentenceRecord,
};
use crate::quantity::{extract_quantities, Quantity, QuantityKind};
use crate::text::{
    detect_language, normalize_nfc, split_sentences, word_tokens, Language, WordToken,
};

/// The longest title kept when the title is taken from the text.
const MAX_DERIVED_TITLE_CHARS: usize = 300;

/// A sentence read from a text, with its byte span and quantities.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadSentence {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub quantities: Vec<Quantity>,
}

/// Splits a text into sentences and reads their quantities.
pub fn read_text(text: &str, language: Language) -> Vec<ReadSentence> {
    split_sentences(text)
        .into_iter()
        .map(|span| {
            let sentence = &text[span.start..span.end];
            ReadSentence {
                text: sentence.to_string(),
                start: span.start,
                end: span.end,
                quantities: extract_quantities(sentence, language),
            }
        })
        .collect()
}

/// The first non-empty line of the text, shortened at a word boundary.
pub fn title_from_text(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    if line.chars().count() <= MAX_DERIVED_TITLE_CHARS {
        return line.to_string();
    }
    let cut: String = line.chars().take(MAX_DERIVED_TITLE_CHARS).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

/// Analyses a validated document.
pub fn analyse_document(input: DocumentInput) -> AnalysedDocument {
    let text = normalize_nfc(&input.text);
    let language = input.language.unwrap_or_else(|| detect_language(&text));
    let title = if input.title.trim().is_empty() {
        title_from_text(&text)
    } else {
        normalize_nfc(input.title.trim())
    };
    let read = read_text(&text, language);
    let mut sentences = Vec::with_capacity(read.len());
    let mut term_lines = Vec::with_capacity(read.len());
    let mut tokenised: Vec<(&str, Vec<WordToken>)> = Vec::with_capacity(read.len());
    let mut paragraph = 0u32;
    let mut previous_end = 0usize;
    let mut frame_year: Option<i32> = None;
    let mut quantity_count = 0u32;
    for (index, sentence) in read.into_iter().enumerate() {
        if index > 0 && text[previous_end..sentence.start].contains('\n') {
            paragraph += 1;
            frame_year = None;
        }
        previous_end = sentence.end;
        let names_year = sentence
            .quantities
            .iter()
            .any(|q| q.kind == QuantityKind::Year);
        let inherited_year = if names_year { None } else { frame_year };
        if let Some(year) = opening_year(&sentence.text, &sentence.quantities) {
            frame_year = Some(year);
        }
        // The same words as `sentence.text`, borrowed from the document.
        let in_text = &text[sentence.start..sentence.end];
        let tokens = word_tokens(in_text);
        term_lines.push(term_line(in_text, &tokens));
        tokenised.push((in_text, tokens));
        quantity_count += sentence.quantities.len() as u32;
        sentences.push(AnalysedSentence {
            record: SentenceRecord {
                index: index as u32,
                text: sentence.text,
                start: sentence.start as u32,
                end: sentence.end as u32,
                quantities: sentence.quantities,
                paragraph,
                inherited_year,
            },
        });
    }
    let context = document_context(&title, &tokenised);
    AnalysedDocument {
        record: DocumentRecord {
            document_id: input.document_id,
            title,
            url: input.url,
            published_at: input.published_at,
            language,
            metadata: input.metadata,
            sentence_count: sentences.len() as u32,
            quantity_count,
            text_bytes: text.len() as u64,
            context,
        },
        text,
        sentences,
        term_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> DocumentInput {
        DocumentInput::new("doc", text)
    }

    #[test]
    fn title_defaults_to_first_line() {
        let analysed = analyse_document(input("\n  Tiêu đề bài  \nNội dung có 5 xã."));
        assert_eq!(analysed.record.title, "Tiêu đề bài");
        assert_eq!(analysed.record.language, Language::Vietnamese);
        assert_eq!(analysed.record.sentence_count, 2);
        assert_eq!(analysed.record.quantity_count, 1);
    }

    #[test]
    fn sentences_inherit_the_year_that_opens_their_paragraph() {
        let analysed = analyse_document(input(
            "Tiêu đề\nNăm 2017, thị xã đã điều động 17 cán bộ. Thị xã luân chuyển 55 công chức.\nĐoạn mới có 3 xã.",
        ));
        let years: Vec<Option<i32>> = analysed
            .sentences
            .iter()
            .map(|s| s.record.inherited_year)
            .collect();
        assert_eq!(years, [None, None, Some(2017), None]);
        let paragraphs: Vec<u32> = analysed
            .sentences
            .iter()
            .map(|s| s.record.paragraph)
            .collect();
        assert_eq!(paragraphs, [0, 1, 1, 2]);
    }

    #[test]
    fn spans_index_the_normalised_text() {
        let analysed = analyse_document(input("Một câu. Câu hai có 91,6%."));
        for sentence in &analysed.sentences {
            let record = &sentence.record;
            assert_eq!(
                &analysed.text[record.start as usize..record.end as usize],
                record.text
            );
        }
    }
}
