//! The strace-log reader must read any bytes without a panic, and whatever it reads must hold
//! together: events in order, the main process among them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(log) = docker_diagnose::trace::strace_log::read(data) {
        let trace = &log.trace;
        assert!(!trace.events.is_empty());
        // Routine calls are counted but not kept, so the kept events' numbers rise with gaps.
        assert!(trace.events.windows(2).all(|w| w[0].seq < w[1].seq));
        let main = trace.main_pid().unwrap();
        assert!(trace.events.iter().any(|e| e.pid == main));
    }
});
