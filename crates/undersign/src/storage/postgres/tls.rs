//! TLS to a PostgreSQL server on another machine.
//!
//! The address takes libpq's words: `sslmode=require`, `verify-ca` or
//! `verify-full` turn TLS on, and the server's certificate is then always
//! verified, host name included (stricter than libpq's `require`, which
//! encrypts without checking whom to): against `sslrootcert=FILE` (PEM) when
//! given, else the public web roots. Without `sslmode`, or with `disable` or
//! `prefer`, the connection is plain, for a server on the same host or a
//! private network.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use url::Url;

use crate::storage::StoreError;

/// How to reach the server: the address for the driver, and whether to use TLS.
#[derive(Debug)]
pub(super) struct Connection {
    /// The address without the parts the driver does not read.
    pub url: String,
    pub tls: Option<Tls>,
}

/// TLS with the server's certificate verified against these roots.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Tls {
    /// The public web roots (a managed database with a public certificate).
    PublicRoots,
    /// Only the certificates in this PEM file (a private CA, a self-signed server).
    RootFile(PathBuf),
}

fn invalid(message: String) -> StoreError {
    StoreError::Unavailable(format!("the database address is not valid: {message}"))
}

/// Reads `sslmode` and `sslrootcert` from a `postgres://` address.
pub(super) fn connection(address: &str) -> Result<Connection, StoreError> {
    let mut url = Url::parse(address).map_err(|e| invalid(e.to_string()))?;
    let mut mode = None;
    let mut root_file = None;
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "sslmode" => mode = Some(value.into_owned()),
            "sslrootcert" => root_file = Some(PathBuf::from(value.as_ref())),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    let tls = match mode.as_deref() {
        None | Some("disable" | "prefer") => None,
        Some("require" | "verify-ca" | "verify-full") => {
            Some(root_file.take().map_or(Tls::PublicRoots, Tls::RootFile))
        }
        Some(other) => {
            return Err(invalid(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    if root_file.is_some() {
        return Err(invalid("sslrootcert needs sslmode=require, verify-ca or verify-full".into()));
    }
    if tls.is_some() {
        kept.push(("sslmode".into(), "require".into()));
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok(Connection { url: url.into(), tls })
}

/// The driver's TLS connector for `tls`.
pub(super) fn connector(tls: &Tls) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    match tls {
        Tls::PublicRoots => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Tls::RootFile(path) => {
            let unreadable =
                |e: &dyn std::fmt::Display| invalid(format!("sslrootcert {}: {e}", path.display()));
            for certificate in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                roots.add(certificate.map_err(|e| unreadable(&e))?).map_err(|e| unreadable(&e))?;
            }
            if roots.is_empty() {
                return Err(unreadable(&"no certificate in the file"));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Unavailable(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_choose_tls_and_leave_the_address_to_the_driver() {
        let plain = connection("postgres://u@db/undersign").unwrap();
        assert_eq!((plain.url.as_str(), plain.tls), ("postgres://u@db/undersign", None));
        let prefer = connection("postgres://u@db/undersign?sslmode=prefer&application_name=x").unwrap();
        assert_eq!((prefer.url.as_str(), prefer.tls), ("postgres://u@db/undersign?application_name=x", None));
        let public = connection("postgres://u@db/undersign?sslmode=verify-full").unwrap();
        assert_eq!(
            (public.url.as_str(), public.tls),
            ("postgres://u@db/undersign?sslmode=require", Some(Tls::PublicRoots))
        );
        let private =
            connection("postgres://u@db/undersign?sslrootcert=/etc/ca.pem&sslmode=require").unwrap();
        assert_eq!(private.tls, Some(Tls::RootFile(PathBuf::from("/etc/ca.pem"))));
        assert_eq!(private.url, "postgres://u@db/undersign?sslmode=require");
        for bad in ["postgres://u@db/x?sslmode=maybe", "postgres://u@db/x?sslrootcert=/ca.pem"] {
            let error = connection(bad).unwrap_err().to_string();
            assert!(error.contains("sslmode"), "{bad}: {error}");
        }
    }
}
