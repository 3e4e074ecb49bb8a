//! The `ar-triage` binary: parse the command line, set up logging, dispatch.

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("AR_TRIAGE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = ar_triage::cli::Cli::parse();
    use ar_triage::cli::Command;
    match &cli.command {
        Command::ReadWorker(_) => {}
        // A training step frees and re-allocates its whole working set
        // (about 1 GB at 16 x 128 tokens); trimming it away after every
        // step cost a fifth of the step in page faults.
        Command::Train(_) => keep_freed_memory(i32::MAX),
        Command::Bench(b) if b.train_step => keep_freed_memory(i32::MAX),
        _ => keep_freed_memory(256 << 20),
    }
    match ar_triage::cli::run(cli) {
        Ok(code) => std::process::ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Tells glibc's allocator to keep freed buffers of up to 32 MiB in the heap
/// and not to hand freed memory back to the system below `trim` bytes
/// (256 MiB for the service and inference, no limit for training).
///
/// The model allocates and frees the same few activation buffers for every
/// batch; with glibc's defaults each one above its adaptive mmap threshold is
/// mapped, page-faulted in, and unmapped again every time (measured: about
/// 13 % of classification time). Reader children, which run under an
/// address-space limit and no model, keep the defaults.
fn keep_freed_memory(trim: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters; it is
    // called once, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, trim);
    }
}
