//! The `undersign` binary: parses the command line and wires the library together.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use undersign::app::Application;
use undersign::config::{Config, Overrides};
use undersign::state::AppState;

#[derive(Parser)]
#[command(name = "undersign", version, about = "Open letters with signatures anyone can verify")]
struct Cli {
    /// A TOML configuration file (see docs/OPERATIONS.md).
    #[arg(long, global = true, env = "UNDERSIGN_CONFIG")]
    config: Option<PathBuf>,
    /// The data folder: database, keys and mail outbox.
    #[arg(long = "data", global = true, env = "UNDERSIGN_DATA")]
    data: Option<PathBuf>,
    /// The database: a postgres:// address for PostgreSQL (several nodes can
    /// share it); without it, SQLite in the data folder.
    #[arg(long, global = true, env = "UNDERSIGN_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "UNDERSIGN_LISTEN")]
        listen: Option<String>,
        /// The address people reach this instance at, used in e-mailed links.
        #[arg(long, env = "UNDERSIGN_PUBLIC_URL")]
        public_url: Option<String>,
        /// Serve Prometheus metrics at http://ADDR/metrics (off by default; keep it
        /// off the public network).
        #[arg(long, value_name = "ADDR", env = "UNDERSIGN_METRICS_LISTEN")]
        metrics_listen: Option<String>,
        /// Load the demo campaign (once; loading again changes nothing).
        #[arg(long)]
        demo: bool,
    },
    /// Manage letters.
    Letter {
        #[command(subcommand)]
        command: LetterCommand,
    },
    /// Verify a letter's log from a site or a static mirror; exits non-zero on any failure.
    Verify {
        /// A site (http:// or https://) or a folder written by `export --static`.
        source: String,
        /// The letter's slug; may be left out when the source holds one letter.
        #[arg(long)]
        letter: Option<String>,
        /// The letter's verifier key (vkey), from `<log>/key` or a trusted place.
        #[arg(long)]
        key: String,
        /// A checkpoint saved earlier: the log must have only grown since.
        #[arg(long)]
        previous: Option<PathBuf>,
    },
    /// Manage instance admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage tokens of trusted API clients.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Copy this instance's SQLite database into an empty PostgreSQL database,
    /// then check that every letter's checkpoint and counts are the same in both.
    /// Stop the server first. Interrupted, it leaves the target empty: run it again.
    Migrate {
        /// The PostgreSQL database to copy into (postgres://user@host/db); it must be empty.
        #[arg(long, value_name = "URL", env = "UNDERSIGN_MIGRATE_TO", hide_env_values = true)]
        to: String,
    },
    /// Copy the database (consistently, while the server runs), the key files and
    /// a manifest of every letter's checkpoint into a new folder.
    Backup {
        /// A new or empty folder.
        destination: PathBuf,
        /// Encrypt every file but the manifest to this age public key (age1…),
        /// with the `age` program.
        #[arg(long, value_name = "AGE_PUBLIC_KEY")]
        encrypt_to: Option<String>,
    },
    /// Restore a backup into a new data folder (and, for a PostgreSQL backup,
    /// the empty database given with --database), then check that every letter's
    /// checkpoint root and count are the ones in the backup's manifest.
    Restore {
        /// The backup's folder.
        source: PathBuf,
        /// The age key file, for an encrypted backup.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Write letters' logs as static files that any web server can mirror.
    Export {
        /// The folder to write into.
        #[arg(long = "static", value_name = "DIR")]
        static_dir: PathBuf,
        /// Only this letter.
        #[arg(long)]
        letter: Option<String>,
    },
}

#[derive(Subcommand)]
enum LetterCommand {
    /// Publish a letter from a Markdown file with a front matter.
    Publish {
        /// The letter file.
        file: PathBuf,
    },
    /// Close a letter: it stays readable and counted but takes no more signatures.
    Close {
        /// The letter's slug.
        slug: String,
    },
    /// Watch for a name provocateurs may use (e.g. a public figure): matching
    /// signatures, in any script or spelling, are held for moderators.
    Watch { slug: String, name: String },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make an instance admin (creating the account if needed). They sign in at
    /// /sign-in with this address and must set up a second factor first.
    Create {
        #[arg(long)]
        email: String,
    },
    /// Print a sign-in link (15 minutes, once) for an organiser who gets none by
    /// mail: their address used up its hourly links, or mail is down. Hand it over
    /// by a channel you trust; it is written to the audit log.
    SignInLink {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a trusted API client (bulk import): no proof of work, no rate limits.
    Create {
        /// A name to recognise the client by.
        name: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Verify { source, letter, key, previous } = &cli.command {
        // Verification needs no configuration or data folder: only the log.
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        let code = runtime.block_on(verify(source, letter.as_deref(), key, previous.as_deref()));
        std::process::exit(code);
    }
    let (listen, public_url, metrics_listen) = match &cli.command {
        Command::Serve { listen, public_url, metrics_listen, .. } => {
            (listen.clone(), public_url.clone(), metrics_listen.clone())
        }
        _ => (None, None, None),
    };
    let config = Config::load(Overrides {
        config_file: cli.config.clone(),
        data_dir: cli.data.clone(),
        database: cli.database.clone(),
        listen,
        public_url,
        metrics_listen,
    })?;
    undersign::telemetry::init(config.log_format, std::io::stderr);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => {
            let state = AppState::open_with_system_clock(config).await?;
            if demo {
                undersign::demo::load(&state).await.context("loading the demo campaign")?;
            }
            let app = Application::start(state).await?;
            app.run_until_signal().await
        }
        Command::Letter { command: LetterCommand::Publish { file } } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let draft = undersign::letter_file::parse_letter_file(&text)
                .with_context(|| format!("{} is not a valid letter file", file.display()))?;
            let state = AppState::open_with_system_clock(config).await?;
            let id = undersign::publishing::publish_letter(&state, &draft).await?;
            undersign::organisers::record_operator_action(
                &state,
                Some(id),
                undersign::organisers::actions::LETTER_PUBLISHED,
                &undersign::organisers::detail(
                    "from-file",
                    &[draft.slug.as_str(), &file.display().to_string()],
                ),
            )
            .await?;
            println!("published /letters/{}", draft.slug);
            Ok(())
        }
        Command::Export { static_dir, letter } => {
            let slug = letter
                .map(|l| undersign::domain::Slug::parse(&l).map_err(|e| anyhow::anyhow!("{l:?}: {e}")))
                .transpose()?;
            let state = AppState::open_with_system_clock(config).await?;
            let summary = undersign::export::export_static(&state, &static_dir, slug.as_ref()).await?;
            for (slug, size) in &summary.letters {
                println!("exported {slug}: {size} entries");
            }
            println!("{} files written to {}", summary.files, static_dir.display());
            Ok(())
        }
        Command::Migrate { to } => {
            let mut progress = migrate_progress::Progress::new();
            let report = undersign::storage::transfer::copy_sqlite_to_postgres(
                &config.database_path(),
                &to,
                &mut progress,
            )
            .await?;
            drop(progress);
            let rows: u64 = report.tables.iter().map(|(_, rows)| rows).sum();
            println!("copied {rows} rows in {} tables", report.tables.len());
            for letter in &report.letters {
                match (letter.checkpoint, letter.root_base64()) {
                    (Some((size, _, count)), Some(root)) => println!(
                        "{}: checkpoint size {size}, count {count}, root {root}: the same in both",
                        letter.slug
                    ),
                    _ => println!("{}: no checkpoint yet: the same in both", letter.slug),
                }
            }
            println!(
                "done: start the nodes with --database (or UNDERSIGN_DATABASE_URL) and this instance's key folder"
            );
            Ok(())
        }
        Command::Backup { destination, encrypt_to } => {
            let started = std::time::Instant::now();
            let bar = backup_bar();
            let manifest = undersign::backup::backup(
                &config,
                &destination,
                encrypt_to.as_deref(),
                &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await?;
            bar.finish_and_clear();
            for file in &manifest.files {
                println!("{:>14} bytes  {}", file.bytes, file.path);
            }
            for letter in &manifest.letters {
                println!(
                    "{}: checkpoint size {}, count {}, root {}",
                    letter.slug, letter.log_size, letter.count, letter.root
                );
            }
            println!(
                "backed up into {} in {:.1} s{}",
                destination.display(),
                started.elapsed().as_secs_f64(),
                if manifest.encrypted_to.is_some() { ", encrypted" } else { "" }
            );
            Ok(())
        }
        Command::Restore { source, identity } => {
            let started = std::time::Instant::now();
            let report = undersign::backup::restore(&config, &source, identity.as_deref()).await?;
            for (letter, matches) in &report.letters {
                let verdict = if *matches { "the same as in the backup" } else { "DIFFERS from the backup" };
                println!(
                    "{}: checkpoint size {}, count {}: {verdict}",
                    letter.slug, letter.log_size, letter.count
                );
            }
            if !report.all_match() {
                anyhow::bail!(
                    "the restored database does not show every letter as the backup's manifest does"
                );
            }
            println!(
                "restored {} letters into {} in {:.1} s; every checkpoint matches the manifest",
                report.letters.len(),
                config.data_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Verify { .. } => unreachable!("handled before configuration is loaded"),
        Command::Letter { command: LetterCommand::Watch { slug, name } } => {
            let slug = undersign::domain::Slug::parse(&slug).map_err(|e| anyhow::anyhow!("{slug:?}: {e}"))?;
            let state = AppState::open_with_system_clock(config).await?;
            let added = undersign::publishing::watch_name(&state, &slug, &name).await?;
            if added {
                let letter = state.store.letter(&slug).await?;
                // The name itself stays out of the log: it may be a person's.
                undersign::organisers::record_operator_action(
                    &state,
                    letter.map(|l| l.id),
                    undersign::organisers::actions::WATCH_LIST_CHANGED,
                    &undersign::organisers::detail("name-watched", &[]),
                )
                .await?;
            }
            println!("{}", if added { "added to the watch list" } else { "already on the watch list" });
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { email } } => {
            let email = undersign::domain::EmailAddress::parse(&email)
                .map_err(|_| anyhow::anyhow!("{email:?} is not an e-mail address"))?;
            let state = AppState::open_with_system_clock(config).await?;
            let created = undersign::organisers::create_admin(&state, &email).await?;
            println!(
                "{} is an instance admin{}; sign in at {}",
                email.as_str(),
                if created { " (new account)" } else { "" },
                state.config.served_link("sign-in")
            );
            Ok(())
        }
        Command::Admin { command: AdminCommand::SignInLink { email } } => {
            let email = undersign::domain::EmailAddress::parse(&email)
                .map_err(|_| anyhow::anyhow!("{email:?} is not an e-mail address"))?;
            let state = AppState::open_with_system_clock(config).await?;
            let Some(link) = undersign::organisers::operator_sign_in_link(&state, &email).await? else {
                anyhow::bail!("{} has no organiser account on this instance", email.as_str());
            };
            println!("{}", state.config.served_link(&format!("sign-in/{}", link.expose())));
            eprintln!("The link works once, for 15 minutes, in the browser that opens it first.");
            Ok(())
        }
        Command::Token { command: TokenCommand::Create { name } } => {
            let state = AppState::open_with_system_clock(config).await?;
            let token = undersign::publishing::create_api_token(&state, &name).await?;
            println!("{}", token.expose());
            eprintln!(
                "Send it as `Authorization: Bearer <token>`. It is shown only now; only its hash is stored."
            );
            Ok(())
        }
        Command::Letter { command: LetterCommand::Close { slug } } => {
            let slug = undersign::domain::Slug::parse(&slug).map_err(|e| anyhow::anyhow!("{slug:?}: {e}"))?;
            let state = AppState::open_with_system_clock(config).await?;
            let letter = state
                .store
                .letter(&slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no letter {slug}"))?;
            undersign::publishing::close_letter(&state, &slug).await?;
            undersign::organisers::record_operator_action(
                &state,
                Some(letter.id),
                undersign::organisers::actions::LETTER_CLOSED,
                "",
            )
            .await?;
            println!("closed /letters/{slug}");
            Ok(())
        }
    }
}

/// The SQLite copy's progress in pages; hidden off a terminal.
fn backup_bar() -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("copying [{bar:30}] {pos}/{len} pages ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

mod migrate_progress {
    //! `migrate`'s progress: a bar per table on a terminal, a plain line per
    //! step otherwise (logs, CI).

    use std::io::IsTerminal;
    use std::time::Instant;

    use indicatif::{ProgressBar, ProgressStyle};
    use undersign::storage::transfer::TransferProgress;

    pub struct Progress {
        terminal: bool,
        bar: Option<ProgressBar>,
        started: Instant,
    }

    impl Progress {
        pub fn new() -> Self {
            Self { terminal: std::io::stderr().is_terminal(), bar: None, started: Instant::now() }
        }
    }

    impl TransferProgress for Progress {
        fn table_started(&mut self, table: &str, rows: u64) {
            // Off a terminal, one line when the table is done.
            self.started = Instant::now();
            if self.terminal {
                let bar = ProgressBar::new(rows).with_message(table.to_owned());
                if let Ok(style) =
                    ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} rows ({per_sec}, {eta})")
                {
                    bar.set_style(style.progress_chars("=> "));
                }
                self.bar = Some(bar);
            }
        }

        fn rows_copied(&mut self, rows: u64) {
            if let Some(bar) = &self.bar {
                bar.inc(rows);
            }
        }

        fn table_finished(&mut self, table: &str, rows: u64) {
            if let Some(bar) = self.bar.take() {
                bar.finish();
            } else {
                eprintln!("copied {table}: {rows} rows in {:.1} s", self.started.elapsed().as_secs_f64());
            }
        }

        fn step(&mut self, message: &str) {
            eprintln!("{message}");
        }
    }
}

/// Runs a verification and prints its report; returns the exit status.
async fn verify(source: &str, letter: Option<&str>, key: &str, previous: Option<&std::path::Path>) -> i32 {
    use undersign::verify::{Source, verify};
    let previous = match previous.map(std::fs::read_to_string).transpose() {
        Ok(previous) => previous,
        Err(error) => {
            eprintln!("verification FAILED: cannot read the previous checkpoint: {error}");
            return 2;
        }
    };
    let result = match Source::from_arg(source) {
        Ok(source) => verify(&source, letter, key, previous.as_deref()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(report) => {
            print!("{report}");
            println!("OK: the log verifies");
            0
        }
        Err(error) => {
            eprintln!("verification FAILED: {error}");
            1
        }
    }
}
