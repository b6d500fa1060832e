//! Document analysis (sentences and their figures, as ingest and
//! ExtractFacts run it) on any UTF-8 text: never panics, and every sentence
//! and figure span indexes the text it is returned with.
#![no_main]

use claimcheck::analysis::analyse_document;
use claimcheck::model::DocumentInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let analysed = analyse_document(DocumentInput::new("d", text.to_string()));
    for sentence in &analysed.sentences {
        let record = &sentence.record;
        let (start, end) = (record.start as usize, record.end as usize);
        assert!(start <= end && end <= analysed.text.len());
        assert_eq!(&analysed.text[start..end], record.text.as_str());
        for quantity in &record.quantities {
            assert!(quantity.start <= quantity.end && quantity.end <= record.text.len());
        }
    }
});
