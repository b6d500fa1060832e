//! TLS for both ports, with rustls: the certificate chain, private key and
//! optional client CA named by `--tls-cert`, `--tls-key` and
//! `--tls-client-ca`, read and checked once at start so a bad file is an
//! error that names it, not a failed handshake later. The gRPC edge hands
//! the same PEM bytes to tonic; the HTTP edge accepts connections with the
//! rustls configuration built here.
//!
//! The cryptography is *ring*, the one provider compiled in (tonic's
//! `tls-ring`), so rustls picks it as the process default: it builds with
//! the C compiler alone. rustls's aws-lc-rs provider adds post-quantum key
//! exchange at the cost of a CMake build; switching is a Cargo feature.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// Why the TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {flag} {}: {source}", path.display())]
    Read {
        flag: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{flag} {} holds no PEM certificate", path.display())]
    NoCertificate { flag: &'static str, path: PathBuf },
    #[error("{flag} {} is not valid PEM: {detail}", path.display())]
    BadPem {
        flag: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error("--tls-key {} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("--tls-client-ca {}: {detail}", path.display())]
    ClientCa { path: PathBuf, detail: String },
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Rejected(#[from] rustls::Error),
}

/// The server's TLS material, checked.
#[derive(Clone)]
pub struct ServerTls {
    /// The certificate chain, PEM, leaf first.
    pub certificate_pem: Vec<u8>,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
    /// When set, clients must present a certificate signed by one of these
    /// (PEM): mutual TLS.
    pub client_ca_pem: Option<Vec<u8>>,
    /// The rustls configuration of the HTTP port (ALPN http/1.1).
    http: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ServerTls")
            .field("mutual", &self.client_ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads and checks the files; the key never appears in an error.
    pub fn load(
        certificate: &Path,
        key: &Path,
        client_ca: Option<&Path>,
    ) -> Result<ServerTls, TlsError> {
        let certificate_pem = read("--tls-cert", certificate)?;
        let key_pem = read("--tls-key", key)?;
        let client_ca_pem = client_ca
            .map(|path| read("--tls-client-ca", path))
            .transpose()?;
        let chain = certificates("--tls-cert", certificate, &certificate_pem)?;
        let private_key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoKey {
            path: key.to_path_buf(),
        })?;
        let builder = rustls::ServerConfig::builder();
        let builder = match (&client_ca_pem, client_ca) {
            (Some(pem), Some(path)) => {
                let mut roots = rustls::RootCertStore::empty();
                for certificate in certificates("--tls-client-ca", path, pem)? {
                    roots.add(certificate).map_err(|error| TlsError::ClientCa {
                        path: path.to_path_buf(),
                        detail: error.to_string(),
                    })?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                    .build()
                    .map_err(|error| TlsError::ClientCa {
                        path: path.to_path_buf(),
                        detail: error.to_string(),
                    })?;
                builder.with_client_cert_verifier(verifier)
            }
            _ => builder.with_no_client_auth(),
        };
        let mut http = builder.with_single_cert(chain, private_key)?;
        http.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            certificate_pem,
            key_pem,
            client_ca_pem,
            http: Arc::new(http),
        })
    }

    /// The acceptor of the HTTP port.
    pub fn http_acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.http))
    }

    /// Whether clients must present a certificate.
    pub fn is_mutual(&self) -> bool {
        self.client_ca_pem.is_some()
    }
}

/// Every certificate of a PEM file; at least one.
fn certificates(
    flag: &'static str,
    path: &Path,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::BadPem {
            flag,
            path: path.to_path_buf(),
            detail: error.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            flag,
            path: path.to_path_buf(),
        });
    }
    Ok(chain)
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        flag,
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        _dir: tempfile::TempDir,
        certificate: PathBuf,
        key: PathBuf,
    }

    fn self_signed() -> Files {
        let dir = tempfile::tempdir().unwrap();
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let certificate = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&certificate, generated.cert.pem()).unwrap();
        std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
        Files {
            _dir: dir,
            certificate,
            key,
        }
    }

    #[test]
    fn a_certificate_and_its_key_load() {
        let files = self_signed();
        let tls = ServerTls::load(&files.certificate, &files.key, None).unwrap();
        assert!(!tls.is_mutual());
        let mutual =
            ServerTls::load(&files.certificate, &files.key, Some(&files.certificate)).unwrap();
        assert!(mutual.is_mutual());
    }

    #[test]
    fn each_bad_file_is_named() {
        let files = self_signed();
        let missing = files.certificate.with_file_name("missing.pem");
        let cases: Vec<(&Path, &Path, &str)> = vec![
            (&missing, &files.key, "cannot read --tls-cert"),
            (&files.certificate, &missing, "cannot read --tls-key"),
            (&files.key, &files.key, "--tls-cert"),
            (&files.certificate, &files.certificate, "--tls-key"),
        ];
        for (certificate, key, expected) in cases {
            let error = ServerTls::load(certificate, key, None)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
        let error = ServerTls::load(&files.certificate, &files.key, Some(&files.key))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--tls-client-ca"), "{error}");
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let files = self_signed();
        let other = self_signed();
        assert!(matches!(
            ServerTls::load(&files.certificate, &other.key, None),
            Err(TlsError::Rejected(_))
        ));
    }
}
