//! What the server counts for operators, in the Prometheus text format
//! (served at `/metrics` on the HTTP port): requests by method, transport
//! and status code, their latency, verdicts given, bytes ingested, verdict
//! cache lookups, and the store's size, read at scrape time. Built on
//! `prometheus-client`, the Prometheus project's own Rust client, rather
//! than a hand-written encoder.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::model::{StoreStats, Verdict};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    transport: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
    transport: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    outcome: &'static str,
}

fn latency_histogram() -> Histogram {
    // 100 µs to about 13 s, doubling.
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<MethodLabels, Histogram, fn() -> Histogram>,
    verdicts: Family<VerdictLabels, Counter>,
    verdict_cache: Family<LookupLabels, Counter>,
    ingested_bytes: Counter,
    documents: Gauge<u64, AtomicU64>,
    sentences: Gauge<u64, AtomicU64>,
    quantities: Gauge<u64, AtomicU64>,
    disk_bytes: Gauge<u64, AtomicU64>,
    writable: Gauge<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("claimcheck");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by method, transport (grpc or http) and status code",
            requests.clone(),
        );
        let latency = Family::<MethodLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a request (for a gRPC stream, to its last message), by method and transport",
            latency.clone(),
        );
        let verdicts = Family::<VerdictLabels, Counter>::default();
        registry.register("verdicts", "Verdicts given, by verdict", verdicts.clone());
        let verdict_cache = Family::<LookupLabels, Counter>::default();
        registry.register(
            "verdict_cache_lookups",
            "Verdict cache lookups, by outcome (hit or miss)",
            verdict_cache.clone(),
        );
        let ingested_bytes = Counter::default();
        registry.register(
            "ingested_bytes",
            "Bytes of document text received for ingest",
            ingested_bytes.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::<u64, AtomicU64>::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        let documents = gauge(&mut registry, "store_documents", "Documents stored");
        let sentences = gauge(&mut registry, "store_sentences", "Sentences stored");
        let quantities = gauge(&mut registry, "store_quantities", "Figures stored");
        let disk_bytes = gauge(
            &mut registry,
            "store_disk_bytes",
            "Size of the store on disk",
        );
        let writable = gauge(
            &mut registry,
            "store_writable",
            "1 while writes reach the disk, 0 while it is full",
        );
        Metrics {
            registry,
            requests,
            latency,
            verdicts,
            verdict_cache,
            ingested_bytes,
            documents,
            sentences,
            quantities,
            disk_bytes,
            writable,
        }
    }

    /// One answered request: `code` is the gRPC status code's name.
    pub fn record_request(
        &self,
        method: &'static str,
        transport: &'static str,
        code: &'static str,
        seconds: f64,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                transport,
                code,
            })
            .inc();
        self.latency
            .get_or_create(&MethodLabels { method, transport })
            .observe(seconds);
    }

    pub fn record_verdict(&self, verdict: Verdict) {
        let verdict = match verdict {
            Verdict::Supported => "supported",
            Verdict::Refuted => "refuted",
            Verdict::NotEnoughInfo => "not_enough_info",
        };
        self.verdicts
            .get_or_create(&VerdictLabels { verdict })
            .inc();
    }

    pub fn record_verdict_cache(&self, hit: bool) {
        let outcome = if hit { "hit" } else { "miss" };
        self.verdict_cache
            .get_or_create(&LookupLabels { outcome })
            .inc();
    }

    pub fn record_ingest(&self, bytes: usize) {
        self.ingested_bytes.inc_by(bytes as u64);
    }

    /// The text exposition, with the store's figures as of now.
    pub fn render(&self, store: &StoreStats, writable: bool) -> String {
        self.writable.set(u64::from(writable));
        self.documents.set(store.documents);
        self.sentences.set(store.sentences);
        self.quantities.set(store.quantities);
        self.disk_bytes.set(store.disk_bytes);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_counts_what_was_recorded() {
        let metrics = Metrics::new();
        metrics.record_request("VerifyClaim", "grpc", "OK", 0.002);
        metrics.record_request("VerifyClaim", "grpc", "OK", 0.004);
        metrics.record_request("IngestDocument", "http", "UNAUTHENTICATED", 0.0);
        metrics.record_verdict(Verdict::Refuted);
        metrics.record_ingest(1200);
        let text = metrics.render(
            &StoreStats {
                documents: 3,
                ..Default::default()
            },
            false,
        );
        for line in [
            "claimcheck_requests_total{method=\"VerifyClaim\",transport=\"grpc\",code=\"OK\"} 2",
            "claimcheck_requests_total{method=\"IngestDocument\",transport=\"http\",code=\"UNAUTHENTICATED\"} 1",
            "claimcheck_request_duration_seconds_count{method=\"VerifyClaim\",transport=\"grpc\"} 2",
            "claimcheck_verdicts_total{verdict=\"refuted\"} 1",
            "claimcheck_ingested_bytes_total 1200",
            "claimcheck_store_documents 3",
            "claimcheck_store_writable 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
