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
                std::fs::create_dir_all(outbox_dir)?;
                tracing::info!(outbox = %outbox_dir.display(), "mail is written as .eml files into the outbox folder");
                MailTransport::File(outbox_dir.to_owned())
            }
            MailTransportConfig::Smtp(smtp) => {
                tracing::info!(smtp.host = %smtp.host, smtp.port = smtp.port, smtp.tls = ?smtp.tls, "mail is sent over SMTP");
                MailTransport::Smtp(smtp_transport(smtp)?)
            }
        })
    }

    pub async fn send(&self, message: Message) -> Result<(), TransportError> {
        match self {
            MailTransport::File(dir) => write_eml(dir, &message.formatted()).await?,
            MailTransport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
        }
        Ok(())
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
async fn write_eml(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut id = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("{nanos:020}-{}", hex::encode(id));
    let temporary = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, dir.join(format!("{name}.eml"))).await
}
