//! Progress bars on a terminal: one bar per site of a crawl run (tasks
//! done of tasks known, growing as pages queue more), and a spinner naming
//! the analysis stage (from the analysis library's `stage` events, read by
//! [`StageLayer`]), drawn with indicatif on stderr. Log lines written
//! meanwhile go through [`LogWriter`], which lifts the bars while a line is
//! printed so the two never garble.
//!
//! It owns drawing only. When stderr is not a terminal (CI, a pipe, a
//! log file) nothing is drawn and the plain log lines are the record; it
//! must never change what a run does.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, LazyLock, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};
use wildtrace_crawler::crawl::{Progress, ProgressSink};

/// The bars of this process (hidden when stderr is not a terminal).
static BARS: LazyLock<MultiProgress> = LazyLock::new(|| {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    MultiProgress::with_draw_target(target)
});

/// Whether bars are drawn at all.
pub fn enabled() -> bool {
    !BARS.is_hidden()
}

/// A crawl progress receiver drawing one bar per site, or `None` when
/// bars are not drawn (so the crawler does not even call it).
pub fn crawl_bars() -> Option<ProgressSink> {
    enabled().then(|| ProgressSink(Arc::new(CrawlBars::default())))
}

#[derive(Default)]
struct CrawlBars {
    sites: Mutex<HashMap<String, ProgressBar>>,
}

impl CrawlBars {
    fn bar(&self, site: &str, len: usize) -> ProgressBar {
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites
            .entry(site.to_string())
            .or_insert_with(|| {
                let bar = BARS.add(ProgressBar::new(len as u64));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>13} [{bar:30}] {pos}/{len} pages {elapsed_precise}",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
                bar.set_prefix(site.to_string());
                bar
            })
            .clone()
    }
}

impl Progress for CrawlBars {
    fn site_started(&self, site: &str, queued: usize) {
        // A new round of the same job starts the site's bar afresh.
        let bar = self.bar(site, queued);
        bar.reset();
        bar.set_length(queued as u64);
    }

    fn task_done(&self, site: &str, left: usize) {
        let bar = self.bar(site, left);
        bar.inc(1);
        bar.set_length(bar.position() + left as u64);
    }

    fn site_finished(&self, site: &str) {
        self.bar(site, 0).finish();
    }
}

/// Where log lines go: stderr, with the bars lifted while a line prints.
#[derive(Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BARS.suspend(|| std::io::stderr().write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// Shows the analysis library's `stage` events (`stage = "drawing figures"`)
/// on a spinner; `stage = "done"` finishes it.
pub struct StageLayer {
    spinner: Mutex<Option<ProgressBar>>,
}

impl StageLayer {
    pub fn new() -> StageLayer {
        StageLayer {
            spinner: Mutex::new(None),
        }
    }
}

/// Reads the `stage` field of an event.
struct Stage(Option<String>);

impl Visit for Stage {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "stage" {
            self.0 = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "stage" {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_string());
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for StageLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !enabled() {
            return;
        }
        let mut stage = Stage(None);
        event.record(&mut stage);
        let Some(stage) = stage.0 else { return };
        let mut spinner = self.spinner.lock().unwrap_or_else(|e| e.into_inner());
        if stage == "done" {
            if let Some(s) = spinner.take() {
                s.finish_with_message("done");
            }
            return;
        }
        let s = spinner.get_or_insert_with(|| {
            let s = BARS.add(ProgressBar::new_spinner());
            s.set_style(
                ProgressStyle::with_template("{spinner} analysis: {msg} {elapsed_precise}")
                    .expect("a valid template"),
            );
            s.enable_steady_tick(std::time::Duration::from_millis(120));
            s
        });
        s.set_message(stage);
    }
}
