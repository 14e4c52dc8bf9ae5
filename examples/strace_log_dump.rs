//! Prints what the strace-log reader makes of a log, one event per line (a debugging aid).
fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: strace_log_dump FILE"))?;
    let log = docker_diagnose::trace::strace_log::read(&std::fs::read(&path)?)?;
    for e in &log.trace.events {
        println!(
            "{:>5} {:>6} {:?} {:?} path={:?} errno={:?} ret={:?} | {}",
            e.seq, e.pid, e.time_us, e.kind, e.path, e.errno, e.ret, e.call
        );
    }
    println!("end: {:?}", log.trace.end);
    println!(
        "stderr: {:?}\nstdout: {:?}\nskipped: {}",
        log.stderr_tail, log.stdout_tail, log.skipped_lines
    );
    Ok(())
}
