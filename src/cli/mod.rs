//! The client commands of the `claimcheck` binary. Each reads validated
//! flags (see `config`), talks to the service (over gRPC, or in-process for
//! `extract` and `eval --corpus`; `reindex` works on a data directory), and prints for people or, with `--json`,
//! for programs.

pub mod check;
pub mod eval;
pub mod extract;
pub mod health;
pub mod ingest;
pub mod output;
pub mod reindex;
pub mod serve;
pub mod token;
pub mod verify;

use anyhow::Context;

/// An error and its causes, joined by ": ", each said once: the transport
/// layers under a connection error repeat their cause's text.
pub fn error_chain<'a>(
    chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in chain {
        let text = cause.to_string();
        // A cause that only repeats the end of the text before it adds
        // nothing (an equal text included).
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// A client of the service a command was pointed at, or an error that
/// names the address.
pub async fn connect(
    server: &str,
    credentials: &crate::config::ClientCredentials,
) -> anyhow::Result<crate::grpc::Client> {
    crate::grpc::connect(server, credentials)
        .await
        .with_context(|| format!("cannot connect to {server}"))
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|layer| layer as _)
        }
    }

    fn chain(texts: &[&'static str]) -> Layer {
        let mut layer = None;
        for text in texts.iter().rev() {
            layer = Some(Layer(text, layer.map(Box::new)));
        }
        layer.unwrap()
    }

    #[test]
    fn each_cause_is_said_once() {
        let cases: &[(&[&str], &str)] = &[
            (&["cannot connect", "refused"], "cannot connect: refused"),
            (
                &["transport error", "bad certificate", "bad certificate"],
                "transport error: bad certificate",
            ),
            (&["x: inner", "inner"], "x: inner"),
            (&["alone"], "alone"),
        ];
        for (texts, expected) in cases {
            let error = anyhow::Error::new(chain(texts));
            assert_eq!(error_chain(error.chain()), *expected);
        }
    }
}
