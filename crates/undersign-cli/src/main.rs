//! The `undersign` binary: parses the command line and wires the library together.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use undersign::app::{AppState, Application};
use undersign::config::{Config, Overrides};

#[derive(Parser)]
#[command(name = "undersign", version, about = "Open letters with signatures anyone can verify")]
struct Cli {
    /// A TOML configuration file (see docs/OPERATIONS.md).
    #[arg(long, global = true, env = "UNDERSIGN_CONFIG")]
    config: Option<PathBuf>,
    /// The data folder: database, keys and mail outbox.
    #[arg(long = "data", global = true, env = "UNDERSIGN_DATA")]
    data: Option<PathBuf>,
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
        /// Load the demo campaign (once; loading again changes nothing).
        #[arg(long)]
        demo: bool,
    },
    /// Manage letters.
    Letter {
        #[command(subcommand)]
        command: LetterCommand,
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (listen, public_url) = match &cli.command {
        Command::Serve { listen, public_url, .. } => (listen.clone(), public_url.clone()),
        Command::Letter { .. } => (None, None),
    };
    let config = Config::load(Overrides {
        config_file: cli.config.clone(),
        data_dir: cli.data.clone(),
        listen,
        public_url,
    })?;
    undersign::telemetry::init(config.log_format, std::io::stderr);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => {
            let state = AppState::open_with_system_clock(config)?;
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
            let state = AppState::open_with_system_clock(config)?;
            undersign::publishing::publish_letter(&state, &draft).await?;
            println!("published /letters/{}", draft.slug);
            Ok(())
        }
        Command::Letter { command: LetterCommand::Close { slug } } => {
            let slug = undersign::domain::Slug::parse(&slug).map_err(|e| anyhow::anyhow!("{slug:?}: {e}"))?;
            let state = AppState::open_with_system_clock(config)?;
            if !undersign::publishing::close_letter(&state, &slug).await? {
                anyhow::bail!("there is no letter {slug}");
            }
            println!("closed /letters/{slug}");
            Ok(())
        }
    }
}
