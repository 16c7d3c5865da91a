//! Structured logs with `tracing`. Log lines carry identifiers (letter slugs, job
//! ids, routes), never an e-mail address, a name, a token, a key or an IP address.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides the default level (info).
pub fn init<W>(format: LogFormat, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    init_with_default_level(format, writer, "info");
}

/// As [`init`], with another default level (tests log at `debug`).
pub fn init_with_default_level<W>(format: LogFormat, writer: W, level: &str)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    // The PostgreSQL driver logs every statement it prepares at debug: which
    // statements a request ran would tell a repeated signature from a first one,
    // so the driver speaks at info whatever the default level. The pool warns
    // once per failed connection attempt: while the server is down that is a
    // line per request, and our own log says it once a minute with a count.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},tokio_postgres=info,deadpool=error")));
    // Colours only for a person at a terminal; a file, a pipe or journald gets
    // plain text (the service writes its log to stderr).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
