//! Who may call what: bearer tokens with scopes, read from a token file that
//! holds no secret in clear. Each line of the file is `SHA256 SCOPES NAME`:
//! the hex SHA-256 of a token, its scopes comma-separated (`read`, `write`),
//! and a name for logs; blank lines and lines starting with `#` are skipped.
//! A presented token is hashed and compared with every entry in constant
//! time (`subtle`), so neither the comparison nor the table's order tells a
//! caller how close a guess came. No framework here: the gRPC and HTTP
//! edges hand in the `authorization` value and map the typed refusal to
//! their status codes.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a method needs. `read`: verify, check, get, list, stats, extract;
/// `write`: ingest and delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    fn parse(name: &str) -> Option<Scope> {
        match name {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// The caller a request was accepted for: a token's name, or `None` when
/// the server runs without tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub Option<String>);

impl fmt::Display for Caller {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0.as_deref().unwrap_or("-"))
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this server requires a token: send `authorization: Bearer TOKEN`")]
    Missing,
    #[error("the authorization value is not `Bearer TOKEN`")]
    Malformed,
    #[error("the token is not known to this server")]
    Unknown,
    #[error("the token {name:?} lacks the {needed} scope", needed = needed.name())]
    LacksScope { name: String, needed: Scope },
}

/// A line of the token file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("line {line}: expected `SHA256 SCOPES NAME` (hex SHA-256 of the token, scopes such as read,write, a name)")]
    Fields { line: usize },
    #[error("line {line}: the digest must be 64 hex digits (the SHA-256 of the token)")]
    Digest { line: usize },
    #[error("line {line}: unknown scope {scope:?} (scopes: read, write)")]
    Scope { line: usize, scope: String },
    #[error("the token file lists no tokens")]
    Empty,
}

struct Entry {
    digest: [u8; 32],
    read: bool,
    write: bool,
    name: String,
}

/// The accepted tokens. Built once at start from the token file.
pub struct TokenTable {
    entries: Vec<Entry>,
}

impl fmt::Debug for TokenTable {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TokenTable")
            .field("tokens", &self.entries.len())
            .finish()
    }
}

/// Whether requests need a token.
#[derive(Debug)]
pub enum Access {
    /// No token file: every request is accepted (the server then listens
    /// only on loopback addresses unless told otherwise).
    Open,
    Tokens(TokenTable),
}

/// The hex SHA-256 of a token: what the token file holds.
pub fn token_digest_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn parse_hex_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut digest = [0u8; 32];
    for (index, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).ok()?;
    }
    Some(digest)
}

impl TokenTable {
    pub fn parse(text: &str) -> Result<TokenTable, TokenFileError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(digest), Some(scopes), Some(name), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(TokenFileError::Fields { line: line_number });
            };
            let digest = parse_hex_digest(&digest.to_ascii_lowercase())
                .ok_or(TokenFileError::Digest { line: line_number })?;
            let (mut read, mut write) = (false, false);
            for scope in scopes.split(',') {
                match Scope::parse(scope) {
                    Some(Scope::Read) => read = true,
                    Some(Scope::Write) => write = true,
                    None => {
                        return Err(TokenFileError::Scope {
                            line: line_number,
                            scope: scope.to_string(),
                        })
                    }
                }
            }
            entries.push(Entry {
                digest,
                read,
                write,
                name: name.to_string(),
            });
        }
        if entries.is_empty() {
            return Err(TokenFileError::Empty);
        }
        Ok(TokenTable { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry whose digest is the token's; every entry is compared, in
    /// constant time.
    fn entry_of(&self, token: &str) -> Option<&Entry> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.digest.ct_eq(&presented)) && found.is_none() {
                found = Some(entry);
            }
        }
        found
    }
}

impl Access {
    /// Whether a request carrying `authorization` (the header's value, if
    /// any) may use a method that needs `needed`.
    pub fn authorize(&self, authorization: Option<&str>, needed: Scope) -> Result<Caller, Refusal> {
        let table = match self {
            Access::Open => return Ok(Caller(None)),
            Access::Tokens(table) => table,
        };
        let value = authorization.ok_or(Refusal::Missing)?.trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(Refusal::Malformed),
        };
        let entry = table.entry_of(token).ok_or(Refusal::Unknown)?;
        let allowed = match needed {
            Scope::Read => entry.read,
            Scope::Write => entry.write,
        };
        if allowed {
            Ok(Caller(Some(entry.name.clone())))
        } else {
            Err(Refusal::LacksScope {
                name: entry.name.clone(),
                needed,
            })
        }
    }

    pub fn requires_tokens(&self) -> bool {
        matches!(self, Access::Tokens(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Access {
        let file = format!(
            "# tokens\n\n{} read desk\n{} read,write ingest-bot\n",
            token_digest_hex("reader-secret"),
            token_digest_hex("writer-secret").to_uppercase(),
        );
        Access::Tokens(TokenTable::parse(&file).unwrap())
    }

    #[test]
    fn tokens_are_accepted_for_their_scopes_only() {
        let access = table();
        let named = |name: &str| Ok(Caller(Some(name.to_string())));
        let cases: &[(Option<&str>, Scope, Result<Caller, Refusal>)] = &[
            (Some("Bearer reader-secret"), Scope::Read, named("desk")),
            (Some("bearer  reader-secret "), Scope::Read, named("desk")),
            (
                Some("Bearer reader-secret"),
                Scope::Write,
                Err(Refusal::LacksScope {
                    name: "desk".into(),
                    needed: Scope::Write,
                }),
            ),
            (
                Some("Bearer writer-secret"),
                Scope::Write,
                named("ingest-bot"),
            ),
            (
                Some("Bearer writer-secret"),
                Scope::Read,
                named("ingest-bot"),
            ),
            (Some("Bearer wrong"), Scope::Read, Err(Refusal::Unknown)),
            (Some("reader-secret"), Scope::Read, Err(Refusal::Malformed)),
            (Some("Basic cmVhZGVy"), Scope::Read, Err(Refusal::Malformed)),
            (None, Scope::Read, Err(Refusal::Missing)),
        ];
        for (authorization, needed, expected) in cases {
            assert_eq!(
                &access.authorize(*authorization, *needed),
                expected,
                "{authorization:?} for {needed:?}"
            );
        }
    }

    #[test]
    fn an_open_server_accepts_anyone() {
        assert_eq!(Access::Open.authorize(None, Scope::Write), Ok(Caller(None)));
    }

    #[test]
    fn a_bad_token_file_names_the_line() {
        let digest = token_digest_hex("x");
        let cases = [
            (format!("{digest} read"), "line 1: expected"),
            (format!("\n{} read a", &digest[..60]), "line 2: the digest"),
            (
                format!("{digest} read,admin a"),
                "line 1: unknown scope \"admin\"",
            ),
            (format!("{digest} read a extra"), "line 1: expected"),
            (
                "# only a comment\n".to_string(),
                "the token file lists no tokens",
            ),
        ];
        for (file, message) in cases {
            let error = TokenTable::parse(&file).unwrap_err().to_string();
            assert!(error.starts_with(message), "{file:?}: {error}");
        }
    }

    #[test]
    fn the_digest_is_the_hex_sha256_of_the_token() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            token_digest_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
