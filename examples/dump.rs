use claimcheck::quantity::extract_quantities;
use claimcheck::text::{detect_language, split_sentences};
fn main() {
    let arg = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&arg).unwrap_or(arg);
    let lang = detect_language(&text);
    for s in split_sentences(&text) {
        let sentence = &text[s.start..s.end];
        let qs = extract_quantities(sentence, lang);
        if qs.is_empty() { continue; }
        println!("## {}", sentence);
        for q in qs {
            println!("   {:?} {:?} v={} t={} unit={:?} q={:?} dir={:?} date={} ch={:?} id={:?}", q.text, q.kind, q.value, q.total, q.unit, q.qualifier, q.direction, q.iso_date(), q.change, q.identifier);
        }
    }
}
