//! Verification of any claim against any document (the judge over every
//! sentence of it, as VerifyClaim runs it once candidates are found): never
//! panics, and the confidence is a probability.
#![no_main]

use claimcheck::analysis::analyse_document;
use claimcheck::budget::Budget;
use claimcheck::judge::{judge, ClaimAnalysis, PreparedDocument};
use claimcheck::model::DocumentInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (document, claim) = input;
    let analysed = analyse_document(DocumentInput::new("d", document.to_string()));
    let prepared = PreparedDocument::of_analysed(&analysed);
    let sources = prepared.all_sources(0.5);
    let read = ClaimAnalysis::new(claim, None);
    let result =
        judge(&read, &sources, 5, &Budget::unlimited()).expect("an unlimited budget never stops");
    assert!((0.0..=1.0).contains(&result.confidence));
});
