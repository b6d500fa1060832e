//! TLS on both ports against the real server, with a certificate authority
//! made for the test: a client trusting it verifies over https://, a
//! plain-text client is refused on both ports, and with a client CA only a
//! client presenting a certificate it signed gets through.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use claimcheck::auth::Access;
use claimcheck::grpc::server::ServerOptions;
use claimcheck::grpc::{connect, pb, ClientCredentials, ConnectError};
use claimcheck::service::Limits;
use claimcheck::tls::ServerTls;
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

use crate::common::{server_options, TestServer};

/// A certificate authority, a server certificate for 127.0.0.1 and
/// localhost, and a client certificate, all as PEM files.
struct Authority {
    directory: tempfile::TempDir,
}

impl Authority {
    fn new() -> Authority {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let directory = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| std::fs::write(directory.path().join(name), text);
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        write("ca.pem", ca.pem()).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        for (name, names) in [
            (
                "server",
                vec!["localhost".to_string(), "127.0.0.1".to_string()],
            ),
            ("client", vec!["desk.example".to_string()]),
        ] {
            let key = KeyPair::generate().unwrap();
            let certificate = CertificateParams::new(names)
                .unwrap()
                .signed_by(&key, &issuer)
                .unwrap();
            write(&format!("{name}.pem"), certificate.pem()).unwrap();
            write(&format!("{name}-key.pem"), key.serialize_pem()).unwrap();
        }
        Authority { directory }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }

    fn server_tls(&self, mutual: bool) -> ServerTls {
        let client_ca = self.path("ca.pem");
        ServerTls::load(
            &self.path("server.pem"),
            &self.path("server-key.pem"),
            mutual.then_some(client_ca.as_path()),
        )
        .expect("the test certificates load")
    }

    fn trusting(&self) -> ClientCredentials {
        ClientCredentials {
            ca_cert: Some(self.path("ca.pem")),
            ..Default::default()
        }
    }

    fn presenting(&self) -> ClientCredentials {
        ClientCredentials {
            client_cert: Some(self.path("client.pem")),
            client_key: Some(self.path("client-key.pem")),
            ..self.trusting()
        }
    }
}

async fn start(directory: &Path, authority: &Authority, mutual: bool) -> TestServer {
    let options = ServerOptions {
        tls: Some(authority.server_tls(mutual)),
        ..server_options(Access::Open)
    };
    let credentials = if mutual {
        authority.presenting()
    } else {
        authority.trusting()
    };
    TestServer::start_with_options(directory, Limits::default(), options, &credentials).await
}

/// One HTTP/1.1 GET over TLS trusting the test authority: the status line,
/// or the error.
async fn https_get(authority: &Authority, address: std::net::SocketAddr, path: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(authority.path("ca.pem")).unwrap();
    for certificate in rustls_pki_types::CertificateDer::pem_slice_iter(&ca) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = match connector.connect(name, tcp).await {
        Ok(stream) => stream,
        Err(error) => return format!("handshake failed: {error}"),
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn both_ports_speak_tls_and_refuse_plain_text() {
    let authority = Authority::new();
    let directory = tempfile::tempdir().unwrap();
    let mut server = start(directory.path(), &authority, false).await;

    // gRPC over TLS, trusting the authority.
    server
        .ingest("tls-a", "Hà Nội có 30 quận, huyện và 12 triệu dân.")
        .await;
    let verdict = server
        .client
        .verify_claim(pb::VerifyClaimRequest {
            claim: "Hà Nội có 30 quận, huyện.".into(),
            ..Default::default()
        })
        .await
        .expect("a verification over TLS")
        .into_inner();
    assert_eq!(verdict.verdict(), pb::Verdict::Supported);

    // Plain text on the gRPC port: the connection or the call fails.
    let plain_url = format!("http://{}", server.address);
    let refused = match connect(&plain_url, &ClientCredentials::default()).await {
        Ok(mut client) => client
            .get_stats(pb::GetStatsRequest::default())
            .await
            .is_err(),
        Err(_) => true,
    };
    assert!(refused, "plain text was answered on the TLS port");

    // A client that does not trust the authority is refused.
    let untrusting = connect(
        &format!("https://{}", server.address),
        &ClientCredentials::default(),
    )
    .await;
    if let Ok(mut client) = untrusting {
        assert!(client
            .get_stats(pb::GetStatsRequest::default())
            .await
            .is_err());
    }

    // The HTTP port over TLS answers; plain HTTP gets no answer.
    assert_eq!(
        https_get(&authority, server.http_address, "/healthz").await,
        "HTTP/1.1 200 OK"
    );
    let mut tcp = tokio::net::TcpStream::connect(server.http_address)
        .await
        .unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        tcp.read_to_end(&mut answer),
    )
    .await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "plain HTTP was answered on the TLS port"
    );
    server.stop().await;
}

#[tokio::test]
async fn with_a_client_ca_only_certified_clients_get_through() {
    let authority = Authority::new();
    let directory = tempfile::tempdir().unwrap();
    // The test server's own client presents the client certificate.
    let mut server = start(directory.path(), &authority, true).await;
    let stats = server
        .client
        .get_stats(pb::GetStatsRequest::default())
        .await;
    assert!(stats.is_ok(), "{stats:?}");

    let anonymous = connect(
        &format!("https://{}", server.address),
        &authority.trusting(),
    )
    .await;
    if let Ok(mut client) = anonymous {
        assert!(client
            .get_stats(pb::GetStatsRequest::default())
            .await
            .is_err());
    }
    // Over TLS 1.3 the refusal may come after the client's side of the
    // handshake: either way, no answer.
    let answer = https_get(&authority, server.http_address, "/healthz").await;
    assert!(!answer.contains("200"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn certificates_for_a_plain_text_address_are_a_clear_error() {
    let authority = Authority::new();
    let error = connect("http://127.0.0.1:1", &authority.trusting())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectError::CertificatesWithoutTls { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
}
