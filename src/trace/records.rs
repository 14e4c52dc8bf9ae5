//! Reading a JSON Lines trace back into a [`Trace`]: tolerant of a trace cut short (a last line
//! cut mid-way, no `End` record), strict about damage in the middle.

use std::io::BufRead;

use anyhow::{bail, Context, Result};

use super::{Record, Trace};

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
        match serde_json::from_slice::<Record>(&line) {
            Ok(Record::Header(h)) => trace.header = Some(h),
            Ok(Record::Event(e)) => trace.events.push(e),
            Ok(Record::End(e)) => trace.end = Some(e),
            Err(err) => bad_line = Some((i, err)),
        }
    }
    super::deferred::fold_deferred_connects(&mut trace.events);
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"type":"header","schema":"docker-diagnose.events/v1","tool_version":"0.1.0","argv":["x"],"main_pid":7}"#;
    const EVENT: &str = r#"{"type":"event","seq":0,"pid":7,"kind":"syscall","syscall":"openat","call":"openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)","path":"/x","ret":-1,"errno":"ENOENT"}"#;

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
