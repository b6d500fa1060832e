//! A sentence's index terms as the search index receives them: its
//! distinct terms (folded words and word pairs, see
//! `text::visit_index_terms`) joined into one line by [`TERM_SEPARATOR`],
//! and the tantivy tokenizer that splits such a line again. A term counts
//! once per sentence, so a term's frequency in a sentence is always 1 and
//! BM25 weighs sentences by which terms they hold and by their length.
//! Pure, but for the tokenizer trait it implements.
//!
//! One line per sentence (rather than tantivy's pre-tokenized values) lets
//! the tokenizer reuse one token buffer for a whole document: no string is
//! allocated per term.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{visit_index_terms, word_tokens, WordToken};

/// Separates the terms of a line. Terms are folded words, or two joined by
/// a space, so they never hold it.
pub const TERM_SEPARATOR: char = '\n';

/// The distinct index terms of a sentence already split into `tokens`,
/// in first-seen order, as one line.
pub fn term_line(text: &str, tokens: &[WordToken]) -> String {
    let mut line = String::with_capacity(text.len() * 2);
    // (hash, start, end) of each term already in the line: a sentence
    // holds a few dozen terms, so a linear scan of hashes is cheapest.
    let mut held: Vec<(u64, usize, usize)> = Vec::with_capacity(tokens.len() * 2);
    let hasher = foldhash::fast::FixedState::default();
    visit_index_terms(text, tokens, |term, _| {
        let hash = std::hash::BuildHasher::hash_one(&hasher, term);
        let seen = held
            .iter()
            .any(|&(other, start, end)| other == hash && &line[start..end] == term);
        if seen {
            return;
        }
        if !line.is_empty() {
            line.push(TERM_SEPARATOR);
        }
        let start = line.len();
        line.push_str(term);
        held.push((hash, start, line.len()));
    });
    line
}

/// The term line of each of `sentences`, tokenised here.
pub fn term_lines<S: AsRef<str>>(sentences: &[S]) -> Vec<String> {
    sentences
        .iter()
        .map(|sentence| {
            let text = sentence.as_ref();
            term_line(text, &word_tokens(text))
        })
        .collect()
}

/// Splits a term line into its terms.
#[derive(Clone, Default)]
pub struct TermLineTokenizer {
    token: Token,
}

pub struct TermLineStream<'a> {
    line: &'a str,
    /// Where the next term starts.
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for TermLineTokenizer {
    type TokenStream<'a> = TermLineStream<'a>;

    fn token_stream<'a>(&'a mut self, line: &'a str) -> TermLineStream<'a> {
        self.token.reset();
        TermLineStream {
            line,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for TermLineStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next < self.line.len() {
            let start = self.next;
            let end = self.line[start..]
                .find(TERM_SEPARATOR)
                .map_or(self.line.len(), |at| start + at);
            self.next = end + TERM_SEPARATOR.len_utf8();
            if end > start {
                self.token.text.clear();
                self.token.text.push_str(&self.line[start..end]);
                self.token.offset_from = start;
                self.token.offset_to = end;
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(line: &str) -> Vec<String> {
        let mut tokenizer = TermLineTokenizer::default();
        let mut stream = tokenizer.token_stream(line);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    }

    #[test]
    fn a_line_holds_each_word_and_pair_once_and_splits_back() {
        // (sentence, its terms in first-seen order)
        let cases: &[(&str, &[&str])] = &[
            (
                "Xã Hải Hà, xã Hải Tiến",
                &["xa", "hai", "xa hai", "ha", "hai ha", "tien", "hai tien"],
            ),
            (
                "Hải Hà giảm 22 biên chế",
                &[
                    "hai", "ha", "hai ha", "giam", "ha giam", "bien", "che", "bien che",
                ],
            ),
            ("", &[]),
            ("22", &[]),
        ];
        for (sentence, expected) in cases {
            let line = term_lines(&[sentence]).remove(0);
            assert_eq!(terms_of(&line), *expected, "{sentence:?}");
        }
    }

    #[test]
    fn the_tokenizer_skips_empty_terms() {
        assert_eq!(terms_of("\na\n\nb c\n"), vec!["a", "b c"]);
        assert!(terms_of("").is_empty());
    }
}
