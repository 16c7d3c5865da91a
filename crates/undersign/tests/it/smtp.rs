//! The SMTP transport against a real SMTP server on loopback (Debian's aiosmtpd,
//! storing what it receives in a Maildir).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use undersign::config::{MailTransportConfig, SmtpConfig, SmtpTls};

use crate::helpers::{LETTER, TestApp, pairs, parse_mail, valid_form};

/// The SMTP server process, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port).await
    }

    /// Waits up to ten seconds for at least one message.
    async fn wait_for_messages(&self) -> Vec<Vec<u8>> {
        for _ in 0..100 {
            let received = self.received();
            if !received.is_empty() {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Vec::new()
    }

    fn received(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.path().join("Maildir/new")) else {
            return Vec::new();
        };
        entries.filter_map(Result::ok).map(|e| std::fs::read(e.path()).unwrap()).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plain SMTP to the loopback server (no TLS: it has no certificate).
fn smtp_on(port: u16) -> MailTransportConfig {
    MailTransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
    })
}

#[tokio::test]
async fn confirmation_mail_is_delivered_over_smtp_and_its_link_works() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = TestApp::spawn_with(|config| {
        config.mail.from = "Open letters <letters@example.org>".into();
        config.mail.transport = smtp_on(port);
    })
    .await;

    let form = valid_form("smtp-signer@example.org");
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);

    let received = smtp.wait_for_messages().await;
    assert_eq!(received.len(), 1, "one message reached the SMTP server");
    let mail = parse_mail(&received[0]);
    assert_eq!(mail.to, "smtp-signer@example.org");
    assert!(String::from_utf8_lossy(&received[0]).contains("letters@example.org"));
    app.confirm(&mail.confirmation_link()).await;
    assert_eq!(app.count(LETTER).await, 1);
    assert!(crate::helpers::read_outbox(&app.outbox_dir()).is_empty(), "nothing went to the file outbox");
}

#[tokio::test]
async fn mail_waits_in_the_outbox_while_the_smtp_server_is_down_and_goes_out_later() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::spawn_with(|config| config.mail.transport = smtp_on(port)).await;
    let form = valid_form("patient@example.org");
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303, "signing does not wait for mail");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The first attempt failed; the job is due again 30 s later on the app's clock.
    let smtp = SmtpServer::start_on(port).await;
    app.clock.advance(time::Duration::seconds(31));
    app.state().mail_wake.notify_one();
    let received = smtp.wait_for_messages().await;
    assert_eq!(received.len(), 1, "the retry delivered the message");
}

impl SmtpServer {
    async fn start_on(port: u16) -> Self {
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("Maildir"))
            .stdout(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed by .ci/run (apt-get install python3-aiosmtpd)");
        // Owned from here on, so a failed start still stops the process.
        let server = Self { child, port, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not start on port {port}");
    }
}
