//! Reading a draft for checking: the draft is split into sentences (with
//! byte spans into the draft as written) and each sentence is sorted into
//! a claim worth checking or the reason it is left out.
//!
//! A sentence is a claim when it states a figure (any quantity the
//! quantity reader finds: a count, a share, an amount, a date, a year, an
//! identifier) or names a subject (a capitalised word past the first, or a
//! name by form, see [`crate::context`]) with enough words around it to say
//! something of it. Left out, in this order:
//! - questions (the sentence ends with a question mark): they ask, they do
//!   not state;
//! - headings: a line of its own with no closing punctuation and few words
//!   (news drafts put the headline, section titles and captions on lines
//!   of their own);
//! - opinions: a sentence wholly in quotation marks with no figure in it,
//!   or one that says it is the writer's or speaker's view ("tôi nghĩ",
//!   "theo tôi", "I think", "in my opinion": a closed list of first-person
//!   opinion openers, below);
//! - sentences longer than a claim may be, and those with nothing to check.
//!
//! Pure: no store, no I/O.

use crate::context::entities;
use crate::quantity::extract_quantities;
use crate::text::{normalize_nfc, split_sentences, word_tokens, Language};

/// Why a sentence of a draft is or is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentenceRole {
    /// A claim: it states a figure or says something of a named subject.
    Claim,
    Question,
    Heading,
    Opinion,
    /// Longer than a claim may be.
    TooLong,
    /// No figure and no named subject with a predicate.
    NothingToCheck,
}

/// One sentence of a draft: its UTF-8 byte span in the draft as written
/// and its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftSentence {
    pub start: usize,
    pub end: usize,
    pub role: SentenceRole,
}

/// A heading has at most this many words.
const HEADING_MAX_WORDS: usize = 14;
/// A sentence without a figure needs this many words to say something of
/// its named subject (a name alone, or a name and a verb, is a caption).
const NAMED_CLAIM_MIN_WORDS: usize = 5;

/// First-person openers of an opinion (lowercase, matched at word
/// boundaries anywhere in the sentence). General language, not a list
/// drawn from any data: the Vietnamese and English ways a writer or a
/// quoted speaker marks a view as their own.
const OPINION_MARKERS: &[&str] = &[
    "tôi nghĩ",
    "tôi cho rằng",
    "tôi tin",
    "tôi thấy",
    "tôi hy vọng",
    "tôi hi vọng",
    "theo tôi",
    "chúng tôi tin",
    "chúng tôi cho rằng",
    "chúng tôi hy vọng",
    "theo ý kiến của tôi",
    "i think",
    "i believe",
    "i feel",
    "i hope",
    "we believe",
    "we hope",
    "in my opinion",
    "in my view",
];

const OPENING_QUOTES: &[char] = &['"', '“', '«', '‘'];
const CLOSING_QUOTES: &[char] = &['"', '”', '»', '’'];

/// The sentences of `draft`, each with its role; `max_claim_bytes` bounds
/// a claim.
pub fn read_draft(draft: &str, language: Language, max_claim_bytes: usize) -> Vec<DraftSentence> {
    split_sentences(draft)
        .into_iter()
        .map(|span| DraftSentence {
            start: span.start,
            end: span.end,
            role: role_of(draft, span.start, span.end, language, max_claim_bytes),
        })
        .collect()
}

fn role_of(
    draft: &str,
    start: usize,
    end: usize,
    language: Language,
    max_claim_bytes: usize,
) -> SentenceRole {
    let raw = &draft[start..end];
    let sentence = normalize_nfc(raw);
    let bare = sentence.trim_end_matches(|c: char| CLOSING_QUOTES.contains(&c) || c == ')');
    if bare.ends_with('?') {
        return SentenceRole::Question;
    }
    let tokens = word_tokens(&sentence);
    let words = tokens.len();
    if is_own_line(draft, start, end)
        && !bare.ends_with(['.', '!', '…', ';', ':'])
        && words <= HEADING_MAX_WORDS
    {
        return SentenceRole::Heading;
    }
    if raw.len() > max_claim_bytes {
        return SentenceRole::TooLong;
    }
    let has_figure = !extract_quantities(&sentence, language).is_empty();
    if states_opinion(&sentence) || (is_wholly_quoted(&sentence) && !has_figure) {
        return SentenceRole::Opinion;
    }
    // A name: a capitalised word past the first (the first is capitalised
    // anyway), or a name by form that may open the sentence ("Hà Nội có").
    let names_something = tokens
        .iter()
        .skip(1)
        .any(|token| token.text.starts_with(char::is_uppercase))
        || !entities(&sentence).is_empty();
    if has_figure || (words >= NAMED_CLAIM_MIN_WORDS && names_something) {
        SentenceRole::Claim
    } else {
        SentenceRole::NothingToCheck
    }
}

/// Whether nothing but whitespace shares the sentence's line.
fn is_own_line(draft: &str, start: usize, end: usize) -> bool {
    let before = &draft[..start];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let after = &draft[end..];
    let line_end = after.find('\n').unwrap_or(after.len());
    before[line_start..].trim().is_empty() && after[..line_end].trim().is_empty()
}

fn states_opinion(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    OPINION_MARKERS.iter().any(|marker| {
        lower.match_indices(marker).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + marker.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Whether the sentence opens with a quotation mark and its quotation
/// closes at its end (before the final stop, if any).
fn is_wholly_quoted(sentence: &str) -> bool {
    let trimmed = sentence.trim();
    let Some(first) = trimmed.chars().next() else {
        return false;
    };
    if !OPENING_QUOTES.contains(&first) {
        return false;
    }
    let body = trimmed.trim_end_matches(['.', '!', '…']);
    let inner = &body[first.len_utf8()..];
    let Some((last_start, last)) = inner.char_indices().next_back() else {
        return false;
    };
    // A quotation that closes before the end is a quote inside a stated
    // sentence ("…", ông nói.), which the sentence reports, not a quote.
    CLOSING_QUOTES.contains(&last) && !inner[..last_start].contains(CLOSING_QUOTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(draft: &str) -> Vec<(&str, SentenceRole)> {
        read_draft(draft, Language::Vietnamese, 4096)
            .into_iter()
            .map(|s| (&draft[s.start..s.end], s.role))
            .collect()
    }

    #[test]
    fn each_sentence_gets_the_role_its_form_gives_it() {
        use SentenceRole::*;
        // (draft, the role of its only sentence)
        let cases: &[(&str, SentenceRole)] = &[
            ("Tỉnh Quảng Ninh có 51 cán bộ được tinh giản.", Claim),
            ("Năm 2020, dân số tăng 3%.", Claim),
            ("Ông Nguyễn Văn An giữ chức Chủ tịch huyện Ba Chẽ.", Claim),
            ("The city of Hanoi opened a new metro line.", Claim),
            ("Tỉnh có bao nhiêu cán bộ được tinh giản?", Question),
            ("How many officials left in 2020?", Question),
            ("Kinh tế quý III tăng trưởng mạnh", Heading),
            ("Theo tôi, Hà Nội cần thêm nhiều công viên.", Opinion),
            ("I think Hanoi needs more parks.", Opinion),
            ("“Đây là một bước tiến lớn của Hà Nội.”", Opinion),
            ("“Chúng tôi đã giảm 30% chi phí.”", Claim),
            ("Mọi việc đã ổn rồi đó nhé các bạn.", NothingToCheck),
            ("Ông An đến.", NothingToCheck),
        ];
        for (draft, role) in cases {
            assert_eq!(roles(draft), vec![(*draft, *role)], "{draft}");
        }
    }

    #[test]
    fn spans_point_into_the_draft_as_written() {
        let draft = "Kinh tế quý III\n\nGDP quý III tăng 7,4%. Vì sao vậy? \
                     Theo tôi, đó là nhờ xuất khẩu.\n";
        let found = roles(draft);
        assert_eq!(
            found,
            vec![
                ("Kinh tế quý III", SentenceRole::Heading),
                ("GDP quý III tăng 7,4%.", SentenceRole::Claim),
                ("Vì sao vậy?", SentenceRole::Question),
                ("Theo tôi, đó là nhờ xuất khẩu.", SentenceRole::Opinion),
            ]
        );
    }

    #[test]
    fn a_sentence_longer_than_a_claim_is_left_out() {
        let long = format!("Hà Nội có {} cán bộ.", "rất ".repeat(50));
        let found = read_draft(&long, Language::Vietnamese, 100);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].role, SentenceRole::TooLong);
    }

    #[test]
    fn decomposed_text_is_read_like_composed_text() {
        let composed = "Tỉnh Quảng Ninh có 51 cán bộ.";
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd(composed).collect();
        let found = read_draft(&decomposed, Language::Vietnamese, 4096);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (0, decomposed.len()));
        assert_eq!(found[0].role, SentenceRole::Claim);
    }
}
