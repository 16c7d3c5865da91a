//! Where messages go: `.eml` files in the outbox folder, or an SMTP server.

use std::path::Path;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailTransportConfig, SmtpConfig, SmtpTls};

/// Why a message was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("writing the message file failed: {0}")]
    File(#[from] lettre::transport::file::Error),
    #[error("the SMTP server did not accept the message: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

pub enum MailTransport {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl MailTransport {
    /// Builds the configured transport; the file transport writes into `outbox_dir`.
    pub fn from_config(config: &MailTransportConfig, outbox_dir: &Path) -> anyhow::Result<Self> {
        Ok(match config {
            MailTransportConfig::File => {
                std::fs::create_dir_all(outbox_dir)?;
                tracing::info!(outbox = %outbox_dir.display(), "mail is written as .eml files into the outbox folder");
                MailTransport::File(AsyncFileTransport::new(outbox_dir))
            }
            MailTransportConfig::Smtp(smtp) => {
                tracing::info!(smtp.host = %smtp.host, smtp.port = smtp.port, smtp.tls = ?smtp.tls, "mail is sent over SMTP");
                MailTransport::Smtp(smtp_transport(smtp)?)
            }
        })
    }

    pub async fn send(&self, message: Message) -> Result<(), TransportError> {
        match self {
            MailTransport::File(file) => {
                file.send(message).await?;
            }
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
