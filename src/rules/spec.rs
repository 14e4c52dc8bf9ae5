//! The rule file format: what a `rules/*.toml` file may say, and reading it with errors that
//! name the file and the line.
//!
//! A file holds `[[rule]]` tables (a finding to report when its conditions hold) and `[[noise]]`
//! tables (failures a healthy start makes all the time, never blamed). Conditions are plain data
//! compared against the trace: a rule file cannot run anything.

use serde::Deserialize;

use super::pattern::{self, ErrnoSet, Globs, NumCond, SyscallSet, Template, TextRegex};
use crate::report::{Confidence, Kind, Outcome};
use crate::trace::EventKind;

/// One rule file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Regexes its rules share, named in their regexes as `(?&name)`: applied as the rules
    /// are read ([`SharedPatterns`]), nothing to keep.
    #[serde(default, rename = "patterns")]
    _patterns: serde::de::IgnoredAny,
    #[serde(default)]
    pub rule: Vec<Rule>,
    #[serde(default)]
    pub noise: Vec<Noise>,
}

/// The `[patterns]` table alone, read before the rules that use it.
#[derive(Deserialize)]
struct SharedPatterns {
    #[serde(default)]
    patterns: std::collections::HashMap<String, String>,
}

/// A finding and the conditions under which it is reported.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `family.name`, e.g. `exec.missing-interpreter`.
    pub id: String,
    pub kind: Kind,
    #[serde(default = "medium")]
    pub confidence: Confidence,
    /// Higher wins; the engine adds to it for a call's context (see `rank`).
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// Reported only when no other rule gave more than a low-confidence guess.
    #[serde(default)]
    pub fallback: bool,
    pub summary: Template,
    pub explanation: Template,
    pub fix: Template,
    /// The note on the blamed call's evidence line.
    #[serde(default)]
    pub note: Option<Template>,
    /// Documentation in the style of clippy's lint pages.
    #[serde(default)]
    pub docs: Option<Docs>,
    /// Facts about the whole run that must hold.
    #[serde(default)]
    pub run: RunCond,
    /// The event to blame; without it the rule is about the run as a whole.
    #[serde(default)]
    pub call: Option<EventCond>,
    /// Events that must follow the blamed call, in this order.
    #[serde(default)]
    pub then: Vec<EventCond>,
    /// Further events shown as evidence (the last few that match).
    #[serde(default)]
    pub also: Vec<EventCond>,
    /// Values looked up in a table from another value once the rule matched, by the name they
    /// set (`[rule.lookup.capability]`).
    #[serde(default)]
    pub lookup: std::collections::BTreeMap<String, Lookup>,
}

/// A value that words can say better than the trace: the capability a call needs, the package
/// that installs a Python module. When the value named by `from` is a key of `table`, the
/// table's entry is set (replacing a value of that name); otherwise nothing changes, so a
/// template's fallback, or the capture of the same name, stays.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    pub from: String,
    pub table: std::collections::HashMap<String, String>,
}

fn medium() -> Confidence {
    Confidence::Medium
}

fn default_priority() -> i32 {
    50
}

/// What a rule detects, why it matters, what to do, and an example.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub detects: String,
    pub why: String,
    pub action: String,
    pub example: String,
}

/// A failure pattern that healthy programs produce (probes), excluded from blame.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    pub id: String,
    pub reason: String,
    pub call: EventCond,
}

/// Conditions on the run as a whole. Every field present must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunCond {
    pub outcome: Option<Vec<Outcome>>,
    /// The run did not meet a good start: exited non-zero, killed, or never started.
    pub failed: Option<bool>,
    pub exit_code: Option<NumCond>,
    pub signal: Option<Vec<String>>,
    /// Who sent the signal that ended the process deciding the exit (its signal line's
    /// `si_pid`; `unknown` when no line says).
    pub signal_sent_by: Option<Vec<SentBy>>,
    pub oom_killed: Option<bool>,
    /// A memory limit was set on the container.
    pub memory_limit: Option<bool>,
    /// The container's network is one of these (`none`, `host`, a network's name); a host
    /// `trace` or a log has none, and matches no list.
    pub network: Option<Vec<String>>,
    /// A container ran, and its network is none of these (`["host", "none"]`).
    pub network_not: Option<Vec<String>>,
    /// A regex over the addresses the traced processes bound, as `{listening}` lists them
    /// (`127.0.0.1:8080, [::1]:8080`); a run that bound none matches no regex.
    pub listening: Option<TextRegex>,
    /// Processes were left alive when the main process ended.
    pub alive: Option<bool>,
    pub healthy: Option<bool>,
    /// The HEALTHCHECK reported unhealthy before `--wait` ran out.
    pub unhealthy: Option<bool>,
    /// The image has a HEALTHCHECK that had given no verdict when `--wait` ran out.
    pub health_pending: Option<bool>,
    /// The output of the failing HEALTHCHECK's last check; named groups become placeholders.
    pub health_output: Option<TextRegex>,
    /// The engine's refusal text; named groups become placeholders, `{docker_error}` is the text.
    pub docker_error: Option<TextRegex>,
    /// Some stderr line matches (the last such line is `{line}`).
    pub stderr: Option<TextRegex>,
    /// The line `stderr` matched must not match this (a warning that names the same thing).
    pub stderr_line_not: Option<TextRegex>,
    /// Some stderr line matches this too: context the `stderr` line lacks (a traceback's frame).
    pub stderr_with: Option<TextRegex>,
    /// No stderr line matches.
    pub stderr_not: Option<TextRegex>,
    /// Some call failed and was never recovered from (noise aside).
    pub failed_calls: Option<bool>,
    /// A trace exists (a run that never started has none).
    pub traced: Option<bool>,
    /// Every call was traced (`--full`), not only the prefiltered set.
    pub full: Option<bool>,
}

/// Conditions on one event. Every field present must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventCond {
    pub kind: Option<Vec<EventKind>>,
    pub syscall: Option<SyscallSet>,
    pub errno: Option<ErrnoSet>,
    /// The call failed (`true`) or succeeded (`false`).
    pub failed: Option<bool>,
    /// Globs over the call's path.
    pub path: Option<Globs>,
    pub path_regex: Option<TextRegex>,
    pub not_path: Option<Globs>,
    /// Globs over the socket address (an IP address or a unix socket path).
    pub addr: Option<Globs>,
    pub port: Option<NumCond>,
    /// Globs over the host name a DNS query asked for (`"*"`: any query).
    pub query: Option<Globs>,
    /// The response code of a DNS answer received (`NXDOMAIN`, `SERVFAIL`...): one of.
    pub rcode: Option<Vec<String>>,
    pub family: Option<Vec<String>>,
    /// Decoded flags: at least one of, all of, none of.
    pub flags_any: Option<Vec<String>>,
    pub flags_all: Option<Vec<String>>,
    pub flags_none: Option<Vec<String>>,
    pub fd: Option<NumCond>,
    /// An exit's code (exit events and `exit_group` calls).
    pub code: Option<NumCond>,
    pub signal: Option<Vec<String>>,
    /// A regex over the text a write carried.
    pub data: Option<TextRegex>,
    /// A regex over the strace-style line (the way to match runner notes).
    pub text: Option<TextRegex>,
    /// A regex over an exec's `argv[0]` (a bare name means a `PATH` search).
    pub argv0: Option<TextRegex>,
    pub evidence: Option<EvidenceCond>,
    /// For a refused `clone`, `fork` or `vfork`: which limit the runner found reached, one of
    /// `pids`, `nproc`, `unknown` (a strace log has no such reading).
    pub limit: Option<Vec<String>>,
    /// Only in the process chain that decides the exit.
    pub decisive: Option<bool>,
    /// The main process itself (`true`) or any other (`false`).
    pub main_process: Option<bool>,
    /// The process id (`1`: process 1 of a container, to which unhandled signals never come).
    pub pid: Option<NumCond>,
    /// For a signal: who sent it, one of (see [`SentBy`]).
    pub sent_by: Option<Vec<SentBy>>,
    /// For `call`: another call in the trace succeeded on the same path (the file looked
    /// present; shells check right after a failed exec).
    pub path_seen: Option<bool>,
    /// For `call`: stderr names the path or its file name.
    pub mentioned: Option<bool>,
    /// For `call`: the same call happened at least this many times (same system call, errno
    /// or DNS answer code, and target): a program that retries. `{repeats}` says how often.
    pub repeated: Option<u32>,
    /// For `then`: the event may come from another process (default: the same one).
    #[serde(default)]
    pub any_process: bool,
    /// For `call`: also consider failures the noise list excludes.
    #[serde(default)]
    pub include_noise: bool,
    /// For `call`: also consider failures a later success cancelled.
    #[serde(default)]
    pub include_recovered: bool,
}

/// Who sent a signal, as a rule may ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SentBy {
    /// The process that received it (`raise`, `abort`, a SIGPIPE from its own write).
    Itself,
    /// Another process of the trace (a script's `kill`, `timeout`, a watchdog).
    Traced,
    /// A process outside the trace: pid 0 is outside the container's pid namespace
    /// (`docker stop`, `docker kill`, an orchestrator).
    Outside,
    /// The trace names no sender: the kernel raised it, or no signal line was recorded.
    Unknown,
}

/// Conditions on the runner's evidence about a call's target.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCond {
    /// The runner gathered evidence at all (a strace log never has any).
    pub present: Option<bool>,
    pub exists: Option<bool>,
    pub file_type: Option<Vec<String>>,
    pub magic: Option<Vec<String>>,
    /// Some execute bit is set.
    pub executable: Option<bool>,
    /// The calling process's uid owns the file.
    pub owned_by_process: Option<bool>,
    pub elf: Option<bool>,
    pub elf_interpreter_exists: Option<bool>,
    /// The ELF interpreter is a symbolic link whose target does not exist.
    pub elf_interpreter_link: Option<bool>,
    pub elf_runnable_machine: Option<bool>,
    pub elf_truncated: Option<bool>,
    pub shebang: Option<bool>,
    pub shebang_interpreter_exists: Option<bool>,
    pub shebang_trailing_cr: Option<bool>,
    /// The `#!` interpreter is a symbolic link whose target does not exist.
    pub shebang_interpreter_link: Option<bool>,
    pub mount_noexec: Option<bool>,
    pub mount_read_only: Option<bool>,
    /// The path lies on a mount of its own (a volume, a bind mount, a tmpfs), not on the
    /// container's root file system.
    pub own_mount: Option<bool>,
    /// The path is itself a mount point: what is there was mounted at that very path (`-v
    /// HOST:PATH`), not found inside a mounted directory.
    pub mounted_here: Option<bool>,
    /// The path is a symbolic link whose target does not exist.
    pub dangling_link: Option<bool>,
    /// A directory on the way to the path may not be searched by the calling process.
    pub unsearchable: Option<bool>,
    /// A missing program has a namesake that differs only in a version (`python3`).
    pub alternatives: Option<bool>,
}

impl RuleFile {
    /// Reads one rule file; an error names the file and the line.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<RuleFile> {
        // A broken file fails the second read too, with the line of what is broken.
        let shared = toml::from_str::<SharedPatterns>(text)
            .map(|s| s.patterns)
            .unwrap_or_default();
        let read = pattern::with_patterns(shared, || toml::from_str::<RuleFile>(text));
        let file: RuleFile = read.map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim().to_string();
            match line {
                Some(line) => anyhow::anyhow!("bad rule file {name}:{line}: {message}"),
                None => anyhow::anyhow!("bad rule file {name}: {message}"),
            }
        })?;
        file.check_flags()
            .and_then(|()| file.check_run_slots())
            .map_err(|e| anyhow::anyhow!("bad rule file {name}: {e}"))?;
        Ok(file)
    }

    /// A run condition's regex has no earlier capture to fill a `{name}` slot from (slots are
    /// for an event's `path_regex`), so one there, even in a `(?x)` comment, would make the
    /// regex never match: refused.
    fn check_run_slots(&self) -> Result<(), String> {
        for rule in &self.rule {
            let run = &rule.run;
            let regexes = [
                ("docker_error", &run.docker_error),
                ("stderr", &run.stderr),
                ("stderr_line_not", &run.stderr_line_not),
                ("stderr_with", &run.stderr_with),
                ("stderr_not", &run.stderr_not),
                ("health_output", &run.health_output),
                ("listening", &run.listening),
            ];
            for (key, re) in regexes {
                if let Some(slot) = re.as_ref().and_then(|re| re.slots().next()) {
                    return Err(format!(
                        "{}: {key} has the slot {{{slot}}}, which nothing fills there (write a literal brace as \\x7b)",
                        rule.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// `flags_any` and `flags_all` test an open's flags: a condition that names any other call
    /// would never match it (no `mkdir` has `O_CREAT`), so it is refused rather than left dead.
    fn check_flags(&self) -> Result<(), String> {
        const OPENS: &[&str] = &["open", "openat", "openat2", "creat"];
        let rules = self.rule.iter().flat_map(|r| {
            let conds = r.call.iter().chain(&r.then).chain(&r.also);
            conds.map(move |c| (r.id.as_str(), c))
        });
        let noise = self.noise.iter().map(|n| (n.id.as_str(), &n.call));
        for (id, cond) in rules.chain(noise) {
            if cond.flags_any.is_none() && cond.flags_all.is_none() {
                continue;
            }
            let names = cond.syscall.as_ref().map_or(&[][..], |s| &s.0[..]);
            if let Some(other) = names.iter().find(|n| !OPENS.contains(&n.as_str())) {
                return Err(format!(
                    "{id}: flags_any and flags_all test an open's flags, which {other} does not have"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_names_the_file_and_line() {
        let text = "[[rule]]\nid = \"x.y\"\nkind = \"crashed\"\nsummary = \"s\"\nexplanation = \"e\"\nfix = \"f\"\n[rule.call]\nsycall = [\"openat\"]\n";
        let err = RuleFile::parse("rules/x.toml", text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rules/x.toml:8"), "{err}");
        assert!(err.contains("sycall"), "{err}");
    }

    #[test]
    fn flag_tests_on_calls_without_open_flags_are_refused() {
        let rule = |calls: &str| {
            format!("[[rule]]\nid = \"x.y\"\nkind = \"missing-file\"\nsummary = \"s\"\nexplanation = \"e\"\nfix = \"f\"\n[rule.call]\nsyscall = {calls}\nflags_any = [\"O_CREAT\"]\n")
        };
        let err = RuleFile::parse("x.toml", &rule(r#"["@open", "mkdir"]"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.y") && err.contains("mkdir"), "{err}");
        assert!(RuleFile::parse("x.toml", &rule(r#"["@open"]"#)).is_ok());
    }

    #[test]
    fn shared_patterns_are_named_in_regexes() {
        let file = |patterns: &str, stderr: &str| {
            format!("{patterns}\n[[rule]]\nid = \"x.y\"\nkind = \"dns-failure\"\nsummary = \"s\"\nexplanation = \"e\"\nfix = \"f\"\n[rule.run]\nstderr = '{stderr}'\n")
        };
        let shared = "[patterns]\nresolver = 'no such host|EAI_AGAIN'";
        let parsed = RuleFile::parse("x.toml", &file(shared, "^lookup: (?&resolver)$")).unwrap();
        let re = parsed.rule[0].run.stderr.as_ref().unwrap();
        let mut vars = Default::default();
        assert!(re.capture("lookup: EAI_AGAIN", &mut vars));
        // A group: the alternation stays inside the anchors.
        assert!(!re.capture("EAI_AGAIN", &mut vars));
        let err = RuleFile::parse("x.toml", &file(shared, "(?&resolvr)"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.toml:") && err.contains("(?&resolvr)"),
            "{err}"
        );
        // Patterns belong to their file: another file cannot use them.
        assert!(RuleFile::parse("y.toml", &file("", "(?&resolver)")).is_err());
    }

    #[test]
    fn slots_in_run_regexes_are_refused() {
        let rule = |stderr: &str| {
            format!("[[rule]]\nid = \"x.y\"\nkind = \"app-error\"\nsummary = \"s\"\nexplanation = \"e\"\nfix = \"f\"\n[rule.run]\nstderr = '''{stderr}'''\n")
        };
        let err = RuleFile::parse("x.toml", &rule(r"(?x) bad\ user  # not ${APACHE_RUN_USER}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.y") && err.contains("{APACHE_RUN_USER}"),
            "{err}"
        );
        assert!(RuleFile::parse("x.toml", &rule(r"a{3} \x7bAPACHE_RUN_USER}")).is_ok());
    }

    #[test]
    fn a_bad_value_names_its_line() {
        let text = "[[rule]]\nid = \"x.y\"\nkind = \"crashed\"\nsummary = \"s\"\nexplanation = \"e\"\nfix = \"f\"\n[rule.call]\nport = \"below 1024\"\n";
        let err = RuleFile::parse("x.toml", text).unwrap_err().to_string();
        assert!(err.contains("x.toml:8"), "{err}");
        let text = "[[rule]]\nid = \"x.y\"\nkind = \"no-such-kind\"\n";
        let err = RuleFile::parse("x.toml", text).unwrap_err().to_string();
        assert!(err.contains("x.toml:3"), "{err}");
    }
}
