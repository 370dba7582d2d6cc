//! Running benchmarks and reporting them: a [`Session`] per bench binary runs criterion groups
//! through [`Group::bench`], which also measures each benchmark's device I/O once, untimed; at
//! the end, [`Session::finish`] prints (and writes under `target/criterion/uvfs/`) the machine,
//! an I/O cost table and the ratio tables the session declared, from the estimates criterion
//! saved in this same run.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};

use crate::clock::{BenchClock, ClockKind};
use crate::io::{IoCost, IoMeter};
use crate::workload::Outcome;

/// Benchmark state whose device I/O can be counted.
pub trait Metered {
    /// The meter of the device under the state, if it has one (the Posix backend does not).
    fn meter(&self) -> Option<IoMeter>;
}

/// What one iteration of a benchmark is: its criterion throughput, how many operations it
/// holds (the I/O table divides by this) and their name.
#[derive(Clone, Debug)]
pub struct Per {
    throughput: Throughput,
    ops: u64,
    unit: String,
    user_bytes: Option<u64>,
    passes: u32,
}

impl Per {
    /// An iteration that moves `bytes` bytes of file data, reported per iteration as `unit`.
    pub fn bytes(bytes: u64, unit: impl Into<String>) -> Per {
        Per {
            throughput: Throughput::Bytes(bytes),
            ops: 1,
            unit: unit.into(),
            user_bytes: Some(bytes),
            passes: 3,
        }
    }

    /// An iteration of `count` operations named `unit` (files, stats, mounts).
    pub fn elements(count: u64, unit: impl Into<String>) -> Per {
        Per {
            throughput: Throughput::Elements(count),
            ops: count.max(1),
            unit: unit.into(),
            user_bytes: None,
            passes: 3,
        }
    }

    /// How many iterations the I/O count averages over (after one untimed warm-up iteration).
    pub fn passes(mut self, passes: u32) -> Per {
        self.passes = passes.max(1);
        self
    }
}

struct IoRow {
    id: String,
    unit: String,
    cost: Option<IoCost>,
    user_bytes: Option<f64>,
}

/// How a ratio is judged.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Target {
    /// No target: the ratio is for information.
    None,
    /// The subject's time must be at most this many times the baseline's (1.03 = "at most 3 %
    /// slower", 1.0 = "at least as fast", 0.5 = "at least twice as fast").
    AtMost(f64),
}

struct RatioSpec {
    table: String,
    label: String,
    subject: String,
    baseline: String,
    target: Target,
}

/// One bench binary's run: the benchmarks that ran, their I/O costs and the ratios to report.
pub struct Session {
    name: String,
    ran: RefCell<BTreeSet<String>>,
    io: RefCell<Vec<IoRow>>,
    ratios: RefCell<Vec<RatioSpec>>,
    /// Per-round ns/iteration of the interleaved measurements, by benchmark id, with the number
    /// of the interleaved run they belong to (rounds line up only within one run).
    paired: RefCell<std::collections::BTreeMap<String, (u64, Vec<f64>)>>,
    next_run: std::cell::Cell<u64>,
    /// When the session began: criterion estimates older than this are a previous run's.
    started: std::time::SystemTime,
}

impl Session {
    /// A session for the bench binary `name` (`"backend"`, ...).
    pub fn new(name: impl Into<String>) -> Session {
        Session {
            name: name.into(),
            ran: RefCell::new(BTreeSet::new()),
            io: RefCell::new(Vec::new()),
            ratios: RefCell::new(Vec::new()),
            paired: RefCell::new(std::collections::BTreeMap::new()),
            next_run: std::cell::Cell::new(0),
            started: std::time::SystemTime::now(),
        }
    }

    /// Criterion measuring with [`BenchClock`] (thread CPU time unless `UVFS_BENCH_CLOCK=wall`),
    /// configured from the command line (`-- --warm-up-time 1 --measurement-time 3`, a filter,
    /// `--test`, ...); warm-up 1 s and measurement 3 s otherwise.
    pub fn criterion() -> Criterion<BenchClock> {
        Criterion::default()
            .with_measurement(BenchClock::new(ClockKind::from_env()))
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args()
    }

    /// A criterion group named `name` whose benchmarks this session tracks. Heavy groups should
    /// lower the sample size ([`Group::sample_size`]).
    pub fn group<'a>(&'a self, c: &'a mut Criterion<BenchClock>, name: &str) -> Group<'a> {
        Group {
            inner: c.benchmark_group(name),
            name: name.to_string(),
            session: self,
        }
    }

    /// Declares a row of ratio table `table`: the median time of benchmark `subject` over that
    /// of `baseline` (full ids, `group/function/parameter`), judged by `target`.
    pub fn ratio(
        &self,
        table: &str,
        label: impl Into<String>,
        subject: impl Into<String>,
        baseline: impl Into<String>,
        target: Target,
    ) {
        self.ratios.borrow_mut().push(RatioSpec {
            table: table.to_string(),
            label: label.into(),
            subject: subject.into(),
            baseline: baseline.into(),
            target,
        });
    }

    /// Ends the run: criterion's summary, then the machine, the I/O table and the ratio tables,
    /// printed and written to `<criterion dir>/uvfs/<name>.md`.
    pub fn finish(self, c: Criterion<BenchClock>) {
        c.final_summary();
        let mut out = String::new();
        let _ = writeln!(out, "\n## {} (uvfs-benches)\n", self.name);
        let _ = writeln!(out, "{}", machine());
        let _ = writeln!(
            out,
            "Clock: {} (`UVFS_BENCH_CLOCK=wall` for wall time).\n",
            ClockKind::from_env().describe()
        );
        out.push_str(&self.io_table());
        out.push_str(&self.ratio_tables());
        println!("{out}");
        let dir = criterion_dir().join("uvfs");
        let path = dir.join(format!("{}.md", self.name));
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &out)) {
            Ok(()) => println!("(written to {})", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }

    fn io_table(&self) -> String {
        let rows = self.io.borrow();
        if rows.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "### Device I/O per operation (counted, untimed)\n\n\
             | benchmark | per | device calls | read B | programmed B | erased B | read/data | programmed/data | erased/data |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for row in rows.iter() {
            match row.cost {
                Some(c) => {
                    let amp = |x: f64| match row.user_bytes {
                        Some(u) if u > 0.0 => format!("{:.2}", x / u),
                        _ => "".into(),
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {} | {} | {} |",
                        row.id,
                        row.unit,
                        c.calls,
                        c.read,
                        c.prog,
                        c.erase,
                        amp(c.read),
                        amp(c.prog),
                        amp(c.erase)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | n/a (host filesystem) | | | | | | |",
                        row.id, row.unit
                    );
                }
            }
        }
        out.push('\n');
        out
    }

    fn ratio_tables(&self) -> String {
        let specs = self.ratios.borrow();
        let ran = self.ran.borrow();
        let mut tables: Vec<&str> = Vec::new();
        for s in specs.iter() {
            if !tables.contains(&s.table.as_str()) {
                tables.push(&s.table);
            }
        }
        let mut out = String::new();
        for table in tables {
            let _ = write!(
                out,
                "### {table}\n\nRatio = time of the subject / time of the baseline (below 1: the \
                 subject is faster), all measured in this run: the median of the per-round ratios \
                 of the interleaved rounds where both were timed so, else the ratio of criterion's \
                 medians (shown too). Times are criterion's medians.\n\n\
                 | comparison | subject time | baseline time | ratio | criterion ratio | target | met |\n\
                 |---|---:|---:|---:|---:|---:|---|\n"
            );
            let mut missing = 0;
            let paired = self.paired.borrow();
            for s in specs.iter().filter(|s| s.table == table) {
                // Only estimates this run wrote: `--test` times nothing, and a benchmark's
                // estimates file may be left from an earlier run.
                let measured = |id: &str| {
                    if ran.contains(id) && !timing_disabled() && estimated_since(id, self.started) {
                        median_ns(id)
                    } else {
                        None
                    }
                };
                let (sub, base) = (measured(&s.subject), measured(&s.baseline));
                // Interleaved rounds of the same run, if both sides had them.
                let interleaved = match (paired.get(&s.subject), paired.get(&s.baseline)) {
                    (Some((ra, a)), Some((rb, b))) if ra == rb => {
                        median(a.iter().zip(b).map(|(x, y)| x / y).collect())
                    }
                    _ => None,
                };
                let criterion_ratio = match (sub, base) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                };
                let Some(ratio) = interleaved.or(criterion_ratio) else {
                    missing += 1;
                    continue;
                };
                let met = match s.target {
                    Target::None => "",
                    Target::AtMost(t) if ratio <= t => "yes",
                    Target::AtMost(_) => "**no**",
                };
                let target = match s.target {
                    Target::None => String::new(),
                    Target::AtMost(t) => format!("≤ {t}"),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {ratio:.3} | {} | {target} | {met} |",
                    s.label,
                    sub.map_or(String::new(), fmt_ns),
                    base.map_or(String::new(), fmt_ns),
                    criterion_ratio.map_or(String::new(), |r| format!("{r:.3}")),
                );
            }
            if missing > 0 {
                let _ = writeln!(
                    out,
                    "\n({missing} comparisons of this table were not measured in this run: \
                     filtered out, or `--test`.)"
                );
            }
            out.push('\n');
        }
        out
    }
}

/// A criterion group run through a [`Session`].
pub struct Group<'a> {
    inner: BenchmarkGroup<'a, BenchClock>,
    name: String,
    session: &'a Session,
}

/// One side of a [`Group::bench_sides`] comparison: its benchmark parameter, how to make its
/// state, and what one iteration does to it.
pub struct Side<'a, S: ?Sized> {
    param: String,
    setup: Option<SetupFn<'a, S>>,
    op: OpFn<'a, S>,
}

/// Makes a side's state.
type SetupFn<'a, S> = Box<dyn FnOnce() -> Outcome<Box<S>> + 'a>;
/// One iteration on a side's state.
type OpFn<'a, S> = Box<dyn FnMut(&mut S) -> Outcome<()> + 'a>;

impl<'a, S: ?Sized> Side<'a, S> {
    /// A side named `param` (the benchmark id's parameter).
    pub fn new(
        param: impl Into<String>,
        setup: impl FnOnce() -> Outcome<Box<S>> + 'a,
        op: impl FnMut(&mut S) -> Outcome<()> + 'a,
    ) -> Side<'a, S> {
        Side {
            param: param.into(),
            setup: Some(Box::new(setup)),
            op: Box::new(op),
        }
    }
}

/// Rounds of the interleaved measurement ([`Group::bench_sides`]), `UVFS_BENCH_ROUNDS` (default
/// 15; 0 turns it off).
fn paired_rounds() -> usize {
    std::env::var("UVFS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
}

/// Whether criterion only tests (`--test`) or lists: no timing then.
fn timing_disabled() -> bool {
    std::env::args().any(|a| a == "--test" || a == "--list")
}

impl Group<'_> {
    /// Criterion's sample size for the following benchmarks (at least 10).
    pub fn sample_size(&mut self, n: usize) -> &mut Self {
        self.inner.sample_size(n.max(10));
        self
    }

    /// The full id of benchmark `function`/`param` of this group.
    pub fn id(&self, function: &str, param: &str) -> String {
        format!("{}/{function}/{param}", self.name)
    }

    /// Benchmarks `op` as `function`/`param`, and returns its full id: [`Group::bench_sides`]
    /// with one side.
    pub fn bench<S: Metered>(
        &mut self,
        function: &str,
        param: &str,
        per: Per,
        setup: impl FnOnce() -> Outcome<S>,
        mut op: impl FnMut(&mut S) -> Outcome<()>,
    ) -> String {
        let side = Side::new(param, || setup().map(Box::new), move |s: &mut S| op(s));
        self.bench_sides(function, per, vec![side]).remove(0)
    }

    /// Benchmarks each side's op as `function`/`side.param` (the same workload on different
    /// subjects), and returns their full ids in order.
    ///
    /// For each side, `setup` runs once, the first time criterion calls its benchmark (so a
    /// benchmark left out by a filter costs nothing). Then, untimed, the op runs once to warm
    /// up and `per.passes` times with the device meter read before and after, for the I/O
    /// table. Then criterion times the op on that state.
    ///
    /// With two sides or more, once criterion is done with all of them, the sides are also
    /// timed *interleaved*: `UVFS_BENCH_ROUNDS` (default 15) rounds, each timing a batch of every side in
    /// turn (the order rotating), so that load from other processes falls on all sides alike.
    /// Ratios between these sides use the median of the per-round ratios.
    ///
    /// A failing op or setup aborts the run with its message: a benchmark must never time work
    /// that did not happen.
    pub fn bench_sides<S: Metered + ?Sized>(
        &mut self,
        function: &str,
        per: Per,
        mut sides: Vec<Side<'_, S>>,
    ) -> Vec<String> {
        let session = self.session;
        let ids: Vec<String> = sides.iter().map(|s| self.id(function, &s.param)).collect();
        let mut states: Vec<Option<Box<S>>> = sides.iter().map(|_| None).collect();
        self.inner.throughput(per.throughput.clone());
        for ((side, state), id) in sides.iter_mut().zip(states.iter_mut()).zip(&ids) {
            let Side { param, setup, op } = side;
            self.inner
                .bench_function(BenchmarkId::new(function, param.as_str()), |b| {
                    if state.is_none() {
                        let Some(setup) = setup.take() else {
                            panic!("{id}: setup failed earlier");
                        };
                        let mut st = setup().unwrap_or_else(|e| panic!("{id}: setup: {e}"));
                        session.ran.borrow_mut().insert(id.clone());
                        session
                            .io
                            .borrow_mut()
                            .push(measure_io(id, &per, &mut *st, op));
                        *state = Some(st);
                    }
                    let Some(st) = state.as_mut() else {
                        panic!("{id}: no state");
                    };
                    b.iter(|| std::hint::black_box(op(st)).unwrap_or_else(|e| panic!("{id}: {e}")));
                });
        }
        let rounds = paired_rounds();
        if sides.len() > 1 && rounds > 0 && !timing_disabled() && states.iter().all(Option::is_some)
        {
            let samples = interleaved(&ids, &mut sides, &mut states, rounds);
            let run = session.next_run.get();
            session.next_run.set(run + 1);
            let mut paired = session.paired.borrow_mut();
            for (id, s) in ids.iter().zip(samples) {
                paired.insert(id.clone(), (run, s));
            }
        }
        ids
    }

    /// Ends the group.
    pub fn finish(self) {
        self.inner.finish();
    }
}

/// One warm-up op, then `per.passes` ops counted by the state's meter.
fn measure_io<S: Metered + ?Sized>(
    id: &str,
    per: &Per,
    state: &mut S,
    op: &mut (dyn FnMut(&mut S) -> Outcome<()> + '_),
) -> IoRow {
    op(state).unwrap_or_else(|e| panic!("{id}: {e}"));
    let meter = state.meter();
    let before = meter.as_ref().map(IoMeter::snapshot);
    for _ in 0..per.passes {
        op(state).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let ops = per.ops * u64::from(per.passes);
    IoRow {
        id: id.to_string(),
        unit: per.unit.clone(),
        cost: meter
            .zip(before)
            .map(|(m, before)| (m.snapshot() - before).per_op(ops)),
        user_bytes: per.user_bytes.map(|u| u as f64 / per.ops as f64),
    }
}

/// Nanoseconds per iteration of each side in each of `rounds` interleaved rounds. A side's batch
/// is as many iterations as take about 2 ms (at least one), from a first timed iteration.
fn interleaved<S: Metered + ?Sized>(
    ids: &[String],
    sides: &mut [Side<'_, S>],
    states: &mut [Option<Box<S>>],
    rounds: usize,
) -> Vec<Vec<f64>> {
    let clock = BenchClock::new(ClockKind::from_env());
    let count = sides.len();
    let mut run = |i: usize, n: u64| -> f64 {
        let (Some(state), side) = (states[i].as_mut(), &mut sides[i]) else {
            return f64::NAN;
        };
        let start = clock.start();
        for _ in 0..n {
            (side.op)(state).unwrap_or_else(|e| panic!("{}: {e}", ids[i]));
        }
        clock.to_f64(&clock.end(start)) / n as f64
    };
    let batches: Vec<u64> = (0..count)
        .map(|i| {
            let once = run(i, 1).max(1.0);
            ((2e6 / once) as u64).clamp(1, 1_000_000)
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); count];
    for r in 0..rounds {
        for k in 0..count {
            let i = (r + k) % count;
            samples[i].push(run(i, batches[i]));
        }
    }
    samples
}

/// The median of `v` (NaN-free), or `None` if empty.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// The machine, as BENCHMARKS.md records it: cores, CPU model, rustc, load.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("Machine: {cores} cores (nproc), {cpu}, {rustc}, load average at the end {load}.\n")
}

/// Where criterion keeps its results: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else `<target>/criterion` found from this executable's path (`<target>/release/deps/...`).
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// The estimates file criterion writes for benchmark `id` in its latest run.
fn estimates_path(id: &str) -> PathBuf {
    let mut path = criterion_dir();
    for part in id.split('/') {
        path.push(criterion_safe(part));
    }
    path.join("new").join("estimates.json")
}

/// Whether criterion wrote benchmark `id`'s estimates at or after `since`.
fn estimated_since(id: &str, since: std::time::SystemTime) -> bool {
    std::fs::metadata(estimates_path(id))
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since)
}

/// The median time (ns per iteration) criterion estimated for benchmark `id` in its latest run.
pub fn median_ns(id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(estimates_path(id)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("median")?.get("point_estimate")?.as_f64()
}

/// Criterion's file-name-safe form of an id part.
fn criterion_safe(part: &str) -> String {
    part.chars()
        .map(|c| match c {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            c => c,
        })
        .collect()
}

/// `1.23 ms`.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_ns(12.0), "12.0 ns");
        assert_eq!(fmt_ns(1_500.0), "1.500 µs");
        assert_eq!(fmt_ns(2_000_000.0), "2.000 ms");
        assert_eq!(fmt_ns(3e9), "3.000 s");
        assert_eq!(criterion_safe("a:b/c"), "a_b_c");
    }
}
