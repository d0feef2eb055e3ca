//! Connecting, with TLS as `sslmode` asks: rustls (ring) with the platform's trusted roots
//! (`rustls-native-certs`) or the `sslrootcert`/`PGSSLROOTCERT` file. `require` encrypts
//! without checking the certificate, as libpq does without a root certificate; `verify-ca`
//! checks the chain; `verify-full` the chain and the host name.

use super::config::{Target, Tls, host_name};
use crate::error::{Error, Kind, Result};
use anyhow::Context as _;
use postgres::Client;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// Connects (whether TLS ended up in use under `prefer`, `health` asks the server).
pub fn connect(cfg: &postgres::Config, target: &Target) -> Result<Client> {
    let unreachable = |e: postgres::Error| {
        let host = host_name(cfg);
        // A server that answered with a passing state (starting up, shutting down, in
        // recovery, too many clients) is there and the URL is right: try again later.
        if let Some(what) = e.code().and_then(super::error::transient) {
            return Error::new(
                Kind::Unreachable,
                format!("the database server at {host} {what}"),
            )
            .caused_by(super::error::describe(&e))
            .with_hint("try again in a moment; nothing was changed");
        }
        let kind = if e.as_db_error().is_some() {
            // The server answered: a missing database, a refused login, a bad password.
            Kind::Internal
        } else {
            Kind::Unreachable
        };
        let what = if kind == Kind::Unreachable {
            format!("cannot reach the database server at {host}")
        } else {
            format!("the database server at {host} refused the connection")
        };
        let mut err = Error::new(kind, what).caused_by(super::error::describe(&e));
        err = err.with_hint(format!(
            "check {} (PGHOST, PGPORT, PGUSER, PGDATABASE, ~/.pgpass fill what it leaves out); \
             PROJ_CONNECT_TIMEOUT sets how long to wait",
            target.shown
        ));
        err
    };
    // The client's connect timeout covers the TCP connection only; a server that accepts
    // and then says nothing would hold the command forever. So the whole set-up (TCP, TLS,
    // start-up, authentication) runs on a thread the command waits for at most the timeout;
    // when it gives up, the process exits and the thread with it.
    let timeout = cfg
        .get_connect_timeout()
        .copied()
        .unwrap_or(super::config::DEFAULT_CONNECT_TIMEOUT);
    let tls = match cfg.get_ssl_mode() {
        postgres::config::SslMode::Disable => None,
        _ => Some(tokio_postgres_rustls::MakeRustlsConnect::new(
            client_config(target)?,
        )),
    };
    let (sent, received) = std::sync::mpsc::channel();
    let attempt = cfg.clone();
    std::thread::spawn(move || {
        let client = match tls {
            None => attempt.connect(postgres::NoTls),
            Some(tls) => attempt.connect(tls),
        };
        let _ = sent.send(client);
    });
    match received.recv_timeout(timeout) {
        Ok(client) => client.map_err(unreachable),
        Err(_) => Err(Error::new(
            Kind::Unreachable,
            format!(
                "cannot reach the database server at {}: no answer within {} s",
                host_name(cfg),
                timeout.as_secs_f64()
            ),
        )
        .with_hint(format!(
            "check {} and that a PostgreSQL server answers there; PROJ_CONNECT_TIMEOUT sets \
             how long to wait",
            target.shown
        ))),
    }
}

fn client_config(target: &Target) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?;
    if !target.tls.verifies() {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    match &target.root_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::usage(format!("cannot read sslrootcert {}", path.display())).caused_by(e)
            })?;
            for cert in rustls_pemfile_certs(&pem) {
                let _ = roots.add(cert);
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    if roots.is_empty() {
        return Err(Error::usage(format!(
            "sslmode={} needs trusted root certificates, and none were found",
            target.tls.as_str()
        ))
        .with_hint("install the platform's CA certificates, or set sslrootcert / PGSSLROOTCERT"));
    }
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .context("cannot set up TLS")?;
    let verifier: Arc<dyn ServerCertVerifier> = if target.tls == Tls::VerifyCa {
        Arc::new(AnyName(verifier))
    } else {
        verifier
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The certificates of a PEM file.
fn rustls_pemfile_certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .filter_map(|c| c.ok())
        .collect()
}

/// `sslmode=require`: encrypted, the certificate not checked (the handshake's signatures
/// still are).
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must be trusted; the name in it is not compared.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
