//! A deterministic generator of news-like articles and labelled claims, for
//! benchmarks and load tests. Vietnamese and English articles about made-up
//! places, with counts, percentages, fractions, changes, dates, years,
//! ranks, money and identifiers in varied sentence patterns; each claim is
//! labelled SUPPORTED (a stated figure), REFUTED (the figure altered) or
//! NOT_ENOUGH_INFO (a place no article mentions). Pure, but for
//! [`Corpus::from_setting`], which may read real articles for their words.
//!
//! Two corpora: [`article`] writes facts between six fixed filler
//! sentences about 1,600 place names (a templated, repetitive archive);
//! [`ZipfCorpus`] writes the same facts between filler sentences whose
//! words are drawn from a Zipf law (the frequency of the word of rank r
//! falls as 1/r) over a vocabulary (the syllables of real articles with
//! their counts, when given, or a built-in one), in varied lengths, about
//! places named from a space of over a million names: an archive whose
//! term statistics look like news.

use claimcheck::model::Verdict;

/// A small deterministic random source (64-bit LCG).
#[derive(Debug, Clone)]
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

const SYLLABLES: &[&str] = &[
    "Tân", "Phú", "Lạc", "Sơn", "Hưng", "Thịnh", "An", "Bình", "Long", "Khánh", "Vĩnh", "Phước",
    "Hòa", "Lộc", "Thạnh", "Đức", "Minh", "Tiến", "Lâm", "Xuân", "Thủy", "Kim", "Ngọc", "Quế",
    "Yên", "Mỹ", "Hải", "Đông", "Trung", "Nam", "Bắc", "Tây", "Hồng", "Lương", "Cẩm", "Thái",
    "Gia", "Bảo", "Quang", "Hà",
];
const ASCII_SYLLABLES: &[&str] = &[
    "Tan", "Phu", "Lac", "Son", "Hung", "Thinh", "An", "Binh", "Long", "Khanh", "Vinh", "Phuoc",
    "Hoa", "Loc", "Thanh", "Duc", "Minh", "Tien", "Lam", "Xuan", "Thuy", "Kim", "Ngoc", "Que",
];
const VI_PREFIXES: &[&str] = &["huyện", "thị xã", "thành phố", "xã", "phường"];
const VI_UNITS: &[&str] = &[
    "cán bộ",
    "công chức",
    "biên chế",
    "đầu mối",
    "trường học",
    "điểm trường",
    "thôn",
    "tổ dân phố",
    "cơ quan",
    "đơn vị sự nghiệp",
    "hộ dân",
    "phòng ban",
    "chức danh",
    "viên chức",
    "người lao động",
];
const VI_VERBS_DOWN: &[&str] = &["giảm", "cắt giảm", "tinh giản", "giảm được"];
const VI_VERBS_UP: &[&str] = &["tăng", "tăng thêm", "bổ sung thêm"];
const VI_SUBJECTS: &[&str] = &[
    "đảng viên hoàn thành nhiệm vụ",
    "hộ dân có nước sạch",
    "học sinh đến trường",
    "thủ tục giải quyết đúng hạn",
    "người dân hài lòng",
    "xã đạt chuẩn nông thôn mới",
    "hồ sơ trực tuyến",
];
const VI_FILLERS: &[&str] = &[
    "Công tác cải cách hành chính tiếp tục được đẩy mạnh, tạo chuyển biến rõ nét.",
    "Chất lượng đội ngũ cán bộ từng bước được nâng lên, đáp ứng yêu cầu nhiệm vụ.",
    "Các cấp ủy, chính quyền đã chủ động rà soát, sắp xếp tổ chức bộ máy tinh gọn.",
    "Người dân đồng tình, ủng hộ chủ trương sắp xếp lại các đơn vị hành chính.",
    "Địa phương tiếp tục đẩy mạnh ứng dụng công nghệ thông tin trong quản lý.",
    "Việc kiện toàn bộ máy đã khắc phục tình trạng chồng chéo chức năng, nhiệm vụ.",
];
const DOCUMENT_KINDS: &[&str] = &[
    "Nghị quyết số",
    "Nghị định",
    "Quyết định số",
    "Kế hoạch số",
    "Chỉ thị số",
];
const EN_UNITS: &[&str] = &[
    "officials",
    "civil servants",
    "staff positions",
    "schools",
    "villages",
    "offices",
    "households",
    "agencies",
];
const EN_SUBJECTS: &[&str] = &[
    "households with clean water",
    "students attending school",
    "procedures handled on time",
    "residents satisfied with services",
];
const EN_FILLERS: &[&str] = &[
    "Administrative reform continued to make steady progress this year.",
    "Local leaders said the restructuring had reduced overlapping duties.",
    "Residents broadly supported the merger of administrative units.",
    "Officials plan to expand online public services next year.",
];

/// Extra syllables for the Zipf corpus's place names: with [`SYLLABLES`],
/// 80 syllables, so two- and three-syllable names number over 500,000.
const MORE_SYLLABLES: &[&str] = &[
    "Bạch",
    "Cao",
    "Chi",
    "Diên",
    "Định",
    "Giang",
    "Hạ",
    "Hiệp",
    "Hoàng",
    "Khê",
    "La",
    "Lê",
    "Linh",
    "Mai",
    "Ninh",
    "Phong",
    "Quan",
    "Quý",
    "Sa",
    "Tam",
    "Thạch",
    "Thanh",
    "Thọ",
    "Thuận",
    "Tịnh",
    "Trà",
    "Trường",
    "Tú",
    "Tuy",
    "Văn",
    "Vân",
    "Việt",
    "Võ",
    "Vũ",
    "Hương",
    "Điện",
    "Châu",
    "Cửu",
    "Bố",
    "Ea",
];

/// Syllables for the Zipf corpus's words when no real articles are given:
/// common Vietnamese syllables, roughly most frequent first.
const BUILT_IN_VOCABULARY: &[&str] = &[
    "và",
    "của",
    "các",
    "có",
    "được",
    "trong",
    "là",
    "cho",
    "người",
    "với",
    "không",
    "đã",
    "những",
    "này",
    "một",
    "năm",
    "động",
    "thành",
    "công",
    "nhà",
    "tại",
    "đến",
    "từ",
    "phát",
    "nước",
    "ngày",
    "hiện",
    "quốc",
    "sự",
    "khi",
    "để",
    "ra",
    "nhiều",
    "dân",
    "theo",
    "cũng",
    "đầu",
    "về",
    "hành",
    "sản",
    "tư",
    "làm",
    "sẽ",
    "vào",
    "tỉnh",
    "trên",
    "mới",
    "đó",
    "thể",
    "học",
    "kinh",
    "tế",
    "quan",
    "hội",
    "đồng",
    "giá",
    "lý",
    "doanh",
    "nghiệp",
    "tiếp",
    "tục",
    "thông",
    "tin",
    "chính",
    "phủ",
    "bộ",
    "cán",
    "địa",
    "phương",
    "triển",
    "khai",
    "dự",
    "án",
    "đất",
    "đai",
    "xây",
    "dựng",
    "giao",
    "thông",
    "y",
    "tế",
    "giáo",
    "dục",
    "an",
    "ninh",
    "trật",
    "tự",
    "thị",
    "trường",
    "chứng",
    "khoán",
    "ngân",
    "hàng",
    "lãi",
    "suất",
    "xuất",
    "khẩu",
    "nhập",
    "du",
    "lịch",
    "văn",
    "hóa",
    "thể",
    "thao",
    "bóng",
    "đá",
    "đội",
    "tuyển",
    "trận",
    "đấu",
    "bệnh",
    "viện",
    "bác",
    "sĩ",
    "học",
    "sinh",
    "sinh",
    "viên",
    "trường",
    "đại",
    "lớp",
    "điện",
    "xăng",
    "dầu",
    "cao",
    "tốc",
    "cầu",
    "đường",
    "cảng",
    "sân",
    "bay",
    "máy",
    "bay",
    "nông",
    "thôn",
    "nông",
    "dân",
    "lúa",
    "gạo",
    "cà",
    "phê",
    "thủy",
    "sản",
    "rừng",
    "biển",
    "mưa",
    "bão",
    "lũ",
    "hạn",
    "mặn",
    "nắng",
    "nóng",
    "lạnh",
    "gió",
    "sạt",
    "lở",
    "cứu",
    "hộ",
    "tai",
    "nạn",
    "vụ",
    "việc",
    "điều",
    "tra",
    "khởi",
    "tố",
    "bắt",
    "giữ",
    "xét",
    "xử",
    "tòa",
    "án",
    "luật",
    "sư",
    "bị",
    "cáo",
    "nghị",
    "định",
    "quyết",
    "thông",
    "tư",
    "chỉ",
    "thị",
    "kế",
    "hoạch",
    "chương",
    "trình",
    "mục",
    "tiêu",
    "nhiệm",
    "vụ",
    "giải",
    "pháp",
    "tăng",
    "giảm",
    "cao",
    "thấp",
    "lớn",
    "nhỏ",
    "mạnh",
    "yếu",
    "nhanh",
    "chậm",
    "đông",
    "ít",
    "tốt",
    "xấu",
    "đẹp",
    "rõ",
    "sâu",
    "rộng",
    "hẹp",
    "dài",
    "ngắn",
    "mở",
    "đóng",
    "bán",
    "mua",
    "thu",
    "chi",
    "vốn",
    "nợ",
    "lương",
    "thưởng",
    "phạt",
    "thuế",
    "phí",
    "quỹ",
    "tiền",
    "đồng",
    "chiếm",
    "đạt",
    "vượt",
    "hoàn",
    "thành",
    "đề",
    "xuất",
    "kiến",
    "nghị",
    "báo",
    "cáo",
    "họp",
    "ủy",
    "ban",
    "thường",
    "trực",
    "đoàn",
    "kiểm",
    "thanh",
    "giám",
    "sát",
    "phối",
    "hợp",
];

/// A vocabulary with Zipf weights: the word of rank r (from 1) is drawn
/// with probability proportional to 1/r.
#[derive(Debug, Clone)]
pub struct ZipfCorpus {
    words: Vec<String>,
    /// Cumulative weights, for drawing by binary search.
    cumulative: Vec<f64>,
    names: Vec<&'static str>,
}

impl ZipfCorpus {
    /// A corpus drawing on `words`, most frequent first (repeats removed).
    pub fn new(words: Vec<String>) -> ZipfCorpus {
        let mut seen = std::collections::HashSet::new();
        let words: Vec<String> = words
            .into_iter()
            .filter(|word| seen.insert(word.clone()))
            .collect();
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        let names = SYLLABLES.iter().chain(MORE_SYLLABLES).copied().collect();
        ZipfCorpus {
            words,
            cumulative,
            names,
        }
    }

    /// The built-in vocabulary.
    pub fn built_in() -> ZipfCorpus {
        ZipfCorpus::new(BUILT_IN_VOCABULARY.iter().map(|w| w.to_string()).collect())
    }

    /// The vocabulary of real articles: their lower-cased words, most
    /// frequent first (ties in first-seen order).
    pub fn from_texts<S: AsRef<str>>(texts: &[S]) -> ZipfCorpus {
        let mut counts: std::collections::HashMap<String, (usize, usize)> = Default::default();
        for text in texts {
            for word in text.as_ref().split_whitespace() {
                let word: String = word
                    .trim_matches(|c: char| !c.is_alphabetic())
                    .to_lowercase();
                if word.is_empty() || word.chars().any(|c| !c.is_alphabetic()) {
                    continue;
                }
                let order = counts.len();
                counts.entry(word).or_insert((0, order)).0 += 1;
            }
        }
        let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
        ZipfCorpus::new(ranked.into_iter().map(|(word, _)| word).collect())
    }

    pub fn vocabulary_size(&self) -> usize {
        self.words.len()
    }

    fn word(&self, random: &mut Random) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let point = (random.next_u64() as f64 / (1u64 << 31) as f64) * total;
        let rank = self.cumulative.partition_point(|c| *c < point);
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// A place name of two or three syllables.
    fn place(&self, random: &mut Random) -> String {
        let syllables = random.between(2, 3);
        (0..syllables)
            .map(|_| *random.pick(&self.names))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A filler sentence of 8 to 35 Zipf-drawn words, sometimes naming
    /// another place or holding a figure.
    fn filler(&self, random: &mut Random) -> String {
        let length = random.between(8, 35) as usize;
        let mut words: Vec<String> = (0..length).map(|_| self.word(random).to_string()).collect();
        if random.between(0, 3) == 0 {
            let at = random.between(0, length as u64 - 1) as usize;
            words.insert(at, self.place(random));
        }
        if random.between(0, 2) == 0 {
            let at = random.between(0, length as u64 - 1) as usize;
            words.insert(at, random.between(2, 5000).to_string());
        }
        let mut sentence = capitalise(&words.join(" "));
        sentence.push('.');
        sentence
    }

    /// Article `index` (the same index always gives the same article):
    /// a title, a dateline, and paragraphs where a third of the sentences
    /// state a fact about the article's place and the rest are filler;
    /// with a SUPPORTED and a REFUTED claim about one fact.
    pub fn article(&self, seed: u64, index: u64, sentences: usize) -> (Article, Vec<LabelledFact>) {
        let mut random = Random::new(seed.wrapping_mul(31).wrapping_add(index));
        let place = self.place(&mut random);
        let document_id = format!("zipf-{index:08}.txt");
        let prefix = random.pick(VI_PREFIXES);
        let (year, month, day) = (
            random.between(2015, 2024),
            random.between(1, 12),
            random.between(1, 28),
        );
        let text = format!(
            "{} {place}: {}\n\n{day:02}/{month:02}/{year} 08:30\n\n",
            capitalise(prefix),
            self.filler(&mut random).trim_end_matches('.')
        );
        write_article(
            document_id,
            text,
            sentences,
            &mut random,
            (2, 6),
            |random| {
                if random.between(0, 2) == 0 {
                    BodySentence::Fact(vietnamese_fact(random, &place))
                } else {
                    BodySentence::Filler(self.filler(random))
                }
            },
        )
    }
}

/// Which archive to generate.
#[derive(Debug, Clone)]
pub enum Corpus {
    Templated,
    Zipf(ZipfCorpus),
}

impl Corpus {
    /// `templated`, `zipf` (the built-in vocabulary) or `zipf:FOLDER`
    /// (the words of the real articles in FOLDER, one per file).
    pub fn from_setting(setting: &str) -> Result<Corpus, String> {
        match setting.split_once(':') {
            None if setting == "templated" => Ok(Corpus::Templated),
            None if setting == "zipf" => Ok(Corpus::Zipf(ZipfCorpus::built_in())),
            Some(("zipf", folder)) => {
                let entries = std::fs::read_dir(folder)
                    .map_err(|error| format!("cannot read {folder}: {error}"))?;
                let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                paths.sort();
                let texts: Vec<String> = paths
                    .iter()
                    .filter_map(|path| std::fs::read_to_string(path).ok())
                    .collect();
                if texts.is_empty() {
                    return Err(format!("no readable articles in {folder}"));
                }
                Ok(Corpus::Zipf(ZipfCorpus::from_texts(&texts)))
            }
            _ => Err(format!(
                "unknown corpus {setting:?}: templated, zipf or zipf:FOLDER"
            )),
        }
    }

    /// Article `index` of the corpus and its claims.
    pub fn article(&self, seed: u64, index: u64, sentences: usize) -> (Article, Vec<LabelledFact>) {
        match self {
            Corpus::Templated => article(seed, index, sentences),
            Corpus::Zipf(zipf) => zipf.article(seed, index, sentences),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Corpus::Templated => "templated (six filler sentences, 1,600 place names)".into(),
            Corpus::Zipf(zipf) => format!(
                "Zipf words over {} vocabulary words, two- and three-syllable place names",
                zipf.vocabulary_size()
            ),
        }
    }
}

/// One generated article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub document_id: String,
    pub text: String,
    pub sentence_count: usize,
}

/// One labelled claim about the generated articles.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledFact {
    pub claim: String,
    pub label: Verdict,
    pub source: Option<String>,
}

/// A made-up place name of two syllables.
pub fn place_name(random: &mut Random) -> String {
    format!("{} {}", random.pick(SYLLABLES), random.pick(SYLLABLES))
}

fn english_place(random: &mut Random) -> String {
    format!(
        "{} {}",
        random.pick(ASCII_SYLLABLES),
        random.pick(ASCII_SYLLABLES)
    )
}

fn group_vietnamese(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// A generated sentence, and a claim it supports with a refuted variant.
struct Fact {
    sentence: String,
    supported: String,
    refuted: String,
}

fn vietnamese_fact(random: &mut Random, place: &str) -> Fact {
    let year = random.between(2012, 2023);
    let pattern = random.between(0, 7);
    let unit = random.pick(VI_UNITS);
    let count = random.between(2, 2500);
    let wrong = count + random.between(1, 40);
    match pattern {
        0 => {
            let verb = random.pick(VI_VERBS_DOWN);
            Fact {
                sentence: format!(
                    "Đến nay {place} đã {verb} {} {unit} so với năm {year}.",
                    group_vietnamese(count)
                ),
                supported: format!(
                    "{place} {verb} {} {unit} so với năm {year}.",
                    group_vietnamese(count)
                ),
                refuted: format!(
                    "{place} {verb} {} {unit} so với năm {year}.",
                    group_vietnamese(wrong)
                ),
            }
        }
        1 => {
            let subject = random.pick(VI_SUBJECTS);
            let percent = random.between(500, 999) as f64 / 10.0;
            let written = format!("{percent:.1}").replace('.', ",");
            let wrong_written = format!("{:.1}", percent - 7.5).replace('.', ",");
            Fact {
                sentence: format!("Tỷ lệ {subject} của {place} đạt {written}%."),
                supported: format!("Tỷ lệ {subject} ở {place} đạt {written}%."),
                refuted: format!("Tỷ lệ {subject} ở {place} đạt {wrong_written}%."),
            }
        }
        2 => {
            let total = random.between(8, 40);
            let done = random.between(1, total);
            Fact {
                sentence: format!(
                    "Hiện {place} có {done}/{total} xã hoàn thành việc sắp xếp {unit}."
                ),
                supported: format!("{place} có {done}/{total} xã hoàn thành việc sắp xếp {unit}."),
                refuted: format!(
                    "{place} có {}/{total} xã hoàn thành việc sắp xếp {unit}.",
                    (done + 3).min(total + 3)
                ),
            }
        }
        3 => {
            let from = random.between(20, 200);
            let to = random.between(5, from - 1);
            Fact {
                sentence: format!(
                    "Sau sắp xếp, số {unit} của {place} đã giảm từ {from} xuống còn {to}."
                ),
                supported: format!("Số {unit} của {place} đã giảm {} {unit}.", from - to),
                refuted: format!("Số {unit} của {place} đã giảm {} {unit}.", from - to + 7),
            }
        }
        4 => {
            let kind = random.pick(DOCUMENT_KINDS);
            let number = random.between(10, 999);
            let month = random.between(1, 12);
            let day = random.between(1, 28);
            Fact {
                sentence: format!("{kind} {number}/NQ-HĐND ngày {day}/{month}/{year} quy định rõ lộ trình sắp xếp tại {place}."),
                supported: format!("{kind} {number}/NQ-HĐND về sắp xếp tại {place} được ban hành ngày {day}/{month}/{year}."),
                refuted: format!("{kind} {number}/NQ-HĐND về sắp xếp tại {place} được ban hành ngày {}/{month}/{year}.", day + 1),
            }
        }
        5 => {
            let money = random.between(2, 900);
            Fact {
                sentence: format!(
                    "Năm {year}, {place} đầu tư {money} tỷ đồng cho việc nâng cấp {unit}."
                ),
                supported: format!(
                    "Năm {year}, {place} đầu tư {money} tỷ đồng cho việc nâng cấp {unit}."
                ),
                refuted: format!(
                    "Năm {year}, {place} đầu tư {} tỷ đồng cho việc nâng cấp {unit}.",
                    money + 50
                ),
            }
        }
        6 => {
            let verb = random.pick(VI_VERBS_UP);
            Fact {
                sentence: format!(
                    "Trong năm {year}, {place} {verb} {count} {unit} để đáp ứng nhu cầu."
                ),
                supported: format!("{place} {verb} {count} {unit} trong năm {year}."),
                refuted: format!("{place} {verb} {wrong} {unit} trong năm {year}."),
            }
        }
        _ => {
            let term = random.between(10, 20);
            Fact {
                sentence: format!(
                    "Hội đồng nhân dân {place} khóa {} đã thông qua đề án sắp xếp {count} {unit}.",
                    roman(term)
                ),
                supported: format!(
                    "Hội đồng nhân dân {place} khóa {term} thông qua đề án sắp xếp {count} {unit}."
                ),
                refuted: format!(
                    "Hội đồng nhân dân {place} khóa {} thông qua đề án sắp xếp {count} {unit}.",
                    term + 1
                ),
            }
        }
    }
}

fn english_fact(random: &mut Random, place: &str) -> Fact {
    let year = random.between(2012, 2023);
    let unit = random.pick(EN_UNITS);
    let count = random.between(2, 2500);
    let wrong = count + random.between(1, 40);
    match random.between(0, 2) {
        0 => Fact {
            sentence: format!(
                "By the end of {year}, {place} district had cut {count} {unit} compared with 2015."
            ),
            supported: format!("{place} district cut {count} {unit} compared with 2015."),
            refuted: format!("{place} district cut {wrong} {unit} compared with 2015."),
        },
        1 => {
            let subject = random.pick(EN_SUBJECTS);
            let percent = random.between(500, 999) as f64 / 10.0;
            Fact {
                sentence: format!(
                    "In {place}, the share of {subject} reached {percent:.1} percent in {year}."
                ),
                supported: format!(
                    "The share of {subject} in {place} reached {percent:.1} percent in {year}."
                ),
                refuted: format!(
                    "The share of {subject} in {place} reached {:.1} percent in {year}.",
                    percent - 9.0
                ),
            }
        }
        _ => {
            let money = random.between(2, 90);
            Fact {
                sentence: format!(
                    "{place} province spent ${money} million on new {unit} in {year}."
                ),
                supported: format!(
                    "{place} province spent ${money} million on new {unit} in {year}."
                ),
                refuted: format!(
                    "{place} province spent ${} million on new {unit} in {year}.",
                    money + 20
                ),
            }
        }
    }
}

fn roman(mut number: u64) -> String {
    let table = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut out = String::new();
    for (value, letters) in table {
        while number >= value {
            out.push_str(letters);
            number -= value;
        }
    }
    out
}

/// Generates article `index` of a corpus (the same index always gives the
/// same article) with about `sentences` sentences, and up to two claims about
/// it (one SUPPORTED, one REFUTED).
pub fn article(seed: u64, index: u64, sentences: usize) -> (Article, Vec<LabelledFact>) {
    let mut random = Random::new(seed.wrapping_mul(31).wrapping_add(index));
    let english = index % 5 == 4;
    let place = if english {
        english_place(&mut random)
    } else {
        place_name(&mut random)
    };
    let document_id = format!("synthetic-{index:08}.txt");
    let mut text = String::new();
    let year = random.between(2015, 2024);
    let (month, day) = (random.between(1, 12), random.between(1, 28));
    if english {
        text.push_str(&format!(
            "{place} streamlines its local government\n\n{day:02}/{month:02}/{year}\n\n"
        ));
    } else {
        let prefix = random.pick(VI_PREFIXES);
        text.push_str(&format!("{} {place}: tinh gọn bộ máy, nâng cao hiệu quả\n\n{day:02}/{month:02}/{year} 08:30\n\n", capitalise(prefix)));
    }
    write_article(
        document_id,
        text,
        sentences,
        &mut random,
        (2, 5),
        |random| {
            if random.between(0, 2) > 0 {
                BodySentence::Fact(if english {
                    english_fact(random, &place)
                } else {
                    vietnamese_fact(random, &place)
                })
            } else if english {
                BodySentence::Filler(random.pick(EN_FILLERS).to_string())
            } else {
                BodySentence::Filler(random.pick(VI_FILLERS).to_string())
            }
        },
    )
}

/// A sentence of an article's body: a fact about its place, or filler.
enum BodySentence {
    Fact(Fact),
    Filler(String),
}

/// Writes an article's body after `text` (its title and dateline, two
/// sentences): paragraphs of `paragraph_sizes` sentences until `sentences`
/// are written, each from `next`. The first fact after the first paragraph
/// gives the article's claims, one SUPPORTED and one REFUTED.
fn write_article(
    document_id: String,
    mut text: String,
    sentences: usize,
    random: &mut Random,
    paragraph_sizes: (u64, u64),
    mut next: impl FnMut(&mut Random) -> BodySentence,
) -> (Article, Vec<LabelledFact>) {
    let mut claims = Vec::new();
    let mut written = 2;
    let mut paragraph = 0;
    while written < sentences {
        let in_paragraph = random.between(paragraph_sizes.0, paragraph_sizes.1) as usize;
        for _ in 0..in_paragraph.min(sentences - written) {
            let sentence = match next(random) {
                BodySentence::Fact(fact) => {
                    if claims.is_empty() && paragraph >= 1 {
                        for (claim, label) in [
                            (fact.supported, Verdict::Supported),
                            (fact.refuted, Verdict::Refuted),
                        ] {
                            claims.push(LabelledFact {
                                claim,
                                label,
                                source: Some(document_id.clone()),
                            });
                        }
                    }
                    fact.sentence
                }
                BodySentence::Filler(sentence) => sentence,
            };
            text.push_str(&sentence);
            text.push(' ');
            written += 1;
        }
        text.push_str("\n\n");
        paragraph += 1;
    }
    (
        Article {
            document_id,
            text,
            sentence_count: written,
        },
        claims,
    )
}

/// A claim about a place no generated article mentions (names built from
/// syllables the generator never uses).
pub fn unknown_place_claim(random: &mut Random) -> LabelledFact {
    const NAMES: [&str; 6] = [
        "Ba Chẽ",
        "Mường Nhé",
        "Côn Đảo",
        "Bạch Long Vĩ",
        "Sìn Hồ",
        "Mèo Vạc",
    ];
    let name = *random.pick(&NAMES);
    let fact = vietnamese_fact(random, name);
    LabelledFact {
        claim: fact.supported,
        label: Verdict::NotEnoughInfo,
        source: None,
    }
}

fn capitalise(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generation_is_deterministic_and_sized() {
        let (first, claims) = super::article(7, 3, 25);
        let (again, claims_again) = super::article(7, 3, 25);
        assert_eq!(first, again);
        assert_eq!(claims, claims_again);
        assert_eq!(first.sentence_count, 25);
        let (other, _) = super::article(7, 4, 25);
        assert_ne!(first.text, other.text);
    }

    #[test]
    fn the_zipf_corpus_draws_frequent_words_most_and_is_deterministic() {
        let corpus = super::ZipfCorpus::from_texts(&["b a a c a b", "a b d"]);
        assert_eq!(corpus.vocabulary_size(), 4);
        let mut random = super::Random::new(3);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..10_000 {
            *counts
                .entry(corpus.word(&mut random).to_string())
                .or_insert(0) += 1;
        }
        // Ranks a, b, c, d: weights 1, 1/2, 1/3, 1/4.
        assert!(
            counts["a"] > counts["b"] && counts["b"] > counts["c"] && counts["c"] > counts["d"]
        );
        let built_in = super::ZipfCorpus::built_in();
        let (first, claims) = built_in.article(7, 3, 25);
        assert_eq!((first.clone(), claims.clone()), built_in.article(7, 3, 25));
        assert_eq!(first.sentence_count, 25);
        assert_ne!(first.text, built_in.article(7, 4, 25).0.text);
    }

    #[test]
    fn generated_claims_get_their_labels() {
        use claimcheck::analysis::analyse_document;
        use claimcheck::judge::{judge, ClaimAnalysis};
        use claimcheck::model::DocumentInput;
        let mut right = 0;
        let mut total = 0;
        for index in 0..20 {
            let (generated, claims) = super::article(11, index, 20);
            let analysed = analyse_document(DocumentInput::new(
                generated.document_id.clone(),
                generated.text.clone(),
            ));
            let prepared = claimcheck::judge::PreparedDocument::of_analysed(&analysed);
            let sources = prepared.all_sources(0.5);
            for claim in claims {
                let result = judge(
                    &ClaimAnalysis::new(&claim.claim, None),
                    &sources,
                    3,
                    &claimcheck::budget::Budget::unlimited(),
                )
                .expect("an unlimited budget never stops");
                total += 1;
                if result.verdict == claim.label {
                    right += 1;
                }
            }
        }
        assert!(total >= 30);
        assert!(right as f64 / total as f64 >= 0.9, "{right}/{total}");
    }
}
