//! Testing one condition against one event or against the run, collecting the values the
//! condition captured (paths, ports, regex groups) as placeholders.

use super::analysis::{exit_code, Analysis};
use super::observation::Health;
use super::pattern::{TextRegex, Vars};
use super::spec::{EventCond, EvidenceCond, RunCond};
use crate::report::Outcome;
use crate::trace::{Event, EventKind, Evidence};

/// Whether `e` meets `cond`; on success, `vars` plus the captures.
pub fn event_matches(cond: &EventCond, e: &Event, vars: &Vars) -> Option<Vars> {
    if !plain_match(cond, e) {
        return None;
    }
    // Only now the captures, on a copy of the values: most events fail the plain tests.
    let mut vars = vars.clone();
    if let Some(re) = &cond.path_regex {
        if !re.capture(e.path.as_deref()?, &mut vars) {
            return None;
        }
    }
    if let Some(re) = &cond.data {
        if !re.capture(e.data.as_deref()?, &mut vars) {
            return None;
        }
    }
    if let Some(re) = &cond.text {
        if !re.capture(&e.call, &mut vars) {
            return None;
        }
    }
    if let Some(re) = &cond.argv0 {
        if !re.capture(e.argv.as_ref()?.first()?, &mut vars) {
            return None;
        }
    }
    Some(vars)
}

/// The conditions that capture nothing.
pub fn plain_match(cond: &EventCond, e: &Event) -> bool {
    plain(cond, e).is_some()
}

/// `Some` when every plain condition holds (`?` reads "the field must be there").
fn plain(cond: &EventCond, e: &Event) -> Option<()> {
    if let Some(kinds) = &cond.kind {
        // The exit call's argument is read last: most events are told by their kind alone.
        let is_exit_call = || e.kind == EventKind::Syscall && exit_code(e).is_some();
        if !(kinds.contains(&e.kind) || kinds.contains(&EventKind::Exit) && is_exit_call()) {
            return None;
        }
    }
    if let Some(set) = &cond.syscall {
        if !set.contains(e.syscall.as_deref()?) {
            return None;
        }
    }
    if let Some(set) = &cond.errno {
        if !set.contains(e.errno.as_deref()?) {
            return None;
        }
    }
    if let Some(failed) = cond.failed {
        if e.errno.is_some() != failed || (!failed && e.ret.is_none()) {
            return None;
        }
    }
    if let Some(globs) = &cond.path {
        if !globs.any_match(e.path.as_deref()?) {
            return None;
        }
    }
    if let Some(globs) = &cond.not_path {
        if e.path.as_deref().is_some_and(|p| globs.any_match(p)) {
            return None;
        }
    }
    if let Some(globs) = &cond.addr {
        if !globs.any_match(e.addr.as_deref()?) {
            return None;
        }
    }
    if let Some(globs) = &cond.query {
        if !globs.any_match(e.query.as_deref()?) {
            return None;
        }
    }
    if let Some(c) = cond.pid {
        if !c.test(e.pid as i64) {
            return None;
        }
    }
    if let Some(limits) = &cond.limit {
        let reached = e.limits.as_deref()?.reached.as_str();
        if !limits.iter().any(|l| l == reached) {
            return None;
        }
    }
    if let Some(codes) = &cond.rcode {
        let rcode = e.rcode.as_deref()?;
        if !codes.iter().any(|c| c == rcode) {
            return None;
        }
    }
    if let Some(c) = cond.port {
        if !c.test(e.port? as i64) {
            return None;
        }
    }
    if let Some(families) = &cond.family {
        if !families
            .iter()
            .any(|f| Some(f.as_str()) == e.family.as_deref())
        {
            return None;
        }
    }
    if !flags_match(cond, open_flags(e)) {
        return None;
    }
    if let Some(c) = cond.fd {
        if !c.test(e.fd? as i64) {
            return None;
        }
    }
    if let Some(c) = cond.code {
        if !c.test(exit_code(e)? as i64) {
            return None;
        }
    }
    if let Some(signals) = &cond.signal {
        if !signals
            .iter()
            .any(|s| Some(s.as_str()) == e.signal.as_deref())
        {
            return None;
        }
    }
    if let Some(ev) = &cond.evidence {
        if !evidence_matches(ev, e.evidence.as_deref()) {
            return None;
        }
    }
    Some(())
}

/// An open's flags; `creat` has its flags in its name (`open` with these three).
fn open_flags(e: &Event) -> Option<&str> {
    e.flags
        .as_deref()
        .or_else(|| (e.syscall.as_deref() == Some("creat")).then_some("O_WRONLY|O_CREAT|O_TRUNC"))
}

fn flags_match(cond: &EventCond, flags: Option<&str>) -> bool {
    // Most conditions test no flags: then the split, an allocation per event, is skipped.
    if cond.flags_any.is_none() && cond.flags_all.is_none() && cond.flags_none.is_none() {
        return true;
    }
    let set: Vec<&str> = flags
        .map(|f| f.split('|').map(str::trim).collect())
        .unwrap_or_default();
    let has = |f: &String| set.contains(&f.as_str());
    cond.flags_any.as_ref().is_none_or(|fs| fs.iter().any(has))
        && cond.flags_all.as_ref().is_none_or(|fs| fs.iter().all(has))
        && cond
            .flags_none
            .as_ref()
            .is_none_or(|fs| !fs.iter().any(has))
}

fn evidence_matches(cond: &EvidenceCond, ev: Option<&Evidence>) -> bool {
    if let Some(present) = cond.present {
        if ev.is_some() != present {
            return false;
        }
    }
    let Some(ev) = ev else {
        // Only `present = false` can hold without evidence.
        return cond.present == Some(false) && no_fact_asked(cond);
    };
    let is = |want: Option<bool>, have: Option<bool>| want.is_none_or(|w| have == Some(w));
    let one_of = |want: &Option<Vec<String>>, have: Option<&str>| {
        want.as_ref()
            .is_none_or(|w| have.is_some_and(|h| w.iter().any(|x| x == h)))
    };
    let elf = ev.elf.as_ref();
    let shebang = ev.shebang.as_ref();
    let mount = ev.mount.as_ref();
    is(cond.exists, Some(ev.exists))
        && one_of(&cond.file_type, ev.file_type.as_deref())
        && one_of(&cond.magic, ev.magic.as_deref())
        && is(cond.executable, ev.mode.map(|m| m & 0o111 != 0))
        && is(
            cond.owned_by_process,
            ev.uid.zip(ev.process_uid).map(|(owner, me)| owner == me),
        )
        && is(cond.elf, Some(elf.is_some()))
        && is(
            cond.elf_interpreter_exists,
            elf.and_then(|f| f.interpreter_exists),
        )
        && is(
            cond.elf_interpreter_link,
            elf.map(|f| f.interpreter_link.is_some()),
        )
        && is(cond.elf_runnable_machine, elf.map(|f| f.runnable_machine))
        && is(cond.elf_truncated, elf.map(|f| f.truncated))
        && is(cond.shebang, Some(shebang.is_some()))
        && is(
            cond.shebang_interpreter_exists,
            shebang.map(|s| s.interpreter_exists),
        )
        && is(cond.shebang_trailing_cr, shebang.map(|s| s.trailing_cr))
        && is(
            cond.shebang_interpreter_link,
            shebang.map(|s| s.interpreter_link.is_some()),
        )
        && is(cond.mount_noexec, mount.map(|m| m.noexec))
        && is(cond.mount_read_only, mount.map(|m| m.read_only))
        && is(cond.own_mount, mount.map(|m| m.mount_point != "/"))
        && is(cond.mounted_here, mount.map(|m| m.mount_point == ev.path))
        && is(cond.dangling_link, Some(ev.dangling_link.is_some()))
        && is(cond.unsearchable, Some(ev.unsearchable.is_some()))
        && is(cond.alternatives, Some(!ev.alternatives.is_empty()))
}

fn no_fact_asked(cond: &EvidenceCond) -> bool {
    let EvidenceCond {
        present: _,
        exists,
        file_type,
        magic,
        executable,
        owned_by_process,
        elf,
        elf_interpreter_exists,
        elf_interpreter_link,
        elf_runnable_machine,
        elf_truncated,
        shebang,
        shebang_interpreter_exists,
        shebang_trailing_cr,
        shebang_interpreter_link,
        mount_noexec,
        mount_read_only,
        own_mount,
        mounted_here,
        dangling_link,
        unsearchable,
        alternatives,
    } = cond;
    [
        exists,
        executable,
        owned_by_process,
        elf,
        elf_interpreter_exists,
        elf_interpreter_link,
        elf_runnable_machine,
        elf_truncated,
        shebang,
        shebang_interpreter_exists,
        shebang_trailing_cr,
        shebang_interpreter_link,
        mount_noexec,
        mount_read_only,
        own_mount,
        mounted_here,
        dangling_link,
        unsearchable,
        alternatives,
    ]
    .iter()
    .all(|c| c.is_none())
        && file_type.is_none()
        && magic.is_none()
}

/// Whether the run meets `cond`; on success, the captured values (`line`, `docker_error`,
/// regex groups).
pub fn run_matches(cond: &RunCond, a: &Analysis) -> Option<Vars> {
    let obs = a.obs;
    let mut vars = Vars::new();
    let is = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
    if let Some(outcomes) = &cond.outcome {
        if !outcomes.contains(&obs.outcome) {
            return None;
        }
    }
    let failed = match obs.outcome {
        Outcome::Running => false,
        Outcome::NotStarted | Outcome::Killed => true,
        Outcome::Exited => a.exit.code != Some(0) || a.exit.signal.is_some() || a.exit.oom_killed,
    };
    if !is(cond.failed, failed) {
        return None;
    }
    if let Some(c) = cond.exit_code {
        if !c.test(a.exit.code? as i64) {
            return None;
        }
    }
    if let Some(signals) = &cond.signal {
        if !signals
            .iter()
            .any(|s| Some(s.as_str()) == a.exit_signal().as_deref())
        {
            return None;
        }
    }
    if let Some(networks) = &cond.network {
        if !obs.network.as_ref().is_some_and(|n| networks.contains(n)) {
            return None;
        }
    }
    if let Some(networks) = &cond.network_not {
        if obs.network.as_ref().is_none_or(|n| networks.contains(n)) {
            return None;
        }
    }
    if let Some(re) = &cond.listening {
        if !re.capture(&a.listening()?, &mut vars) {
            return None;
        }
    }
    if let Some(by) = &cond.signal_sent_by {
        if !by.contains(&a.fatal_signal_sent_by()) {
            return None;
        }
    }
    let traced = !a.events.is_empty();
    if !(is(cond.oom_killed, a.exit.oom_killed)
        && is(cond.memory_limit, obs.memory_limit.is_some())
        && is(cond.alive, a.children_alive())
        && is(cond.healthy, obs.health == Health::Healthy)
        && is(cond.unhealthy, matches!(obs.health, Health::Unhealthy(_)))
        && is(cond.health_pending, obs.health == Health::Pending)
        && is(cond.traced, traced)
        && is(cond.full, obs.trace.header.as_ref().is_some_and(|h| h.full)))
    {
        return None;
    }
    if let Some(want) = cond.failed_calls {
        if a.has_open_failures() != want {
            return None;
        }
    }
    if let Some(re) = &cond.docker_error {
        let text = obs.docker_error.as_deref()?;
        if !re.capture(text, &mut vars) {
            return None;
        }
        vars.insert("docker_error".into(), text.trim().to_string());
    }
    if let Some(re) = &cond.health_output {
        let Health::Unhealthy(check) = &obs.health else {
            return None;
        };
        let output = &check.output;
        if !output.lines().any(|line| re.capture(line, &mut vars)) {
            return None;
        }
    }
    // The stream the `stderr` regex matched in; `stderr_with` looks for its context there.
    let mut matched_in = &a.stderr_lines;
    if let Some(re) = &cond.stderr {
        // stderr first; stdout only when no stderr line matches (a program that logs there).
        let streams = [("stderr", &a.stderr_lines), ("stdout", &a.stdout_lines)];
        let found = streams.into_iter().find_map(|(stream, lines)| {
            last_line_matching(re, cond.stderr_line_not.as_ref(), lines, &vars)
                .map(|v| (stream, lines, v))
        });
        let (stream, lines, v) = found?;
        vars = v;
        vars.insert("stream".into(), stream.into());
        matched_in = lines;
    }
    if let Some(re) = &cond.stderr_with {
        let mut v = vars.clone();
        if !matched_in.iter().rev().any(|l| re.capture(l, &mut v)) {
            return None;
        }
        vars = v;
    }
    if let Some(re) = &cond.stderr_not {
        let mut output = a.stderr_lines.iter().chain(&a.stdout_lines);
        if output.any(|l| re.capture(l, &mut Vars::new())) {
            return None;
        }
    }
    Some(vars)
}

/// The last line of `lines` that `re` matches and `not` does not, with the captures, `{line}`
/// and `{next_line}` added to `vars`. The program's last word counts: the search runs from the
/// end. The line after it often says what the matched one only announces (Redis: `>>>
/// 'directive'`, then the reason).
fn last_line_matching(
    re: &TextRegex,
    not: Option<&TextRegex>,
    lines: &[String],
    vars: &Vars,
) -> Option<Vars> {
    lines.iter().enumerate().rev().find_map(|(i, line)| {
        let mut v = vars.clone();
        if !re.capture(line, &mut v) || not.is_some_and(|n| n.capture(line, &mut Vars::new())) {
            return None;
        }
        v.insert("line".into(), line.trim().to_string());
        if let Some(next) = lines.get(i + 1) {
            v.insert("next_line".into(), next.trim().to_string());
        }
        Some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::spec::RuleFile;
    use crate::trace::{ElfFacts, Evidence};

    fn cond(toml_text: &str) -> EventCond {
        let text = format!(
            "[[rule]]\nid='t'\nkind='unknown'\nsummary='s'\nexplanation='e'\nfix='f'\n[rule.call]\n{toml_text}"
        );
        RuleFile::parse("t.toml", &text)
            .unwrap()
            .rule
            .remove(0)
            .call
            .unwrap()
    }

    fn open_fail(path: &str, flags: &str, errno: &'static str) -> Event {
        Event {
            syscall: Some("openat".into()),
            path: Some(path.into()),
            flags: Some(flags.into()),
            errno: Some(errno.into()),
            ret: Some(-1),
            call: format!("openat(AT_FDCWD, \"{path}\", {flags}) = -1 {errno}"),
            ..Event::default()
        }
    }

    #[test]
    fn syscall_errno_path_and_flags() {
        let c = cond("syscall = '@open'\nerrno = ['EACCES', 'EPERM']\npath = '/var/log/**'\nflags_any = ['O_WRONLY', 'O_RDWR', 'O_CREAT']");
        let hit = open_fail(
            "/var/log/app/out.log",
            "O_WRONLY|O_CREAT|O_APPEND",
            "EACCES",
        );
        assert!(event_matches(&c, &hit, &Vars::new()).is_some());
        let read_only = open_fail("/var/log/app/out.log", "O_RDONLY", "EACCES");
        assert!(event_matches(&c, &read_only, &Vars::new()).is_none());
        let other_errno = open_fail("/var/log/app/out.log", "O_WRONLY", "ENOENT");
        assert!(event_matches(&c, &other_errno, &Vars::new()).is_none());
        let elsewhere = open_fail("/etc/app.conf", "O_WRONLY", "EACCES");
        assert!(event_matches(&c, &elsewhere, &Vars::new()).is_none());
        // creat(path, mode) is an open with O_WRONLY|O_CREAT|O_TRUNC; no decoder prints them.
        let creat = Event {
            syscall: Some("creat".into()),
            flags: None,
            ..open_fail("/var/log/app/out.log", "", "EACCES")
        };
        assert!(event_matches(&c, &creat, &Vars::new()).is_some());
    }

    #[test]
    fn ports_and_captures() {
        let c = cond("syscall = 'bind'\nport = '< 1024'\naddr = ['0.0.0.0', '::']");
        let mut bind = Event {
            syscall: Some("bind".into()),
            addr: Some("0.0.0.0".into()),
            port: Some(80),
            errno: Some("EACCES".into()),
            ..Event::default()
        };
        assert!(event_matches(&c, &bind, &Vars::new()).is_some());
        bind.port = Some(8080);
        assert!(event_matches(&c, &bind, &Vars::new()).is_none());

        let c = cond("path_regex = '^/usr/lib/(?P<lib>[^/]+)$'");
        let e = open_fail("/usr/lib/libssl.so.3", "O_RDONLY", "ENOENT");
        assert_eq!(
            event_matches(&c, &e, &Vars::new()).unwrap()["lib"],
            "libssl.so.3"
        );
    }

    #[test]
    fn evidence_conditions_need_evidence_unless_asking_for_its_absence() {
        let c = cond("evidence = { exists = true, elf_interpreter_exists = false }");
        let mut e = Event {
            syscall: Some("execve".into()),
            errno: Some("ENOENT".into()),
            ..Event::default()
        };
        assert!(event_matches(&c, &e, &Vars::new()).is_none());
        e.evidence = Some(Box::new(Evidence {
            path: "/app/server".into(),
            exists: true,
            elf: Some(ElfFacts {
                interpreter: Some("/lib64/ld-linux-x86-64.so.2".into()),
                interpreter_exists: Some(false),
                ..ElfFacts::default()
            }),
            ..Evidence::default()
        }));
        assert!(event_matches(&c, &e, &Vars::new()).is_some());
        let absent = cond("evidence = { present = false }");
        assert!(event_matches(&absent, &e, &Vars::new()).is_none());
        e.evidence = None;
        assert!(event_matches(&absent, &e, &Vars::new()).is_some());
    }

    #[test]
    fn exit_calls_count_as_exit_events() {
        let c = cond("kind = ['exit']\ncode = '!= 0'");
        let e = Event {
            syscall: Some("exit_group".into()),
            call: "exit_group(127)".into(),
            ret: None,
            ..Event::default()
        };
        assert!(event_matches(&c, &e, &Vars::new()).is_some());
        let ok = Event {
            call: "exit_group(0)".into(),
            ..e.clone()
        };
        assert!(event_matches(&c, &ok, &Vars::new()).is_none());
    }
}
