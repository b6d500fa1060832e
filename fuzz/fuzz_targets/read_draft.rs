//! Draft reading (CheckDraft's split of a draft into checkable sentences)
//! on any UTF-8 text, in both languages: never panics, and the spans are
//! ordered slices of the draft on character boundaries.
#![no_main]

use claimcheck::draft::read_draft;
use claimcheck::text::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, &str)| {
    let (vietnamese, text) = input;
    let language = if vietnamese {
        Language::Vietnamese
    } else {
        Language::English
    };
    let mut previous_end = 0;
    for sentence in read_draft(text, language, 4096) {
        assert!(previous_end <= sentence.start && sentence.start <= sentence.end);
        assert!(sentence.end <= text.len());
        assert!(text.is_char_boundary(sentence.start) && text.is_char_boundary(sentence.end));
        previous_end = sentence.end;
    }
});
