//! Throughput of the strace-log reader: builds a 100 MB log from the recorded real logs (pid
//! columns, `[pid N]` prefixes with interrupted calls, `-tt` times, `-yy` decorations) and reads
//! it three times, printing MB/s. The goal is 200 MB/s or more in release mode:
//!
//! ```text
//! cargo run --release --example strace_log_bench [SIZE_MB]
//! ```

use std::time::Instant;

const SOURCES: [&str; 4] = [
    include_str!("../tests/strace-logs/f.log"),
    include_str!("../tests/strace-logs/stderr.log"),
    include_str!("../tests/strace-logs/tt.log"),
    include_str!("../tests/strace-logs/yy-s32.log"),
];

fn main() -> anyhow::Result<()> {
    let size_mb: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100,
    };
    let target = size_mb * 1_000_000;
    let mut log = String::with_capacity(target + 100_000);
    while log.len() < target {
        for source in SOURCES {
            log.push_str(source);
        }
    }
    let mb = log.len() as f64 / 1e6;
    // The floor any reader of this model stands on: split the lines and copy each into a String
    // (every event owns its call text). Printed so that a slow, shared machine can be told apart
    // from a slow reader.
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let copies: Vec<String> = log.lines().map(String::from).collect();
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
    println!(
        "floor: {} lines split and copied: {wall:.3} s wall ({:.0} MB/s), {cpu:.3} s CPU ({:.0} MB/s)",
        copies.len(),
        mb / wall,
        mb / cpu
    );
    drop(copies);
    // The floor of the event model itself: one default event per line, owning its line (the
    // call's name is one of the kernel's, never copied).
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let events: Vec<docker_diagnose::trace::Event> = log
        .lines()
        .map(|line| docker_diagnose::trace::Event {
            syscall: Some(docker_diagnose::trace::names::name("openat")),
            call: line.to_string(),
            ..Default::default()
        })
        .collect();
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
    println!(
        "model floor: {} events of {} bytes, one per line: {wall:.3} s wall ({:.0} MB/s), {cpu:.3} s CPU ({:.0} MB/s)",
        events.len(),
        std::mem::size_of::<docker_diagnose::trace::Event>(),
        mb / wall,
        mb / cpu
    );
    drop(events);
    let (mut best_wall, mut best_cpu) = (f64::MAX, f64::MAX);
    for run in 1..=3 {
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let trace = docker_diagnose::trace::strace_log::parse(log.as_bytes())?;
        let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
        best_wall = best_wall.min(wall);
        best_cpu = best_cpu.min(cpu);
        println!(
            "run {run}: {mb:.1} MB, {} events: {wall:.3} s wall ({:.0} MB/s), {cpu:.3} s CPU ({:.0} MB/s)",
            trace.events.len(),
            mb / wall,
            mb / cpu
        );
    }
    // On a shared machine the wall clock counts other programs' time too; CPU time does not.
    println!(
        "best: {:.0} MB/s wall, {:.0} MB/s CPU",
        mb / best_wall,
        mb / best_cpu
    );
    Ok(())
}

/// User and system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
