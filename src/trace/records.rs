//! Reading a JSON Lines trace back into a [`Trace`]: tolerant of a trace cut short (a last line
//! cut mid-way, no `End` record), strict about damage in the middle.

use std::io::BufRead;

use anyhow::{bail, Context, Result};

use super::{Event, Record, Trace};

/// Reads every record; a last line that does not parse is taken as cut off and skipped.
pub fn read_records(reader: impl BufRead) -> Result<Trace> {
    let mut trace = Trace::default();
    let mut bad_line: Option<(usize, serde_json::Error)> = None;
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.context("cannot read the trace")?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some((n, err)) = bad_line.take() {
            bail!("trace line {}: {err}", n + 1);
        }
        match parse(&line) {
            Ok(Record::Header(h)) => trace.header = Some(h),
            Ok(Record::Event(e)) => trace.events.push(e),
            Ok(Record::End(e)) => trace.end = Some(e),
            Err(err) => bad_line = Some((i, err)),
        }
    }
    super::deferred::fold_deferred_connects(&mut trace.events);
    Ok(trace)
}

/// The tag every event line opens with, as the runner writes it.
const EVENT_TAG: &[u8] = br#"{"type":"event","#;

/// One record. An event, which the runner writes tag first, is read straight into an [`Event`]:
/// serde reads an internally tagged enum by buffering the whole object first, which made
/// reading a trace about a third slower.
fn parse(line: &[u8]) -> serde_json::Result<Record> {
    if line.starts_with(EVENT_TAG) {
        serde_json::from_slice::<Event>(line).map(Record::Event)
    } else {
        serde_json::from_slice::<Record>(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"type":"header","schema":"docker-diagnose.events/v1","tool_version":"0.1.0","argv":["x"],"main_pid":7}"#;
    const EVENT: &str = r#"{"type":"event","seq":0,"pid":7,"kind":"syscall","syscall":"openat","call":"openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)","path":"/x","ret":-1,"errno":"ENOENT"}"#;

    #[test]
    fn an_event_reads_the_same_either_way() {
        assert!(EVENT.as_bytes().starts_with(EVENT_TAG));
        let fast = parse(EVENT.as_bytes()).unwrap();
        let tagged = serde_json::from_str::<Record>(EVENT).unwrap();
        assert_eq!(fast, tagged);
        // What the runner writes starts with the tag: the fast path is the one taken.
        let written = serde_json::to_vec(&tagged).unwrap();
        assert!(written.starts_with(EVENT_TAG));
        // A line that only claims to be an event is still refused.
        assert!(parse(br#"{"type":"event","seq":"x"}"#).is_err());
    }

    #[test]
    fn tolerates_a_cut_last_line_and_no_end() {
        let text = format!("{HEADER}\n{EVENT}\n{}", &EVENT[..40]);
        let t = read_records(text.as_bytes()).unwrap();
        assert_eq!(t.main_pid(), Some(7));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].errno.as_deref(), Some("ENOENT"));
        assert!(t.end.is_none());
    }

    #[test]
    fn rejects_damage_in_the_middle() {
        let text = format!("{HEADER}\nnot json\n{EVENT}\n");
        let err = read_records(text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
