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
    let mut best = f64::MAX;
    for run in 1..=3 {
        let start = Instant::now();
        let trace = docker_diagnose::trace::strace_log::parse(log.as_bytes())?;
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        println!(
            "run {run}: {mb:.1} MB, {} events in {secs:.3} s: {:.0} MB/s",
            trace.events.len(),
            mb / secs
        );
    }
    println!("best: {:.0} MB/s", mb / best);
    Ok(())
}
