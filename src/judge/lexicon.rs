//! General language knowledge the accounting reads: negators, opposites,
//! scale words, words that open an added clause, and spelling variants.
//! Nothing here comes from the evaluation claims.
//!
//! Sources and rules:
//! - **Negators**: the Vietnamese negative adverbs of any grammar
//!   (không, chưa, chẳng, chả, đừng, chớ) and English "not"/"never"/"no".
//! - **Opposites**: common antonym pairs of everyday Vietnamese (the pairs a
//!   school dictionary of antonyms lists first: size, amount, direction of
//!   change, time order, outcome, agreement, sex, quality, feeling and
//!   attitude), the parts of the day (sáng, trưa, chiều, tối, đêm: an
//!   event placed in one is not in another), and their English
//!   counterparts. Entries are lowercase with diacritics; diacritics matter
//!   ("tăng" is not "tặng").
//! - **Equivalent phrases**: the verbs of saying that introduce reported
//!   speech (cho biết, cho hay, nói, khẳng định ...; said, stated ...), the
//!   verbs of taking part (tham gia, tham dự, góp mặt), the prepositions
//!   that place an event in time (vào, hồi, lúc) and the words for "about"
//!   before a figure (khoảng, chừng, xấp xỉ): a claim that uses another
//!   member of a class states the same thing.
//! - **Scale words**: the Vietnamese and English number-scale words; two
//!   different scale words in the same slot are different magnitudes.
//! - **Clause openers**: coordinating and subordinating conjunctions
//!   (và, nhưng, do, vì, để, khi, sau khi, nhằm ... and English ones), after
//!   which an annotator's added clause typically starts.
//! - **Spelling variants**: the i/y alternation of Vietnamese orthography
//!   after a consonant (kỹ/kĩ, lý/lí, tỷ/tỉ, mỹ/mĩ, sỹ/sĩ) and the two
//!   readings of a thousand (nghìn/ngàn).
//! - **Number words**: the cardinal words two to ten of Vietnamese (hai, ba,
//!   bốn, sáu, bảy, tám, chín, mười) and English (two ... ten), aligned as
//!   the digits they stand for. Left out because they are mostly not
//!   numbers in running text: một/one (also "a", "some"), năm (also
//!   "year"), tư (also "private"), lăm/mốt (only inside numbers).
//! - **Family names**: the most common Vietnamese family names (the
//!   fourteen that together cover about nine in ten people, with their
//!   regional spellings Hoàng/Huỳnh and Vũ/Võ, and a few more common ones
//!   that never open a place name), by which a run of capitalised words is
//!   read as a person's name.
//! - **Exclusive and universal quantifiers**: the words that make a
//!   statement exclusive or universal (chỉ có/là/được/cần, duy nhất, tất
//!   cả, toàn bộ, mọi, đều, hoàn toàn, luôn, không bao giờ, lần đầu tiên;
//!   only, all, every, always, never): added to what a source says, they
//!   claim more than it states. Bare "chỉ" is left out: it opens many
//!   compounds (chỉ đạo, chỉ số, chỉ tiêu).
//! - **Deputy marker**: "phó" (deputy, vice) before a title makes another
//!   office (Phó Chủ tịch, Phó Thủ tướng); added or dropped before a title
//!   both sides state, it is read like an opposite. English "deputy",
//!   "vice".
//! - **Place words**: the administrative and common nouns that put a place
//!   name after them (thành phố, tỉnh, huyện, đường ...), so that "TP Hồ
//!   Chí Minh" is not read as a person.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

pub use crate::text::is_function_word;

/// Negative adverbs, lowercase.
const NEGATORS: &[&str] = &[
    "không", "chưa", "chẳng", "chả", "đừng", "chớ", "not", "never", "no", "cannot", "without",
];

/// Pairs of opposite words or phrases, lowercase with diacritics.
const OPPOSITES: &[(&str, &str)] = &[
    // Size, amount, degree.
    ("lớn", "nhỏ"),
    ("to", "nhỏ"),
    ("nhiều", "ít"),
    ("cao", "thấp"),
    ("dài", "ngắn"),
    ("rộng", "hẹp"),
    ("nặng", "nhẹ"),
    ("mạnh", "yếu"),
    ("nhanh", "chậm"),
    ("sớm", "muộn"),
    ("sớm", "trễ"),
    ("xa", "gần"),
    ("sâu", "nông"),
    ("đông", "vắng"),
    ("giàu", "nghèo"),
    ("đắt", "rẻ"),
    ("nóng", "lạnh"),
    ("tối đa", "tối thiểu"),
    ("nhiều nhất", "ít nhất"),
    ("cao nhất", "thấp nhất"),
    ("lớn nhất", "nhỏ nhất"),
    ("đầu tiên", "cuối cùng"),
    // Change.
    ("tăng", "giảm"),
    ("tăng", "hạ"),
    ("tăng trưởng", "suy giảm"),
    ("mở rộng", "thu hẹp"),
    ("mở", "đóng"),
    ("mở cửa", "đóng cửa"),
    ("bắt đầu", "kết thúc"),
    ("khởi công", "hoàn thành"),
    ("nhập khẩu", "xuất khẩu"),
    ("nhập", "xuất"),
    ("mua", "bán"),
    ("vay", "cho vay"),
    ("thu", "chi"),
    ("lãi", "lỗ"),
    ("thặng dư", "thâm hụt"),
    ("xuất siêu", "nhập siêu"),
    // Time and order.
    ("trước", "sau"),
    ("trước khi", "sau khi"),
    ("đầu", "cuối"),
    ("sáng", "chiều"),
    ("sáng", "tối"),
    ("ngày", "đêm"),
    ("cũ", "mới"),
    // Holding an office now or no longer.
    ("cựu", "hiện là"),
    ("cựu", "hiện đang"),
    ("cựu", "đương kim"),
    ("cựu", "đương nhiệm"),
    ("quá khứ", "tương lai"),
    ("trên", "dưới"),
    ("trong", "ngoài"),
    ("trong nước", "nước ngoài"),
    ("nội địa", "quốc tế"),
    ("bắc", "nam"),
    ("đông", "tây"),
    ("lên", "xuống"),
    ("vào", "ra"),
    ("đến", "đi"),
    // Outcome, stance, quality.
    ("thắng", "thua"),
    ("chiến thắng", "thất bại"),
    ("thành công", "thất bại"),
    ("đỗ", "trượt"),
    ("đạt", "không đạt"),
    ("được", "mất"),
    ("tấn công", "phòng ngự"),
    ("tấn công", "phòng thủ"),
    ("đồng ý", "từ chối"),
    ("chấp nhận", "từ chối"),
    ("chấp thuận", "từ chối"),
    ("ủng hộ", "phản đối"),
    ("đồng tình", "phản đối"),
    ("thừa nhận", "phủ nhận"),
    ("cho phép", "cấm"),
    ("hợp pháp", "bất hợp pháp"),
    ("hợp pháp", "trái phép"),
    ("đúng", "sai"),
    ("tốt", "xấu"),
    ("tích cực", "tiêu cực"),
    ("thuận lợi", "khó khăn"),
    ("dễ", "khó"),
    ("an toàn", "nguy hiểm"),
    ("ổn định", "bất ổn"),
    ("khen", "chê"),
    ("khen ngợi", "chỉ trích"),
    ("thưởng", "phạt"),
    ("sống", "chết"),
    ("có", "không có"),
    ("còn", "hết"),
    ("đủ", "thiếu"),
    ("thừa", "thiếu"),
    ("cùng", "khác"),
    ("giống", "khác"),
    ("chính thức", "không chính thức"),
    ("công khai", "bí mật"),
    ("tư nhân", "nhà nước"),
    ("công lập", "tư thục"),
    ("nam", "nữ"),
    ("đàn ông", "phụ nữ"),
    ("bé trai", "bé gái"),
    ("con trai", "con gái"),
    ("cha", "mẹ"),
    ("bố", "mẹ"),
    ("ông", "bà"),
    ("chồng", "vợ"),
    ("anh", "chị"),
    ("trẻ", "già"),
    ("người lớn", "trẻ em"),
    ("thành thị", "nông thôn"),
    ("thủ công", "tự động"),
    ("trực tiếp", "gián tiếp"),
    ("trực tuyến", "trực tiếp"),
    ("tạm thời", "vĩnh viễn"),
    ("ngắn hạn", "dài hạn"),
    ("tăng cường", "hạn chế"),
    ("khuyến khích", "hạn chế"),
    ("giữ nguyên", "thay đổi"),
    ("xác nhận", "bác bỏ"),
    ("xác nhận", "phủ nhận"),
    ("bổ nhiệm", "miễn nhiệm"),
    ("thành lập", "giải thể"),
    ("tham gia", "rút khỏi"),
    // Feeling and attitude.
    ("vui", "buồn"),
    ("lạc quan", "bi quan"),
    ("tin tưởng", "nghi ngờ"),
    ("hài lòng", "bất mãn"),
    ("yêu", "ghét"),
    ("thích", "ghét"),
    ("hoan nghênh", "phản đối"),
    ("hy vọng", "thất vọng"),
    ("chủ động", "bị động"),
    ("tự nguyện", "bắt buộc"),
    ("miễn phí", "thu phí"),
    ("hòa bình", "chiến tranh"),
    ("hiện đại", "lạc hậu"),
    // English.
    ("more", "less"),
    ("former", "current"),
    ("former", "incumbent"),
    ("more", "fewer"),
    ("most", "least"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("higher", "lower"),
    ("high", "low"),
    ("large", "small"),
    ("larger", "smaller"),
    ("big", "small"),
    ("before", "after"),
    ("early", "late"),
    ("first", "last"),
    ("win", "lose"),
    ("won", "lost"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("agree", "refuse"),
    ("agreed", "refused"),
    ("allow", "ban"),
    ("allowed", "banned"),
    ("confirm", "deny"),
    ("confirmed", "denied"),
    ("appoint", "dismiss"),
    ("appointed", "dismissed"),
    ("join", "leave"),
    ("joined", "left"),
    ("support", "oppose"),
    ("male", "female"),
    ("men", "women"),
    ("import", "export"),
    ("imports", "exports"),
    ("profit", "loss"),
    ("north", "south"),
    ("east", "west"),
    ("open", "closed"),
    ("legal", "illegal"),
    ("happy", "sad"),
    ("optimistic", "pessimistic"),
    ("trust", "doubt"),
    ("love", "hate"),
    ("welcome", "oppose"),
    ("welcomed", "opposed"),
    ("voluntary", "mandatory"),
    ("free", "paid"),
    ("peace", "war"),
    // Parts of the day: an event placed in one is not in another.
    ("sáng", "chiều"),
    ("sáng", "tối"),
    ("sáng", "đêm"),
    ("trưa", "tối"),
    ("trưa", "đêm"),
    ("chiều", "tối"),
    ("chiều", "đêm"),
    ("morning", "afternoon"),
    ("morning", "evening"),
    ("morning", "night"),
    ("afternoon", "evening"),
    ("afternoon", "night"),
];

/// Classes of phrases that state the same thing in a news report, lowercase
/// with diacritics, words one space apart.
const EQUIVALENT_PHRASES: &[&[&str]] = &[
    // Verbs of saying that introduce reported speech.
    &[
        "cho biết",
        "cho hay",
        "nói",
        "phát biểu",
        "chia sẻ",
        "khẳng định",
        "nhấn mạnh",
        "tuyên bố",
        "thông tin",
        "nêu",
        "nêu rõ",
        "said",
        "says",
        "stated",
        "told",
        "noted",
    ],
    // Taking part.
    &[
        "tham gia",
        "tham dự",
        "góp mặt",
        "took part",
        "attended",
        "joined",
    ],
    // Prepositions placing an event in time.
    &["vào", "hồi", "vào lúc", "lúc", "on", "at", "in"],
    // About, for a figure (the figure engine reads the figure itself).
    &[
        "khoảng",
        "chừng",
        "xấp xỉ",
        "about",
        "around",
        "approximately",
    ],
];

static EQUIVALENT_CLASS: LazyLock<std::collections::HashMap<&'static str, usize>> =
    LazyLock::new(|| {
        EQUIVALENT_PHRASES
            .iter()
            .enumerate()
            .flat_map(|(class, phrases)| phrases.iter().map(move |phrase| (*phrase, class)))
            .collect()
    });

/// True when two phrases (lowercase words) are different members of one
/// class of [`EQUIVALENT_PHRASES`]: the claim says in other words what the
/// source says ("cho hay" for "cho biết", "góp mặt" for "tham gia").
pub fn equivalent_phrases(first: &[&str], second: &[&str]) -> bool {
    // A phrase of one word (most calls) is looked up without joining.
    let class = |words: &[&str]| match words {
        [word] => EQUIVALENT_CLASS.get(word).copied(),
        _ => EQUIVALENT_CLASS.get(words.join(" ").as_str()).copied(),
    };
    if first == second {
        return false;
    }
    let first_class = class(first);
    first_class.is_some() && first_class == class(second)
}

/// Number-scale words, lowercase; synonyms share a canonical form through
/// [`canonical_key`].
const SCALE_WORDS: &[&str] = &[
    "chục", "trăm", "nghìn", "ngàn", "vạn", "triệu", "tỷ", "tỉ", "dozen", "hundred", "thousand",
    "million", "billion", "trillion",
];

/// Words that open an added clause, lowercase; two-word ones are written
/// with one space.
const CLAUSE_OPENERS: &[&str] = &[
    "và",
    "nhưng",
    "do",
    "vì",
    "để",
    "khi",
    "sau khi",
    "trước khi",
    "nhằm",
    "bởi",
    "nên",
    "mà",
    "trong khi",
    "đồng thời",
    "tuy nhiên",
    "nhờ",
    "dù",
    "mặc dù",
    "nếu",
    "vì vậy",
    "do đó",
    "and",
    "but",
    "because",
    "due",
    "while",
    "after",
    "since",
    "although",
    "so",
];

/// Exclusive and universal quantifiers, lowercase, words one space apart.
const QUANTIFIERS: &[&str] = &[
    "chỉ có",
    "chỉ là",
    "chỉ được",
    "chỉ cần",
    "duy nhất",
    "tất cả",
    "toàn bộ",
    "mọi",
    "đều",
    "hoàn toàn",
    "luôn",
    "không bao giờ",
    "lần đầu tiên",
    "only",
    "all",
    "every",
    "always",
    "never",
];

/// The universal ones among [`QUANTIFIERS`]: a source that counts a whole
/// ("21/21 xã") states them in figures.
const UNIVERSAL_QUANTIFIERS: &[&str] = &["tất cả", "toàn bộ", "mọi", "all", "every"];

/// [`QUANTIFIERS`] split into words, once.
static QUANTIFIER_WORDS: LazyLock<Vec<Vec<&'static str>>> =
    LazyLock::new(|| QUANTIFIERS.iter().map(|q| q.split(' ').collect()).collect());

/// The exclusive or universal quantifiers `claim` holds and `source` does
/// not (both lowercase words); universal ones are not added when the source
/// counts a whole (`source_counts_whole`).
pub fn quantifiers_added(claim: &[&str], source: &[&str], source_counts_whole: bool) -> usize {
    QUANTIFIERS
        .iter()
        .zip(QUANTIFIER_WORDS.iter())
        .filter(|(quantifier, _)| {
            !(source_counts_whole && UNIVERSAL_QUANTIFIERS.contains(quantifier))
        })
        .filter(|(_, words)| holds_phrase(claim, words) && !holds_phrase(source, words))
        .count()
}

/// Common Vietnamese family names, lowercase.
const FAMILY_NAMES: &[&str] = &[
    "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ",
    "hồ", "ngô", "dương", "lý", "đào", "đoàn", "trịnh", "trương", "đinh", "lương", "lưu", "vương",
    "phùng",
];

/// Nouns after which a capitalised run names a place, lowercase.
const PLACE_WORDS: &[&str] = &[
    "tp",
    "phố",
    "tỉnh",
    "huyện",
    "quận",
    "xã",
    "phường",
    "trấn",
    "đường",
    "sân",
    "cầu",
    "chợ",
    "trường",
    "viện",
    "làng",
    "thôn",
    "bản",
    "sông",
    "núi",
    "cảng",
    "bến",
];

/// True for a common family name (lowercase word).
pub fn is_family_name(lower: &str) -> bool {
    FAMILY_NAMES.contains(&lower)
}

/// True for a noun that puts a place name after it (lowercase word).
pub fn is_place_word(lower: &str) -> bool {
    PLACE_WORDS.contains(&lower)
}

static NEGATOR_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NEGATORS.iter().copied().collect());
static SCALE_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| SCALE_WORDS.iter().copied().collect());

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("hai", 2),
    ("ba", 3),
    ("bốn", 4),
    ("sáu", 6),
    ("bảy", 7),
    ("bẩy", 7),
    ("tám", 8),
    ("chín", 9),
    ("mười", 10),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
];

/// Whether a word of this folded form can be a cardinal number word: a
/// test on the form at hand before the lowercase form is made.
pub fn may_be_number_word(folded: &str) -> bool {
    static FOLDED: LazyLock<crate::hashing::FastSet<String>> = LazyLock::new(|| {
        NUMBER_WORDS
            .iter()
            .map(|(word, _)| crate::text::fold(word))
            .collect()
    });
    FOLDED.contains(folded)
}

/// The value of a cardinal number word (lowercase, diacritics kept).
pub fn number_word_value(lower: &str) -> Option<u32> {
    NUMBER_WORDS
        .iter()
        .find(|(word, _)| *word == lower)
        .map(|(_, value)| *value)
}

/// Sino-Vietnamese compounds whose "không" means air or space (空), not
/// "not": the word after it ("không khí", "không gian", "không quân") or
/// before it ("hàng không", "phòng không").
const AIR_AFTER_KHONG: &[&str] = &[
    "khí", "gian", "quân", "phận", "trung", "vận", "lưu", "ảnh", "kích",
];
const AIR_BEFORE_KHONG: &[&str] = &["hàng", "phòng", "hư"];

/// True for a negative adverb (lowercase word).
pub fn is_negator(lower: &str) -> bool {
    NEGATOR_SET.contains(lower)
}

/// True when `words[index]` negates what follows it: a negator that is not
/// part of an air or space compound ("hàng không") and does not open
/// "không chỉ" / "not only" (which adds, not denies).
pub fn negates_at(words: &[&str], index: usize) -> bool {
    let Some(word) = words.get(index) else {
        return false;
    };
    if !is_negator(word) {
        return false;
    }
    let next = words.get(index + 1).copied().unwrap_or("");
    let previous = index.checked_sub(1).map_or("", |i| words[i]);
    if next == "chỉ" || next == "only" {
        return false;
    }
    !(*word == "không" && (AIR_AFTER_KHONG.contains(&next) || AIR_BEFORE_KHONG.contains(&previous)))
}

/// True for a word that makes the title after it a deputy's office
/// (lowercase word): Vietnamese "phó", English "deputy" and "vice".
pub fn is_deputy_marker(lower: &str) -> bool {
    matches!(lower, "phó" | "deputy" | "vice")
}

/// True for a syllable that makes a following "phó" part of a verb, not
/// the deputy marker: "đối phó" (cope with), "giao phó" (entrust).
pub fn ends_compound_with_pho(lower: &str) -> bool {
    matches!(lower, "đối" | "giao" | "ứng")
}

/// True for a number-scale word (lowercase word).
pub fn is_scale_word(lower: &str) -> bool {
    SCALE_SET.contains(lower)
}

/// True when `words` (lowercase, one space apart) starting at the first
/// word open an added clause.
pub fn opens_clause(words: &[&str]) -> bool {
    CLAUSE_OPENERS.iter().any(|opener| {
        let parts: Vec<&str> = opener.split(' ').collect();
        words.len() >= parts.len() && words[..parts.len()] == parts[..]
    })
}

/// One side of an opposite pair, split into words.
struct OppositeSide {
    words: Vec<&'static str>,
    text: &'static str,
}

/// Each pair's two sides, split once, and where each side may start: the
/// pairs by the first word of a side, so that a phrase is checked against
/// the few pairs one of its words opens rather than against every pair.
struct OppositeTable {
    sides: Vec<[OppositeSide; 2]>,
    /// First word of a side → (pair, which side), in pair order.
    by_first_word: HashMap<&'static str, Vec<(usize, usize)>>,
}

static OPPOSITE_TABLE: LazyLock<OppositeTable> = LazyLock::new(|| {
    let side = |text: &'static str| OppositeSide {
        words: text.split(' ').collect(),
        text,
    };
    let sides: Vec<[OppositeSide; 2]> = OPPOSITES.iter().map(|(a, b)| [side(a), side(b)]).collect();
    let mut by_first_word: HashMap<&'static str, Vec<(usize, usize)>> = HashMap::new();
    for (pair, both) in sides.iter().enumerate() {
        for (which, side) in both.iter().enumerate() {
            by_first_word
                .entry(side.words[0])
                .or_default()
                .push((pair, which));
        }
    }
    OppositeTable {
        sides,
        by_first_word,
    }
});

/// True when `phrase` holds `words` as consecutive whole words.
fn holds_phrase(phrase: &[&str], words: &[&str]) -> bool {
    phrase.windows(words.len()).any(|window| window == words)
}

/// An opposite pair with one side in each phrase (lowercase words), where
/// neither phrase holds both sides (then it is a contrast inside one side,
/// not a substitution). Pairs are tried in their listed order, each side of
/// a pair first as it is written.
pub fn opposite_pair(first: &[&str], second: &[&str]) -> Option<(&'static str, &'static str)> {
    let table = &*OPPOSITE_TABLE;
    let mut openings: Vec<(usize, usize)> = first
        .iter()
        .filter_map(|word| table.by_first_word.get(word))
        .flatten()
        .copied()
        .collect();
    openings.sort_unstable();
    openings.dedup();
    openings.into_iter().find_map(|(pair, which)| {
        let (x, y) = (&table.sides[pair][which], &table.sides[pair][1 - which]);
        (holds_phrase(first, &x.words)
            && holds_phrase(second, &y.words)
            && !holds_phrase(first, &y.words)
            && !holds_phrase(second, &x.words))
        .then_some((x.text, y.text))
    })
}

/// True when the letters of `abbreviation` (folded) start consecutive
/// `words` (folded), as Vietnamese and English abbreviations are formed
/// ("hdnd" ~ "hội đồng nhân dân").
pub fn initials_spell(abbreviation: &str, words: &[&str]) -> bool {
    let initials: Vec<char> = words
        .iter()
        .map(|word| word.chars().next().unwrap_or(' '))
        .collect();
    initials_run(abbreviation, &initials)
}

/// True when the letters of `abbreviation` are a run of `initials` (the
/// first letters of consecutive words; a space for an empty word, which
/// no letter matches).
pub fn initials_run(abbreviation: &str, initials: &[char]) -> bool {
    let length = abbreviation.chars().count();
    length > 0
        && initials
            .windows(length)
            .any(|run| run.iter().copied().eq(abbreviation.chars()))
}

/// The form two words are matched by: folded (no diacritics, lowercase),
/// with the orthographic i/y alternation after a consonant and "ngan"
/// (ngàn) read as "nghin".
pub fn canonical_key(folded: std::borrow::Cow<'_, str>) -> String {
    if folded == "ngan" {
        return "nghin".to_string();
    }
    // A folded word already owned (most Vietnamese words) becomes the key
    // without a copy.
    final_y_as_i(&folded).unwrap_or_else(|| folded.into_owned())
}

/// A lowercase word (diacritics kept) with the spelling variants of
/// [`canonical_key`] made one: "ngàn" is "nghìn", and a final "y" after a
/// consonant is "i" with the same tone mark (kỹ/kĩ, lý/lí, tỷ/tỉ).
pub fn spelling_key(lower: &str) -> String {
    if lower == "ngàn" {
        return "nghìn".to_string();
    }
    final_y_as_i(lower).unwrap_or_else(|| lower.to_string())
}

/// The one rule of the i/y alternation both keys use: in a word of two or
/// three letters, a final "y" (with any tone mark) after a consonant is
/// written "i" with the same mark (ty/ti, kỹ/kĩ, lý/lí).
fn final_y_as_i(word: &str) -> Option<String> {
    let mut reversed = word.chars().rev();
    let (last, before) = (reversed.next()?, reversed.next()?);
    let letters = 2 + reversed.count();
    let as_i = match last {
        'y' => 'i',
        'ý' => 'í',
        'ỳ' => 'ì',
        'ỷ' => 'ỉ',
        'ỹ' => 'ĩ',
        'ỵ' => 'ị',
        _ => return None,
    };
    let consonant =
        before.is_ascii_alphabetic() && !matches!(before, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    if !(2..=3).contains(&letters) || !consonant {
        return None;
    }
    let mut key = word[..word.len() - last.len_utf8()].to_string();
    key.push(as_i);
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_phrases_are_other_members_of_one_class() {
        let cases: &[(&str, &str, bool)] = &[
            ("cho hay", "cho biết", true),
            ("góp mặt", "tham gia", true),
            ("hồi", "vào", true),
            ("cho biết", "cho biết", false),
            ("cho hay", "tham gia", false),
            ("cho hay rằng", "cho biết", false),
            ("gần", "khoảng", false),
        ];
        check_phrase_pairs(cases, equivalent_phrases);
    }

    /// Runs a table of (first phrase, second phrase, expected) through a
    /// test of two phrases, each split into words at spaces.
    fn check_phrase_pairs(cases: &[(&str, &str, bool)], holds: impl Fn(&[&str], &[&str]) -> bool) {
        for (first, second, expected) in cases {
            let a: Vec<&str> = first.split(' ').collect();
            let b: Vec<&str> = second.split(' ').collect();
            assert_eq!(holds(&a, &b), *expected, "{first:?} / {second:?}");
        }
    }

    #[test]
    fn opposites_are_found_on_either_side_and_not_inside_one() {
        let cases: &[(&str, &str, bool)] = &[
            ("thua", "thắng", true),
            ("thắng", "thua", true),
            ("tăng mạnh", "giảm mạnh", true),
            ("tặng", "giảm", false),
            ("từ chối ký", "đồng ý ký", true),
            ("tăng giảm", "giảm", false),
            ("lớn", "lớn", false),
            ("more", "less", true),
            ("hiện đang là", "cựu", true),
            ("former", "current", true),
            ("một ngày vui", "một ngày buồn", true),
            ("bày tỏ tin tưởng", "nghi ngờ", true),
            ("sáng ngày", "chiều", true),
            ("on the morning", "on the evening", true),
            ("chiều tối", "tối", false),
        ];
        check_phrase_pairs(cases, |a, b| opposite_pair(a, b).is_some());
    }

    #[test]
    fn a_negator_negates_unless_it_names_the_air_or_opens_not_only() {
        // (words, index of the word, negates).
        let cases: &[(&str, usize, bool)] = &[
            ("không đạt được thỏa thuận", 0, true),
            ("chưa từng có", 0, true),
            ("did not agree", 1, true),
            ("không chỉ tăng", 0, false),
            ("not only grew", 0, false),
            ("chất lượng không khí", 2, false),
            ("hãng hàng không quốc gia", 2, false),
            ("lực lượng phòng không", 2, false),
            ("không phải là", 0, true),
            ("đạt được", 0, false),
            ("không", 3, false),
        ];
        for (text, index, expected) in cases {
            let words: Vec<&str> = text.split(' ').collect();
            assert_eq!(negates_at(&words, *index), *expected, "{text:?} at {index}");
        }
    }

    #[test]
    fn spelling_variants_share_a_key() {
        let cases = [
            ("ky", "ki"),
            ("ly", "li"),
            ("ty", "ti"),
            ("ngan", "nghin"),
            ("tay", "tay"),
            ("quy", "quy"),
            ("huy", "huy"),
            ("my", "mi"),
            ("nghiep", "nghiep"),
        ];
        for (folded, key) in cases {
            assert_eq!(canonical_key((*folded).into()), key, "{folded}");
        }
    }

    #[test]
    fn spelling_keys_keep_tones_and_join_variants() {
        let cases = [
            ("kỹ", "kĩ"),
            ("lý", "lí"),
            ("tỷ", "tỉ"),
            ("ngàn", "nghìn"),
            ("quý", "quý"),
            ("tây", "tây"),
            ("của", "của"),
            ("cửa", "cửa"),
        ];
        for (lower, key) in cases {
            assert_eq!(spelling_key(lower), key, "{lower}");
        }
    }

    #[test]
    fn clause_openers_of_one_and_two_words() {
        assert!(opens_clause(&["do", "chính", "phủ"]));
        assert!(opens_clause(&["sau", "khi", "họp"]));
        assert!(!opens_clause(&["sau", "đó"]));
        assert!(is_negator("không") && !is_negator("có"));
        assert!(is_scale_word("tỷ") && !is_scale_word("đồng"));
    }

    #[test]
    fn quantifiers_count_when_the_claim_adds_them() {
        // (claim, source, the source counts a whole, expected)
        let cases: &[(&str, &str, bool, usize)] = &[
            (
                "xi măng là hàng hóa duy nhất",
                "xi măng sắt thép nhôm",
                false,
                1,
            ),
            ("tất cả các môn đều thi", "các môn còn lại thi", false, 2),
            ("các môn đều thi", "các môn đều thi", false, 0),
            ("ông chỉ đạo các sở", "ông yêu cầu các sở", false, 0),
            ("only two teams", "two teams", false, 1),
            ("tại tất cả 21 xã", "tại 21 21 xã", true, 0),
            ("tại tất cả 21 xã", "tại 21 xã", false, 1),
            ("xã duy nhất", "tại 21 21 xã", true, 1),
        ];
        for (claim, source, whole, expected) in cases {
            let claim: Vec<&str> = claim.split(' ').collect();
            let source: Vec<&str> = source.split(' ').collect();
            assert_eq!(
                quantifiers_added(&claim, &source, *whole),
                *expected,
                "{claim:?}"
            );
        }
    }
}
