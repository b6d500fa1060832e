//! Tests of the index's life across processes (what a process killed in
//! the middle of a commit leaves behind must not stop the next one), and
//! of finding a document's sentences from where it lies.

use super::*;

/// Two documents of two sentences each.
fn sentences() -> Vec<String> {
    vec!["hà nội mưa".to_string(), "giá vàng tăng".to_string()]
}

fn add(index: &SentenceIndex, number: u32, lines: &[String], metadata: &BTreeMap<String, String>) {
    index
        .add(&IndexedDocument {
            number,
            term_lines: lines,
            published: None,
            metadata,
        })
        .expect("add");
}

/// Replays store change 2 (document 1 ingested again) as the engine does
/// after a restart: delete what the change replaces, add it, commit.
fn replay_change_two(index: &SentenceIndex) -> Result<bool, IndexError> {
    let metadata = BTreeMap::new();
    index.remove(1);
    add(index, 1, &sentences(), &metadata);
    index.note(2);
    index.commit()
}

fn files(folder: &Path) -> HashSet<std::ffi::OsString> {
    std::fs::read_dir(folder)
        .expect("list index folder")
        .map(|entry| entry.expect("entry").file_name())
        .collect()
}

#[test]
fn a_commit_cut_off_by_a_kill_does_not_block_the_replay() {
    let holding_change_one = tempfile::tempdir().expect("tempdir");
    let killed = tempfile::tempdir().expect("tempdir");
    let metadata = BTreeMap::new();
    {
        let (index, opened) = SentenceIndex::open(killed.path()).expect("open");
        assert_eq!(opened, Opened::New);
        add(&index, 1, &sentences(), &metadata);
        add(&index, 2, &sentences(), &metadata);
        index.note(1);
        assert!(index.commit().expect("commit"));
        index.close().expect("close");
    }
    // The index as it stood after change 1: what a process killed during
    // the commit of change 2 leaves, apart from the files that commit wrote.
    let before = killed.path().join(INDEX_FOLDER);
    let after_kill = holding_change_one.path().join(INDEX_FOLDER);
    std::fs::create_dir_all(&after_kill).expect("mkdir");
    for name in files(&before) {
        std::fs::copy(before.join(&name), after_kill.join(&name)).expect("copy");
    }
    {
        let (index, opened) = SentenceIndex::open(killed.path()).expect("reopen");
        assert_eq!(opened, Opened::Holding(1));
        assert!(replay_change_two(&index).expect("commit change 2"));
        index.close().expect("close");
    }
    // The commit of change 2 wrote segment files and a deletion file and
    // listed them as managed; its last step, `meta.json`, is what the kill
    // cut off.
    let written: Vec<_> = files(&before)
        .difference(&files(&after_kill))
        .cloned()
        .collect();
    assert!(
        written
            .iter()
            .any(|name| name.to_string_lossy().ends_with(".del")),
        "the commit of a deletion writes a deletion file: {written:?}"
    );
    for name in written.iter().chain([&".managed.json".into()]) {
        std::fs::copy(before.join(name), after_kill.join(name)).expect("copy");
    }

    let (index, opened) = SentenceIndex::open(holding_change_one.path()).expect("open after kill");
    assert_eq!(opened, Opened::Holding(1));
    assert!(replay_change_two(&index).expect("the replayed commit succeeds"));
    assert_eq!(index.committed_through(), 2);
    assert_eq!(index.view().sentence_count(), 4, "each sentence once");
}

/// A document's sentences are read from the columns at its place; a place
/// where the columns do not show the document (here, another document's)
/// is looked up in the term dictionaries instead: the same sentences are
/// scored either way.
#[test]
fn subject_sentences_are_found_at_their_place_or_looked_up() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (index, _) = SentenceIndex::open(directory.path()).expect("open");
    let metadata = BTreeMap::new();
    let documents = [
        vec!["hà nội mưa to", "giá vàng tăng mạnh", "hà nội nắng"],
        vec!["giá xăng giảm", "hà nội tắc đường"],
        vec!["đà nẵng mưa", "giá vàng giảm"],
    ];
    for (number, texts) in documents.iter().enumerate() {
        add(&index, number as u32, &term_lines(texts), &metadata);
    }
    index.note(1);
    index.commit().expect("commit");
    let view = index.view();
    let places: Vec<(u32, DocumentPlace)> = view
        .documents_holding("ha noi")
        .expect("documents holding")
        .into_iter()
        .map(|holding| (holding.number, holding.place))
        .collect();
    assert_eq!(
        places.iter().map(|(number, _)| *number).collect::<Vec<_>>(),
        [0, 1]
    );
    let terms = ["ha noi", "gia", "mua"].map(String::from);
    let sentences_of = |documents: &[(u32, DocumentPlace)]| -> Vec<(u32, u32)> {
        let mut found: Vec<(u32, u32)> = view
            .score_in_documents(&terms, documents)
            .expect("scored")
            .iter()
            .map(|hit| (hit.document, hit.sentence))
            .collect();
        found.sort_unstable();
        found
    };
    let expected = vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)];
    assert_eq!(sentences_of(&places), expected);
    // Document 1 said to start where document 0 does.
    let misplaced = [places[0], (places[1].0, places[0].1)];
    assert_eq!(sentences_of(&misplaced), expected);
}

/// The top k of a search over several segments, with many equal scores,
/// is the head of the exhaustive ranking (score, then address): sharing
/// the k-th best score between segments leaves nothing out.
#[test]
fn the_best_sentences_over_segments_are_the_head_of_the_exhaustive_ranking() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (index, _) = SentenceIndex::open(directory.path()).expect("open");
    let metadata = BTreeMap::new();
    let shapes = [
        "giá vàng tăng mạnh",
        "giá vàng tăng",
        "giá xăng giảm mạnh trong tuần",
        "hà nội mưa to giá rau tăng",
        "vàng",
    ];
    let mut number = 0u32;
    for commit in 0..4u64 {
        for shape in 0..30 {
            let texts = [
                shapes[shape % shapes.len()],
                shapes[(shape * 7 + 3) % shapes.len()],
            ];
            add(&index, number, &term_lines(&texts), &metadata);
            number += 1;
        }
        index.note(commit + 1);
        index.commit().expect("commit");
    }
    let view = index.view();
    assert!(
        view.searcher().segment_readers().len() >= 2,
        "several segments"
    );
    let all = Restriction::default();
    let ranked = |hits: Vec<Hit>| -> Vec<(u32, u32, u32, f64)> {
        let mut hits: Vec<(u32, u32, u32, f64)> = hits
            .into_iter()
            .map(|hit| {
                (
                    hit.address.segment_ord,
                    hit.address.doc_id,
                    hit.document,
                    hit.score,
                )
            })
            .collect();
        hits.sort_by(|a, b| b.3.total_cmp(&a.3).then((a.0, a.1).cmp(&(b.0, b.1))));
        hits
    };
    for terms in [
        vec!["vang"],
        vec!["gia", "tang", "manh"],
        vec!["gia xang", "mua", "vang"],
    ] {
        let terms: Vec<String> = terms.into_iter().map(String::from).collect();
        let exhaustive = ranked(view.score_every_sentence(&terms, &all).expect("scan"));
        for limit in [1, 5, 17, 40, 1000] {
            let best = ranked(
                view.best_sentences(&terms, &all, None, limit)
                    .expect("search"),
            );
            let head = &exhaustive[..limit.min(exhaustive.len())];
            assert_eq!(best, head, "terms {terms:?}, limit {limit}");
        }
    }
}

/// Scores read without term frequencies ([`SCORING_READ`]) are the scores
/// of tantivy's own reading with them, for the top-k search and for
/// scoring named documents' sentences alike: every stored frequency is 1,
/// even for a sentence that repeats its words.
#[test]
fn scores_read_without_frequencies_are_the_scores_with_them() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (index, _) = SentenceIndex::open(directory.path()).expect("open");
    let metadata = BTreeMap::new();
    let texts = [
        "giá vàng giá vàng tăng, giá vàng lại tăng",
        "giá xăng giảm",
        "vàng vàng vàng",
        "hà nội mưa, giá rau tăng giá",
    ];
    for number in 0..40u32 {
        let pair = [
            texts[number as usize % texts.len()],
            texts[(number as usize * 3 + 1) % texts.len()],
        ];
        add(&index, number, &term_lines(&pair), &metadata);
    }
    index.note(1);
    index.commit().expect("commit");
    let view = index.view();
    let with_frequencies = |terms: &[String]| -> Vec<(u32, u32, f32)> {
        let queries: Vec<Box<dyn Query>> = terms
            .iter()
            .map(|term| {
                Box::new(TermQuery::new(
                    view.term(term),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect();
        let mut found: Vec<(u32, u32, f32)> = view
            .searcher()
            .search_with_statistics_provider(
                &BooleanQuery::union(queries),
                &TopDocs::with_limit(1000).order_by_score(),
                &view.snapshot.statistics,
            )
            .expect("search")
            .into_iter()
            .map(|(score, address)| (address.segment_ord, address.doc_id, score))
            .collect();
        found.sort_by_key(|(segment, doc, _)| (*segment, *doc));
        found
    };
    let addressed = |hits: Vec<Hit>| -> Vec<(u32, u32, f32)> {
        let mut found: Vec<(u32, u32, f32)> = hits
            .into_iter()
            .map(|hit| {
                (
                    hit.address.segment_ord,
                    hit.address.doc_id,
                    hit.score as f32,
                )
            })
            .collect();
        found.sort_by_key(|(segment, doc, _)| (*segment, *doc));
        found
    };
    // Every document holds one of these two words.
    let mut places: Vec<(u32, DocumentPlace)> = ["gia", "vang"]
        .iter()
        .flat_map(|word| view.documents_holding(word).expect("documents holding"))
        .map(|holding| (holding.number, holding.place))
        .collect();
    places.sort_unstable_by_key(|(number, _)| *number);
    places.dedup_by_key(|(number, _)| *number);
    assert_eq!(places.len(), 40);
    for terms in [vec!["gia", "vang"], vec!["gia vang", "tang"], vec!["vang"]] {
        let terms: Vec<String> = terms.into_iter().map(String::from).collect();
        let expected = with_frequencies(&terms);
        assert!(!expected.is_empty());
        let best = view
            .best_sentences(&terms, &Restriction::default(), None, 1000)
            .expect("search");
        assert_eq!(addressed(best), expected, "top k, terms {terms:?}");
        let named = view.score_in_documents(&terms, &places).expect("scored");
        assert_eq!(
            addressed(named),
            expected,
            "named documents, terms {terms:?}"
        );
    }
}

/// How many segments the committed index has.
fn segments_of(index: &SentenceIndex) -> usize {
    index
        .index
        .searchable_segment_ids()
        .expect("segments")
        .len()
}

/// Merging the segments of several commits into one keeps every sentence
/// and its score, and the commit's record of the last store change, so
/// that the next start replays nothing twice.
#[test]
fn merging_segments_keeps_sentences_scores_and_the_last_change() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let terms: Vec<String> = ["gia", "vang", "gia vang", "ha noi"]
        .map(String::from)
        .to_vec();
    let ranked = |view: &IndexView| -> Vec<(u32, u32, u64)> {
        let mut hits: Vec<(u32, u32, u64)> = view
            .best_sentences(&terms, &Restriction::default(), None, 1000)
            .expect("search")
            .into_iter()
            .map(|hit| (hit.document, hit.sentence, hit.score.to_bits()))
            .collect();
        hits.sort_unstable();
        hits
    };
    let before = {
        let (index, _) = SentenceIndex::open(directory.path()).expect("open");
        let metadata = BTreeMap::new();
        let texts = ["giá vàng tăng", "hà nội mưa, giá rau tăng", "vàng giảm"];
        for commit in 0..4u32 {
            for number in commit * 10..commit * 10 + 10 {
                let pair = [texts[number as usize % 3], texts[(number as usize + 1) % 3]];
                add(&index, number, &term_lines(&pair), &metadata);
            }
            index.note(u64::from(commit) + 1);
            index.commit().expect("commit");
        }
        let segments = segments_of(&index);
        assert!(segments >= 2, "{segments} segments");
        let before = ranked(&index.view());
        assert_eq!(index.close_merged().expect("merged"), segments);
        before
    };
    let (index, opened) = SentenceIndex::open(directory.path()).expect("reopen");
    assert_eq!(opened, Opened::Holding(4));
    assert_eq!(segments_of(&index), 1);
    assert_eq!(ranked(&index.view()), before);
}

/// The sentences holding the most of a claim's leading terms, lengths
/// left out: those holding every term first (of more than are wanted, the
/// first in the index, however long), then those holding the rarer term
/// alone before those holding the commoner alone, whatever their lengths;
/// restrictions apply either way. BM25 would rank the shorter sentence
/// first.
#[test]
fn the_sentences_holding_most_weigh_terms_not_lengths() {
    let directory = tempfile::tempdir().expect("tempdir");
    let (index, _) = SentenceIndex::open(directory.path()).expect("open");
    let metadata = BTreeMap::new();
    let texts = [
        // 0: both terms, long.
        "vàng tăng trong phiên giao dịch sáng nay tại các cửa hàng",
        // 1: both terms, short.
        "vàng tăng",
        // 2: the rarer term alone, long.
        "vàng được bán với giá cao ở nhiều cửa hàng lớn",
        // 3-6: the commoner term alone, short.
        "tăng",
        "tăng",
        "tăng",
        "tăng",
    ];
    for (number, text) in texts.iter().enumerate() {
        add(&index, number as u32, &term_lines(&[*text]), &metadata);
    }
    index.note(1);
    index.commit().expect("commit");
    let view = index.view();
    let terms: Vec<String> = ["vang", "tang"].map(String::from).to_vec();
    let documents = |hits: Vec<Hit>| -> Vec<u32> { hits.iter().map(|hit| hit.document).collect() };
    let cases: [(usize, &[u32], &[u32]); 5] = [
        (1, &[], &[0]),
        (2, &[], &[0, 1]),
        (3, &[], &[0, 1, 2]),
        (1, &[0], &[1]),
        (2, &[0], &[1, 2]),
    ];
    for (limit, except, expected) in cases {
        let restriction = Restriction {
            except,
            ..Restriction::default()
        };
        let found = view
            .sentences_holding_most(&terms, &restriction, limit)
            .expect("search");
        assert_eq!(
            documents(found),
            expected,
            "limit {limit}, except {except:?}"
        );
    }
    let by_bm25 = view
        .best_sentences(&terms, &Restriction::default(), None, 1)
        .expect("search");
    assert_eq!(documents(by_bm25), [1]);
}
