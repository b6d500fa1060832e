use claimcheck::eval::*;
use claimcheck::service::*;
#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path(), 64 << 20, Limits::default()).unwrap();
    for entry in std::fs::read_dir("../shared/corpus").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        service.ingest(DocumentRequest { document_id: path.file_name().unwrap().to_string_lossy().into(), text, ..Default::default() }).await.unwrap();
    }
    let file = std::env::args().nth(1).unwrap_or("../shared/eval/dev-claims.jsonl".into());
    let claims = parse_claims(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut predictions = vec![];
    for c in &claims {
        let r = service.verify(ClaimRequest { claim: c.claim.clone(), ..Default::default() }).await.unwrap();
        predictions.push(Prediction { id: c.id.clone(), verdict: r.verdict, first_evidence_document: r.evidence.first().map(|e| e.document_id.clone()), explanation: r.explanation.clone() });
    }
    println!("{}", render(&score(&claims, &predictions)));
}
