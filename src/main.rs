//! The `claimcheck` binary: parses flags, sets up logging, and dispatches to
//! the server or a client command. All work happens in the library.

use clap::Parser;

use claimcheck::cli;
use claimcheck::config::{Cli, Command, LogFormat};

/// mimalloc instead of the system allocator: ingest and verification
/// allocate many small strings and vectors from several threads, where
/// glibc's allocator spent about a quarter of the server's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let arguments = Cli::parse();
    set_up_logging(arguments.log_format);
    if !matches!(arguments.command, Command::Serve(_)) {
        end_quietly_when_the_reader_leaves();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match arguments.command {
            Command::Serve(args) => cli::serve::run(args).await,
            Command::Ingest(args) => cli::ingest::run(args).await,
            Command::Verify(args) => cli::verify::run(args).await,
            Command::Check(args) => cli::check::run(args).await,
            Command::Extract(args) => cli::extract::run(args),
            Command::Eval(args) => cli::eval::run(args).await,
            Command::Health(args) => cli::health::run(args).await,
            Command::Token(args) => cli::token::run(args),
            Command::Reindex(args) => cli::reindex::run(args),
            Command::Compact(args) => cli::reindex::compact(args),
        }
    });
    // Work still on the blocking pool (an analysis, a verification between
    // its checks) gets a moment to end; the store was flushed before the
    // server returned, so nothing acknowledged depends on it, and the
    // process does not outlive its shutdown grace waiting for it.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", cli::error_chain(error.chain()));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`), as text
/// (colour codes only for a person at a terminal, never in a file or pipe)
/// or as one JSON object per line.
fn set_up_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// A client command printing into a pipe whose reader has left
/// (`claimcheck extract … | head`) ends quietly, as command-line tools do,
/// instead of panicking on the failed write: the default action of SIGPIPE
/// is restored (Rust ignores it at start-up). The server keeps ignoring it,
/// so a client that hangs up is an error on that connection only.
fn end_quietly_when_the_reader_leaves() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
