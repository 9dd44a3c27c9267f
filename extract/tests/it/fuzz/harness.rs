//! The fuzz harness: a target generates inputs from a seeded generator and
//! checks each one; a panic (crash or violated property), a case slower
//! than the target's time budget, a case that never ends (watchdog) and a
//! case that allocates more than the target's memory cap are failures.
//! Every failing input is written to `tests/fuzz-regressions/<target>/`,
//! and every file there is checked again, first, on every run.
//!
//! `./wt test` runs each target for its fixed number of cases with a fixed
//! seed (the same inputs every run); `./wt fuzz NAME --minutes N` sets
//! `WILDTRACE_FUZZ=NAME` and `WILDTRACE_FUZZ_MINUTES=N`, and the target
//! then runs for N minutes from a random seed (printed;
//! `WILDTRACE_FUZZ_SEED` replays one).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

/// One fuzz target.
pub struct Target {
    /// Name (`./wt fuzz NAME`, the regression folder).
    pub name: &'static str,
    /// Cases in `./wt test`.
    pub cases: u64,
    /// Longest a case may take.
    pub time_budget: Duration,
    /// Most bytes a case may hold allocated at once.
    pub mem_cap: usize,
    /// Makes one input.
    pub generate: fn(&mut StdRng) -> Vec<u8>,
    /// Checks one input; panics when a property does not hold.
    pub check: fn(&[u8]),
}

/// What a run did.
#[derive(Debug, Default)]
struct Report {
    cases: u64,
    regressions: usize,
    slowest: Duration,
    peak: usize,
}

struct Failure {
    what: String,
    input: Vec<u8>,
}

/// The input in hand and when its check started (for the watchdog).
type Current = Arc<Mutex<(Vec<u8>, Option<Instant>)>>;

fn regressions_dir(name: &str) -> PathBuf {
    crate::support::manifest_dir()
        .join("tests/fuzz-regressions")
        .join(name)
}

fn save(name: &str, input: &[u8]) -> PathBuf {
    let dir = regressions_dir(name);
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}.bin", &hex::encode(Sha256::digest(input))[..16]));
    let _ = std::fs::write(&file, input);
    file
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic)".into())
}

/// Checks one input against the budgets.
fn one(t: &Target, input: &[u8], current: &Current, report: &mut Report) -> Result<(), Failure> {
    *current.lock().unwrap() = (input.to_vec(), Some(Instant::now()));
    reset_peak();
    let start = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| (t.check)(input)));
    let took = start.elapsed();
    let peak = peak();
    current.lock().unwrap().1 = None;
    report.slowest = report.slowest.max(took);
    report.peak = report.peak.max(peak);
    let fail = |what: String| Failure {
        what,
        input: input.to_vec(),
    };
    if let Err(p) = r {
        return Err(fail(format!("panicked: {}", panic_text(p.as_ref()))));
    }
    if took > t.time_budget {
        return Err(fail(format!(
            "took {took:?}, over the budget of {:?}",
            t.time_budget
        )));
    }
    if peak > t.mem_cap {
        return Err(fail(format!(
            "held {} MiB at once, over the cap of {} MiB",
            peak >> 20,
            t.mem_cap >> 20
        )));
    }
    Ok(())
}

/// Runs a target: its regression files, then generated cases.
pub fn run(t: Target) {
    let chosen = std::env::var("WILDTRACE_FUZZ").ok();
    let minutes: Option<f64> = std::env::var("WILDTRACE_FUZZ_MINUTES")
        .ok()
        .filter(|_| chosen.as_deref() == Some(t.name))
        .and_then(|m| m.parse().ok());
    let seed: u64 = std::env::var("WILDTRACE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            if minutes.is_some() {
                rand::random()
            } else {
                0x5eed_0000 + t.name.len() as u64
            }
        });
    let until = minutes.map(|m| Instant::now() + Duration::from_secs_f64(m * 60.0));
    let current: Current = Arc::new(Mutex::new((Vec::new(), None)));
    let (tx, rx) = mpsc::channel();
    let name = t.name;
    let budget = t.time_budget;
    let cur = current.clone();
    std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        .stack_size(256 << 20)
        .spawn(move || {
            let mut report = Report::default();
            let mut files: Vec<PathBuf> = std::fs::read_dir(regressions_dir(t.name))
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let input = std::fs::read(&f).unwrap();
                if let Err(e) = one(&t, &input, &cur, &mut report) {
                    let _ = tx.send(Err(Failure {
                        what: format!("regression {}: {}", f.display(), e.what),
                        input: e.input,
                    }));
                    return;
                }
                report.regressions += 1;
            }
            let mut rng = StdRng::seed_from_u64(seed);
            let mut last_note = Instant::now();
            loop {
                let more = match until {
                    Some(u) => Instant::now() < u,
                    None => report.cases < t.cases,
                };
                if !more {
                    break;
                }
                let input = (t.generate)(&mut rng);
                if let Err(e) = one(&t, &input, &cur, &mut report) {
                    let _ = tx.send(Err(e));
                    return;
                }
                report.cases += 1;
                if until.is_some() && last_note.elapsed() > Duration::from_secs(30) {
                    eprintln!("fuzz {}: {} cases, 0 failures so far", t.name, report.cases);
                    last_note = Instant::now();
                }
            }
            let _ = tx.send(Ok(report));
        })
        .unwrap();
    let started = Instant::now();
    // why: a case that never returns is a hang; the watchdog reports it
    // (and keeps its input) instead of letting the test run forever.
    let hang = budget * 3 + Duration::from_secs(10);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(r)) => {
                eprintln!(
                    "fuzz {name}: seed {seed}, {} regression file(s) and {} generated cases in {:.1} s, 0 failures; slowest case {:?}, peak {} KiB",
                    r.regressions,
                    r.cases,
                    started.elapsed().as_secs_f64(),
                    r.slowest,
                    r.peak >> 10
                );
                return;
            }
            Ok(Err(f)) => {
                let file = save(name, &f.input);
                panic!(
                    "fuzz {name} (seed {seed}): {}; input kept as {}",
                    f.what,
                    file.display()
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let (input, since) = current.lock().unwrap().clone();
                if since.is_some_and(|s| s.elapsed() > hang) {
                    let file = save(name, &input);
                    panic!(
                        "fuzz {name} (seed {seed}): a case hung for more than {hang:?}; input kept as {}",
                        file.display()
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("fuzz {name}: worker died"),
        }
    }
}

// ------------------------------------------------------------ memory

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn reset_peak() {
    let now = HELD.with(Cell::get);
    PEAK.with(|p| p.set(now));
    BASE.with(|b| b.set(now));
}

thread_local! {
    static BASE: Cell<isize> = const { Cell::new(0) };
}

/// Bytes held at the peak of the last case on this thread, above what was
/// held when it started.
fn peak() -> usize {
    let p = PEAK.with(Cell::get) - BASE.with(Cell::get);
    p.max(0) as usize
}

/// The system allocator, counting what each thread holds (for the
/// memory cap of a fuzz case).
pub struct Counting;

fn track(delta: isize) {
    let _ = HELD.try_with(|h| {
        let v = h.get() + delta;
        h.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v);
            }
        });
    });
}

// SAFETY: every call is passed straight to the system allocator; the
// bookkeeping is thread-local cells with constant initialisers (no
// allocation, no destructor).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        p
    }
}
