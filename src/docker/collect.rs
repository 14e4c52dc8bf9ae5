//! Collecting what a run left: the runner's trace (downloaded through the archive API and read
//! in memory, every entry checked), the last lines of stdout and stderr, and the container's
//! final state turned into the outcome and the exit `docker run` would have given.

use std::io::Read;
use std::path::{Component, Path};

use anyhow::{anyhow, bail, Context, Result};
use bollard::container::LogOutput;
use bollard::models::ContainerState;
use bollard::query_parameters::{DownloadFromContainerOptions, LogsOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::volume::Volume;
use super::{engine_message, inject};
use crate::report::{Exit, Outcome};
use crate::trace::{read_records, End, Trace};

/// Lines kept of each output stream.
pub const TAIL_LINES: usize = 50;
/// Characters kept of one output line.
const LINE_CHARS: usize = 2000;
/// The most we download of the trace directory.
const MAX_ARCHIVE_BYTES: usize = 256 << 20;

/// The runner's trace; an empty one when the runner wrote nothing (e.g. it never started). Read
/// from the runner's volume when it was filled directly, else downloaded.
pub async fn trace(docker: &Docker, id: &str, volume: Option<&Volume>) -> Result<Trace> {
    let events = match volume {
        Some(volume) => volume.events(MAX_ARCHIVE_BYTES as u64)?,
        None => download(docker, id).await?,
    };
    let Some(events) = events else {
        return Ok(Trace::default());
    };
    match read_records(events.as_slice()) {
        Ok(trace) => Ok(trace),
        Err(e) => {
            // The program can write where the runner does; a damaged trace is not fatal.
            eprintln!("docker-diagnose: note: the trace is damaged ({e:#}); diagnosing without it");
            Ok(Trace::default())
        }
    }
}

/// The trace file's bytes through the archive API.
async fn download(docker: &Docker, id: &str) -> Result<Option<Vec<u8>>> {
    let options = DownloadFromContainerOptions {
        path: inject::OUT.to_string(),
    };
    let mut stream = docker.download_from_container(id, Some(options));
    let mut archive = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) if super::is_not_found(&e) => return Ok(None),
            Err(e) => bail!("cannot download the trace: {}", engine_message(&e)),
        };
        if archive.len() + chunk.len() > MAX_ARCHIVE_BYTES {
            bail!("the trace is larger than {} MB", MAX_ARCHIVE_BYTES >> 20);
        }
        archive.extend_from_slice(&chunk);
    }
    events_file(&archive)
}

/// Reads `out/events.jsonl` from the downloaded archive without writing anything to disk,
/// refusing entries that could escape a directory (absolute, `..`, links) or are too big.
pub fn events_file(archive: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut tar = tar::Archive::new(archive);
    let wanted = Path::new(inject::EVENTS);
    for entry in tar.entries().context("the trace archive is unreadable")? {
        let mut entry = entry.context("the trace archive is unreadable")?;
        let path = entry
            .path()
            .context("a trace archive entry has a bad name")?
            .into_owned();
        if !path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            bail!("the trace archive holds an unsafe path: {}", path.display());
        }
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            bail!(
                "the trace archive holds a link or device: {}",
                path.display()
            );
        }
        if kind.is_file() && path == wanted {
            let size = entry.header().size().unwrap_or(0) as usize;
            if size > MAX_ARCHIVE_BYTES {
                bail!("the trace file is too large ({size} bytes)");
            }
            let mut bytes = Vec::with_capacity(size);
            entry
                .read_to_end(&mut bytes)
                .context("the trace archive is cut short")?;
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

/// The last lines the container wrote to stdout and to stderr.
pub async fn tails(docker: &Docker, id: &str) -> (Vec<String>, Vec<String>) {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: TAIL_LINES.to_string(),
        ..Default::default()
    };
    let mut stream = docker.logs(id, Some(options));
    let (mut out, mut err) = (String::new(), String::new());
    while let Some(Ok(item)) = stream.next().await {
        match item {
            LogOutput::StdErr { message } => err.push_str(&String::from_utf8_lossy(&message)),
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                out.push_str(&String::from_utf8_lossy(&message))
            }
            LogOutput::StdIn { .. } => {}
        }
    }
    (last_lines(&out), last_lines(&err))
}

fn last_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|l| l.chars().take(LINE_CHARS).collect())
        .collect()
}

/// The container's final state as the report's outcome and exit. The code is the one bare
/// `docker run` gives (128+n when PID 1 died of signal n); the signal's name comes from the
/// runner's `End` record, or — when the runner was itself killed and wrote none — from the code.
pub fn exit_facts(state: &ContainerState, end: Option<&End>) -> (Outcome, Exit) {
    let code = state.exit_code.map(|c| c as i32);
    let oom_killed = state.oom_killed.unwrap_or(false);
    let signal = match end {
        Some(end) => end.exit.signal.clone(),
        None => code
            .filter(|c| (129..=192).contains(c))
            .and_then(|c| signal_name(c - 128)),
    };
    let outcome = if signal.is_some() || oom_killed {
        Outcome::Killed
    } else {
        Outcome::Exited
    };
    (
        outcome,
        Exit {
            code,
            signal,
            oom_killed,
        },
    )
}

fn signal_name(number: i32) -> Option<String> {
    nix::sys::signal::Signal::try_from(number)
        .ok()
        .map(|s| s.as_str().to_string())
}

/// The exit status `docker run` gives when the engine refuses to create or start a container.
pub fn refusal_code(message: &str) -> i32 {
    let m = message.to_lowercase();
    if m.contains("executable file not found") || m.contains("no such file or directory") {
        127
    } else if m.contains("permission denied") {
        126
    } else {
        125
    }
}

/// The final state of a container. The engine learns of an OOM kill from an event of its own,
/// which containerd may send after the exit (a known race, fixed in later containerd): a PID 1
/// killed by SIGKILL without the OOM flag is looked at again a few times, briefly, and for up
/// to a second when the container had a memory limit (on a loaded machine the event came later
/// than 200 ms).
pub async fn state(docker: &Docker, id: &str, memory_limited: bool) -> Result<ContainerState> {
    let mut state = inspect_state(docker, id).await?;
    let looks = if memory_limited {
        OOM_LOOKS_LIMITED
    } else {
        OOM_LOOKS
    };
    for _ in 0..looks {
        if !may_await_oom_flag(&state) {
            break;
        }
        tokio::time::sleep(OOM_LOOK_EVERY).await;
        state = inspect_state(docker, id).await?;
    }
    Ok(state)
}

/// How often, and how far apart, a SIGKILLed container's state is looked at again.
const OOM_LOOKS: u32 = 5;
const OOM_LOOKS_LIMITED: u32 = 25;
const OOM_LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(40);

/// Whether PID 1 died of SIGKILL (137), which an OOM kill is, and the engine has not said OOM.
fn may_await_oom_flag(state: &ContainerState) -> bool {
    state.exit_code == Some(137) && state.oom_killed != Some(true)
}

async fn inspect_state(docker: &Docker, id: &str) -> Result<ContainerState> {
    docker
        .inspect_container(id, None)
        .await
        .map_err(|e| anyhow!("cannot inspect the container: {}", engine_message(&e)))?
        .state
        .context("the engine gave no state for the container")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ExitFacts;

    #[test]
    fn only_a_sigkill_without_the_oom_flag_is_looked_at_again() {
        let state = |code, oom| ContainerState {
            exit_code: Some(code),
            oom_killed: oom,
            ..Default::default()
        };
        assert!(may_await_oom_flag(&state(137, Some(false))));
        assert!(may_await_oom_flag(&state(137, None)));
        assert!(!may_await_oom_flag(&state(137, Some(true))));
        assert!(!may_await_oom_flag(&state(1, Some(false))));
        assert!(!may_await_oom_flag(&state(143, Some(false))));
    }

    fn archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // set_path refuses `..`; write the raw name to build a hostile archive.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn reads_the_events_file() {
        let a = archive(&[
            ("out/", tar::EntryType::Directory, b""),
            ("out/events.jsonl", tar::EntryType::Regular, b"x\n"),
        ]);
        assert_eq!(events_file(&a).unwrap().as_deref(), Some(&b"x\n"[..]));
    }

    #[test]
    fn refuses_escaping_entries() {
        let a = archive(&[("../evil", tar::EntryType::Regular, b"x")]);
        assert!(events_file(&a).is_err());
        let a = archive(&[("/etc/evil", tar::EntryType::Regular, b"x")]);
        assert!(events_file(&a).is_err());
        let a = archive(&[("out/link", tar::EntryType::Symlink, b"")]);
        assert!(events_file(&a).is_err());
    }

    #[test]
    fn exit_and_signal() {
        let state = |code, oom| ContainerState {
            exit_code: Some(code),
            oom_killed: Some(oom),
            ..Default::default()
        };
        let (o, e) = exit_facts(&state(3, false), Some(&End::default()));
        assert_eq!((o, e.code, e.signal), (Outcome::Exited, Some(3), None));
        let end = End {
            exit: ExitFacts {
                code: None,
                signal: Some("SIGSEGV".into()),
                oom_killed: false,
            },
            ..Default::default()
        };
        let (o, e) = exit_facts(&state(139, false), Some(&end));
        assert_eq!(
            (o, e.code, e.signal.as_deref()),
            (Outcome::Killed, Some(139), Some("SIGSEGV"))
        );
        let (o, e) = exit_facts(&state(137, true), None);
        assert_eq!(
            (o, e.signal.as_deref(), e.oom_killed),
            (Outcome::Killed, Some("SIGKILL"), true)
        );
        assert_eq!(
            refusal_code("unable to find user x: no matching entries"),
            125
        );
    }
}
