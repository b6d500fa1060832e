//! Sentence splitting on any UTF-8 text: never panics, and every span is a
//! non-empty, ordered slice of the text on character boundaries.
#![no_main]

use claimcheck::text::split_sentences;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let mut previous_end = 0;
    for span in split_sentences(text) {
        assert!(previous_end <= span.start && span.start < span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        previous_end = span.end;
    }
});
