//! Progress of a long `render` on standard error: one line, redrawn in place, for a person
//! watching a terminal. Nothing is drawn when standard error is not a terminal (a log, CI, a
//! pipe), with `--format json`, or with `TERM=dumb`; the line is erased when the work ends, so
//! what stays on the screen is the same as without it.
//!
//! Writing the tree is what takes time (`render --out` of 10,000 bridges: about 30 s on a slow
//! disk, of which validating and rendering are 0.3 s; README, Performance), so the line counts
//! the files written, then the files of the previous tree removed.

use std::io::Write as _;
use std::time::{Duration, Instant};

/// A render of at least this many hosts shows its progress from the first file; a smaller one
/// only once it has taken [`DELAY`] (a slow disk).
pub const MANY_HOSTS: usize = 1000;

/// How long a small render works before the line appears.
const DELAY: Duration = Duration::from_millis(200);

/// How often the line is redrawn at most.
const INTERVAL: Duration = Duration::from_millis(100);

/// The progress line of one run.
pub struct Progress {
    on: bool,
    /// Draw from the first tick (a large render), without waiting for [`DELAY`].
    at_once: bool,
    start: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// No progress at all.
    pub fn off() -> Self {
        Self {
            on: false,
            at_once: false,
            start: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    /// Progress on standard error for text output (`text`), when standard error is a terminal
    /// that can redraw a line; `hosts` is how many hosts the render writes.
    pub fn on_stderr(text: bool, hosts: usize) -> Self {
        use std::io::IsTerminal;
        let on = text
            && std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        Self {
            on,
            at_once: hosts >= MANY_HOSTS,
            ..Self::off()
        }
    }

    /// `done` of `total` steps of `what` (e.g. `writing files`) are done.
    pub fn tick(&mut self, what: &str, done: usize, total: usize) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        if !self.at_once && now.duration_since(self.start) < DELAY {
            return;
        }
        // Every redraw costs a write to the terminal: at most one per INTERVAL, and the last.
        if done < total
            && self
                .last
                .is_some_and(|last| now.duration_since(last) < INTERVAL)
        {
            return;
        }
        self.last = Some(now);
        self.drawn = true;
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let mut err = std::io::stderr().lock();
        // \r and "erase line": the line is redrawn in place.
        let _ = write!(
            err,
            "\r\u{1b}[2Kjitsi-topology: {what} {done}/{total} ({percent}%)"
        );
        let _ = err.flush();
    }

    /// Erases the line, if one was drawn.
    pub fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\u{1b}[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
