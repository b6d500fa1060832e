//! Text handling shared by ingest, retrieval and verification: Unicode
//! normalisation and diacritic folding, sentence segmentation, word tokens
//! with byte spans, language detection, and the bigram similarity
//! retrieval re-ranks by. Pure functions, no I/O.

mod language;
mod normalize;
mod segment;
mod similarity;
mod tokens;

pub use language::{detect_language, Language};
pub use normalize::{fold, fold_char, has_diacritics, lower_char, normalize_nfc};
pub use segment::{split_sentences, SentenceSpan};
pub use similarity::BigramProfile;
pub use tokens::{
    index_terms, is_function_word, is_stopword, visit_index_terms, word_tokens, WordToken,
};
