//! The trace record reader (`trace --events` JSON Lines, and what the runner writes): any bytes,
//! a record cut mid-line included, are read or refused without a panic.
#![no_main]

use docker_diagnose::trace::records::read_records;
use docker_diagnose::trace::Record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(trace) = read_records(data) {
        // What was read writes back as records and reads the same.
        let mut text = Vec::new();
        if let Some(header) = &trace.header {
            text.extend(serde_json::to_vec(&Record::Header(header.clone())).unwrap());
            text.push(b'\n');
        }
        for event in &trace.events {
            text.extend(serde_json::to_vec(&Record::Event(event.clone())).unwrap());
            text.push(b'\n');
        }
        if let Some(end) = &trace.end {
            text.extend(serde_json::to_vec(&Record::End(end.clone())).unwrap());
            text.push(b'\n');
        }
        assert_eq!(read_records(&text[..]).unwrap(), trace);
    }
});
