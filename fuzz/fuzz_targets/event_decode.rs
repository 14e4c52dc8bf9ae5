//! The runner's decoders of what it reads from a tracee: socket addresses, flag words, DNS
//! queries and strings. Any bytes decode without a panic, and a string the runner quotes the way strace does
//! is read back to the same bytes by the strace-log reader, tidied as the runner tidies the paths
//! it records (so a saved runner trace and a pasted strace log agree on paths).
#![no_main]

use docker_diagnose::runner::decode::{flags, sockaddr, text};
use docker_diagnose::trace::{dns, path::tidy, strace_log};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let addr = sockaddr::decode(data);
    assert!(addr.text.starts_with('{') && addr.text.ends_with('}'), "{}", addr.text);

    let mut word = [0u8; 8];
    let n = data.len().min(8);
    word[..n].copy_from_slice(&data[..n]);
    let word = u64::from_le_bytes(word);
    for decoded in [
        flags::open_flags(word),
        flags::at_flags(word),
        flags::statx_flags(word),
        flags::rename_flags(word),
        flags::access_mode(word),
        flags::clone_flags(word),
        flags::socket_type(word),
        flags::mode(word),
        flags::dirfd(word),
        flags::protocol(word & 0xffff, word >> 16),
        flags::signal_name(word as i32),
        flags::send_flags(word),
        flags::rlimit_resource(word),
        flags::rlimit_value(word),
    ] {
        assert!(!decoded.is_empty());
    }
    // A name read from bytes that are not cut is whole: no `...` of a cut one.
    if let Some(name) = dns::query_name(data, false) {
        assert!(!name.is_empty() && !name.ends_with("..."), "{name}");
    }
    let _ = dns::query_name(data, true);

    // A path as the runner prints it, in an strace line, reads back as the same path.
    let quoted = text::quote(data, false);
    assert!(quoted.is_ascii());
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    if !path.starts_with('/') || path.contains('\0') {
        return;
    }
    let line = format!("openat(AT_FDCWD, {quoted}, O_RDONLY) = -1 ENOENT (No such file or directory)\n");
    let log = strace_log::read(line.as_bytes()).expect("one trace line");
    let event = &log.trace.events[0];
    assert_eq!(event.path, Some(tidy(path.to_string())), "{line}");
});
