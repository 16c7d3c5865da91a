//! Where messages go: `.eml` files in the outbox folder, or an SMTP server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::RngCore;
use secrecy::ExposeSecret;

use crate::config::{MailTransportConfig, SmtpConfig, SmtpTls};

/// Why a message was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("writing the message file failed: {0}")]
    File(#[from] std::io::Error),
    #[error("the SMTP server did not accept the message: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

impl TransportError {
    /// The fault is this machine's (the outbox folder could not be written:
    /// a full disk, a lost mount), not the recipient's or the relay's.
    pub fn is_local(&self) -> bool {
        matches!(self, TransportError::File(_))
    }
}

pub enum MailTransport {
    /// The outbox folder.
    File(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl MailTransport {
    /// Builds the configured transport; the file transport writes into `outbox_dir`.
    pub fn from_config(config: &MailTransportConfig, outbox_dir: &Path) -> anyhow::Result<Self> {
        Ok(match config {
            MailTransportConfig::File => {
                crate::private_files::ensure_private_dir(outbox_dir)?;
                tracing::info!(outbox = %outbox_dir.display(), "mail is written as .eml files into the outbox folder");
                MailTransport::File(outbox_dir.to_owned())
            }
            MailTransportConfig::Smtp(smtp) => {
                tracing::info!(smtp.host = %smtp.host, smtp.port = smtp.port, smtp.tls = ?smtp.tls, "mail is sent over SMTP");
                MailTransport::Smtp(smtp_transport(smtp)?)
            }
        })
    }

    /// Hands over messages, in order; one result per message. The file transport
    /// writes them all in one blocking task; SMTP sends them over its pooled
    /// connection one after another.
    pub async fn send_all(&self, messages: Vec<Message>) -> Vec<Result<(), TransportError>> {
        if messages.is_empty() {
            return Vec::new();
        }
        match self {
            MailTransport::File(dir) => {
                let dir = dir.clone();
                let count = messages.len();
                tokio::task::spawn_blocking(move || {
                    messages
                        .iter()
                        .map(|m| write_eml(&dir, &m.formatted()).map_err(TransportError::from))
                        .collect()
                })
                .await
                .unwrap_or_else(|_| {
                    (0..count)
                        .map(|_| Err(TransportError::File(std::io::Error::other("writer task failed"))))
                        .collect()
                })
            }
            MailTransport::Smtp(smtp) => {
                let mut results = Vec::with_capacity(messages.len());
                for message in messages {
                    results.push(smtp.send(message).await.map(drop).map_err(TransportError::from));
                }
                results
            }
        }
    }
}

fn smtp_transport(config: &SmtpConfig) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match config.tls {
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
    };
    let mut builder = builder.port(config.port).timeout(Some(Duration::from_secs(30)));
    if let Some(username) = &config.username {
        let password = config.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// Writes a message as `<nanoseconds since 1970>-<random>.eml` (names sort in the
/// order messages were written; file times are too coarse for that), first under a
/// hidden temporary name, then renamed: whoever reads the folder (a mail client, a
/// test) only ever sees complete messages.
fn write_eml(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut id = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("{nanos:020}-{}", hex::encode(id));
    let temporary = dir.join(format!(".{name}.tmp"));
    // A mail holds a plain address and a live link: owner-only, like the folder.
    crate::private_files::write_private_file(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(format!("{name}.eml")))
}
