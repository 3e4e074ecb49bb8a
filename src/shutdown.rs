//! Stopping cleanly when the process is asked to: a watch flag that turns
//! true on Ctrl-C (SIGINT) or SIGTERM, for `ingest` now and `serve` later.
//!
//! Long-running loops take the receiver and finish the message (or request)
//! in hand before they return, so a stop never leaves half-stored work.

use tokio::sync::watch;

/// A stop flag that turns true when the process is asked to stop (Ctrl-C,
/// or SIGTERM on Unix).
///
/// The handlers are registered before this returns, so a signal arriving at
/// any later point is caught. Must be called inside a tokio runtime (it
/// spawns the task that waits for the signal); the flag stays readable for
/// the rest of the process.
pub fn stop_on_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            (int, term) => {
                for e in [int.err(), term.err()].into_iter().flatten() {
                    tracing::warn!("cannot listen for stop signals: {e}");
                }
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping after the message in hand");
        let _ = tx.send(true);
        // Keep the sender alive until the process ends.
        std::future::pending::<()>().await;
    });
    rx
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sigterm_sets_the_flag() {
        let mut stop = stop_on_signal();
        assert!(!*stop.borrow());
        // SAFETY: raise() sends a signal to this process; tokio's handler
        // for SIGTERM is registered above, so the process is not terminated.
        let rc = unsafe { libc_raise(15) };
        assert_eq!(rc, 0);
        tokio::time::timeout(std::time::Duration::from_secs(5), stop.changed())
            .await
            .expect("the flag changes within 5 s")
            .unwrap();
        assert!(*stop.borrow());
    }

    unsafe extern "C" {
        #[link_name = "raise"]
        fn libc_raise(sig: i32) -> i32;
    }
}
