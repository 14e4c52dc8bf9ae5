//! Turning rule matches into ranked findings: find the event each rule blames, score it by its
//! context (the process that decides the exit, what was written to stderr afterwards, whether
//! stderr names the same path), and keep the best finding per kind, most likely first.

use super::analysis::{basename, command_line, kill_target, Analysis, Mention};
use super::matcher::{event_matches, plain_match, run_matches};
use super::observation::Health;
use super::pattern::Vars;
use super::spec::{EventCond, Rule};
use crate::report::{Confidence, EvidenceLine, Finding};
use crate::trace::{dns, names::errno_description, Event, EventKind};

/// At most this many findings per report, and evidence lines per finding.
const MAX_FINDINGS: usize = 5;
const MAX_EVIDENCE: usize = 8;

/// A rule that matched, with the event it blames and how strongly.
struct Candidate<'r> {
    rule: &'r Rule,
    score: i32,
    blamed: Option<usize>,
    vars: Vars,
    confidence: Confidence,
}

/// The findings for an analysed trace, most likely first; empty only when no rule matched at
/// all (the built-in fallback rule always matches).
pub fn findings(a: &Analysis, rules: &[Rule]) -> Vec<Finding> {
    let base = run_vars(a);
    let mut found: Vec<Candidate> = rules
        .iter()
        .filter(|r| !r.fallback)
        .filter_map(|r| best_match(a, r, &base))
        .collect();
    // Guesses alone explain nothing: then the fallback rules speak too.
    if found.iter().all(|c| c.confidence == Confidence::Low) {
        found.extend(
            rules
                .iter()
                .filter(|r| r.fallback)
                .filter_map(|r| best_match(a, r, &base)),
        );
    }
    found.sort_by(|x, y| {
        y.score
            .cmp(&x.score)
            .then(y.confidence.cmp(&x.confidence))
            .then(y.blamed.cmp(&x.blamed))
    });
    let mut kept: Vec<Candidate> = Vec::new();
    for c in found {
        let same_kind = kept.iter().any(|k| k.rule.kind == c.rule.kind);
        let same_event = c.blamed.is_some() && kept.iter().any(|k| k.blamed == c.blamed);
        let restated = c.blamed.is_none() && kept.iter().any(|k| restates(&c, k));
        // A guess adds nothing under a sure answer.
        let guess_under_sure = kept
            .first()
            .is_some_and(|k| k.confidence == Confidence::High)
            && c.confidence == Confidence::Low;
        if !(same_kind || same_event || restated || guess_under_sure) && kept.len() < MAX_FINDINGS {
            kept.push(c);
        }
    }
    kept.into_iter().map(|c| to_finding(a, c)).collect()
}

/// The placeholders that name what a finding is about.
const SUBJECTS: [&str; 7] = [
    "path", "library", "command", "module", "host", "script", "addr",
];

/// Whether a finding drawn from stderr only says again what `kept` already says: its quoted
/// line or its subject names `kept`'s subject.
fn restates(c: &Candidate, kept: &Candidate) -> bool {
    let line = c.vars.get("line").map(String::as_str).unwrap_or("");
    SUBJECTS
        .iter()
        .filter_map(|k| kept.vars.get(*k))
        .filter(|s| s.len() >= 3)
        .any(|s| line.contains(s.as_str()) || SUBJECTS.iter().any(|k| c.vars.get(*k) == Some(s)))
}

/// The rule's best match in this run, if any.
fn best_match<'r>(a: &Analysis, rule: &'r Rule, base: &Vars) -> Option<Candidate<'r>> {
    let mut vars = run_matches(&rule.run, a)?;
    for (k, v) in base {
        vars.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let Some(call) = &rule.call else {
        look_up(rule, &mut vars);
        return Some(Candidate {
            rule,
            score: rule.priority,
            blamed: None,
            vars,
            confidence: rule.confidence,
        });
    };
    // Score the events that pass the plain conditions; then, best first (on a tie the later
    // one, closer to the exit), the first that also passes the captures and the `then` chain.
    let mut scored: Vec<(i32, usize)> = a
        .candidates(call)
        .into_iter()
        .filter(|&i| plain_match(call, &a.events[i]) && eligible(a, call, i))
        .map(|i| (rule.priority + context_score(a, i), i))
        .collect();
    scored.sort_unstable_by(|x, y| y.cmp(x));
    let (score, i, mut vars, then) = scored.into_iter().find_map(|(score, i)| {
        let mut v = event_matches(call, &a.events[i], &vars)?;
        let then = follows(a, rule, i, &mut v)?;
        Some((score, i, v, then))
    })?;
    // The blamed event's values first; the `then` events fill in the rest (an exit's code).
    event_vars(&a.events[i], &mut vars);
    let mounted = vars.get("mount_point").and_then(|m| a.obs.bind_source(m));
    if let Some(source) = mounted {
        vars.insert("bind_source".into(), source.to_string());
    }
    signal_vars(a, i, &mut vars);
    if call.repeated.is_some() {
        vars.insert("repeats".into(), a.repeats(i).to_string());
    }
    for j in then {
        event_vars(&a.events[j], &mut vars);
    }
    look_up(rule, &mut vars);
    // A kill call is about the process it kills.
    let subject = kill_target(&a.events[i]).unwrap_or(a.events[i].pid);
    let confidence = if a.decisive.contains(&subject) {
        rule.confidence
    } else {
        lower(rule.confidence)
    };
    Some(Candidate {
        rule,
        score,
        blamed: Some(i),
        vars,
        confidence,
    })
}

/// The rule's `lookup` values, from the values it matched with.
fn look_up(rule: &Rule, vars: &mut Vars) {
    for (name, lookup) in &rule.lookup {
        let found = vars.get(&lookup.from).and_then(|v| lookup.table.get(v));
        if let Some(value) = found.cloned() {
            vars.insert(name.clone(), value);
        }
    }
}

fn eligible(a: &Analysis, call: &EventCond, i: usize) -> bool {
    (call.include_noise || !a.noise[i])
        && (call.include_recovered || !a.recovered[i])
        && call.path_seen.is_none_or(|want| a.path_seen(i) == want)
        && call
            .mentioned
            .is_none_or(|want| a.said_about(i).mention.is_some() == want)
        && call.repeated.is_none_or(|n| a.repeats(i) >= n as usize)
        && in_context(a, call, i)
}

/// The conditions on event `i` that need the whole trace: which process, who sent a signal.
fn in_context(a: &Analysis, cond: &EventCond, i: usize) -> bool {
    let pid = a.events[i].pid;
    cond.decisive.is_none_or(|d| a.decisive.contains(&pid) == d)
        && cond
            .main_process
            .is_none_or(|m| (a.main_pid == Some(pid)) == m)
        && cond
            .sent_by
            .as_ref()
            .is_none_or(|by| by.contains(&a.sent_by(i)))
}

/// The events that meet the rule's `then` conditions after event `i`, in order, if all do.
fn follows(a: &Analysis, rule: &Rule, i: usize, vars: &mut Vars) -> Option<Vec<usize>> {
    let pid = a.events[i].pid;
    let mut at = i + 1;
    let mut matched = Vec::new();
    for cond in &rule.then {
        let hit = (at..a.events.len()).find_map(|j| {
            let e = &a.events[j];
            if (!cond.any_process && e.pid != pid) || !in_context(a, cond, j) {
                return None;
            }
            event_matches(cond, e, vars).map(|v| (j, v))
        });
        let (j, v) = hit?;
        *vars = v;
        matched.push(j);
        at = j + 1;
    }
    Some(matched)
}

/// How much the context of event `i` says it is the cause.
fn context_score(a: &Analysis, i: usize) -> i32 {
    let e = &a.events[i];
    let decisive = a.decisive.contains(&e.pid);
    let mut score = if a.main_pid == Some(e.pid) {
        15
    } else if decisive {
        10
    } else {
        0
    };
    let said = a.said_about(i);
    if said.wrote_after {
        score += 5;
    }
    score += match said.mention {
        // The path and this call's error both said (`mkdir: cannot create directory '/x':
        // Permission denied`): more than the path alone, which a later call on it that failed
        // otherwise (mkdir -p's chdir) shares.
        Some(Mention::Path) if said.errno => 50,
        Some(Mention::Path) => 40,
        Some(Mention::Name) => 25,
        None if said.errno => 20,
        None => 0,
    };
    if e.errno.is_some() && a.is_last_failure_of_pid(i) {
        score += 10;
    }
    score
}

fn lower(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        _ => Confidence::Low,
    }
}

/// Placeholders every rule may use: the exit, the program, the limits.
fn run_vars(a: &Analysis) -> Vars {
    let obs = a.obs;
    let mut v = Vars::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.insert(k.to_string(), val);
        }
    };
    put("exit_code", a.exit.code.map(|c| c.to_string()));
    put("exit_signal", a.exit_signal());
    put("memory_limit", obs.memory_limit.map(human_bytes));
    // The user a fix should give a file to; root's own name would mislead (a root that is
    // refused a file changed user first), so then the blamed process's uid stands in.
    put(
        "user",
        obs.target.user.clone().filter(|u| {
            let name = u.split(':').next().unwrap_or_default();
            !matches!(name, "" | "0" | "root")
        }),
    );
    put("image", obs.target.image.clone());
    let argv: Vec<String> = obs
        .trace
        .header
        .as_ref()
        .map(|h| h.argv.clone())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| [obs.target.entrypoint.clone(), obs.target.command.clone()].concat());
    // A log that starts mid-trace names no command: the first program started stands in.
    let first_exec = || {
        a.events
            .iter()
            .find(|e| e.syscall.as_deref() == Some("execve") && e.errno.is_none())
            .and_then(|e| e.path.clone())
    };
    // What the main process ran last: after a start script's `exec nginx`, nginx is the one
    // that exited, not the script.
    let last_exec = a
        .events
        .iter()
        .rev()
        .filter(|e| Some(e.pid) == a.main_pid && e.ret == Some(0))
        .find(|e| matches!(e.syscall.as_deref(), Some("execve" | "execveat")))
        .and_then(|e| e.argv.as_ref()?.first().cloned());
    put(
        "program",
        last_exec
            .or_else(|| argv.first().cloned())
            .or_else(first_exec)
            .or_else(|| Some("the program".into())),
    );
    put("argv", (!argv.is_empty()).then(|| command_line(&argv)));
    put(
        "dns_name",
        dns::asked_name(a.events.iter().filter_map(|e| e.query.as_deref())).map(String::from),
    );
    put(
        "last_stderr",
        a.stderr_lines.last().map(|l| l.trim().to_string()),
    );
    if let Health::Unhealthy(check) = &obs.health {
        put("health_command", Some(check.command.clone()));
        put("health_exit", check.exit_code.map(|c| c.to_string()));
        put("health_output", last_words(&check.output));
    }
    put("listening", a.listening());
    v
}

/// The last lines of a HEALTHCHECK's output, on one line (a check's tool often ends with the
/// reason after a progress line).
fn last_words(output: &str) -> Option<String> {
    const LINES: usize = 3;
    const CHARS: usize = 300;
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let words = lines[lines.len().saturating_sub(LINES)..].join(" ");
    let words: String = words.chars().take(CHARS).collect();
    (!words.is_empty()).then_some(words)
}

/// The limit a `setrlimit` or `prlimit64` asked for, as `docker run --ulimit` spells it:
/// `RLIMIT_NOFILE` with `{rlim_cur=64*1024, rlim_max=64*1024}` is (`nofile`, `65536:65536`),
/// and infinity is `-1`.
fn limit_set(e: &Event) -> Option<(String, Option<String>)> {
    if !matches!(e.syscall.as_deref(), Some("setrlimit" | "prlimit64")) {
        return None;
    }
    let after = |key: &str| Some(&e.call[e.call.find(key)? + key.len()..]);
    let name: String = after("RLIMIT_")?
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let value = |key: &str| -> Option<String> {
        let text = after(key)?.split([',', '}']).next()?.trim();
        Some(match text.split_once('*') {
            _ if text == "RLIM64_INFINITY" || text == "RLIM_INFINITY" => "-1".into(),
            Some((n, m)) => n
                .parse::<u64>()
                .ok()?
                .checked_mul(m.parse().ok()?)?
                .to_string(),
            None => text.parse::<u64>().ok()?.to_string(),
        })
    };
    let values = value("rlim_cur=")
        .zip(value("rlim_max="))
        .map(|(c, m)| format!("{c}:{m}"));
    Some((name.to_lowercase(), values))
}

/// Placeholders taken from the blamed event and the runner's evidence about it.
fn event_vars(e: &Event, v: &mut Vars) {
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.entry(k.to_string()).or_insert(val);
        }
    };
    put("pid", Some(e.pid.to_string()));
    put("syscall", e.syscall.as_deref().map(String::from));
    put("errno", e.errno.as_deref().map(String::from));
    put(
        "errno_text",
        e.errno
            .as_deref()
            .and_then(errno_description)
            .map(String::from),
    );
    put("path", e.path.clone());
    put("path2", e.path2.clone());
    put("name", e.path.as_deref().map(|p| basename(p).to_string()));
    put(
        "dir",
        // A trailing slash (`mkdir("/.cache/")`) names the same entry of the same directory.
        e.path
            .as_deref()
            .map(|p| match p.trim_end_matches('/').rsplit_once('/') {
                Some(("", _)) => "/".into(),
                Some((d, _)) => d.to_string(),
                // A relative name lives in the working directory.
                None => ".".into(),
            }),
    );
    // A kernel setting's name as `sysctl` and `--sysctl` write it: /proc/sys/net/ipv4/ip_forward
    // is net.ipv4.ip_forward.
    put(
        "sysctl",
        e.path
            .as_deref()
            .and_then(|p| p.strip_prefix("/proc/sys/"))
            .map(|s| s.replace('/', ".")),
    );
    put("addr", e.addr.clone());
    put("port", e.port.map(|p| p.to_string()));
    put("query", e.query.clone());
    put("rcode", e.rcode.clone());
    put("family", e.family.clone());
    put("flags", e.flags.clone());
    put("fd", e.fd.map(|f| f.to_string()));
    put("signal", e.signal.clone());
    put("target", e.target.map(|t| t.to_string()));
    put("command_line", e.argv.as_deref().map(command_line));
    put("code", super::analysis::exit_code(e).map(|c| c.to_string()));
    if let Some((name, value)) = limit_set(e) {
        put("ulimit", Some(name));
        put("ulimit_value", value);
    }
    if let Some(limits) = e.limits.as_deref() {
        put("pids_max", limits.pids_max.map(|n| n.to_string()));
        put("pids_current", limits.pids_current.map(|n| n.to_string()));
        put("nproc_limit", limits.nproc.map(|n| n.to_string()));
        put("uid", limits.uid.map(|n| n.to_string()));
        put("uid_tasks", limits.uid_tasks.map(|n| n.to_string()));
    }
    let Some(ev) = e.evidence.as_deref() else {
        return;
    };
    if let Some(elf) = &ev.elf {
        put("interpreter", elf.interpreter.clone());
        put("machine", Some(elf.machine.clone()));
        put("class", Some(elf.class.clone()));
        put("interpreter_target", elf.interpreter_link.clone());
    }
    if let Some(sb) = &ev.shebang {
        // A CRLF line's `\r` is said in words by the rule; a raw one would garble the text.
        put(
            "interpreter",
            Some(sb.interpreter.trim_end_matches('\r').to_string()),
        );
        put("shebang", Some(sb.line.clone()));
        put("interpreter_target", sb.interpreter_link.clone());
    }
    put("mode", ev.mode.map(|m| format!("{:04o}", m & 0o7777)));
    put("device", ev.device.clone());
    put("magic", ev.magic.clone());
    put("owner", ev.uid.map(|u| u.to_string()));
    put("group", ev.gid.map(|g| g.to_string()));
    put("process_uid", ev.process_uid.map(|u| u.to_string()));
    put(
        "user",
        ev.process_uid.filter(|&u| u != 0).map(|u| u.to_string()),
    );
    if let Some(m) = &ev.mount {
        put("mount_point", Some(m.mount_point.clone()));
        put("fs_type", Some(m.fs_type.clone()));
    }
    put("link", ev.dangling_link.as_ref().map(|_| ev.path.clone()));
    put("link_target", ev.dangling_link.clone());
    if let Some(p) = &ev.nearest_parent {
        put("parent", Some(p.path.clone()));
        put("parent_mode", Some(format!("{:04o}", p.mode & 0o7777)));
        put("parent_owner", Some(p.uid.to_string()));
    }
    // The runner's note of a PATH search that failed names the file it found elsewhere.
    if e.kind == EventKind::Note && ev.exists {
        put("found_at", Some(ev.path.clone()));
    }
    if let Some(alt) = ev.alternatives.first() {
        put("alternative", Some(alt.clone()));
        put("alternative_name", Some(basename(alt).to_string()));
    }
    if let Some(d) = &ev.unsearchable {
        put("unsearchable", Some(d.path.clone()));
        put(
            "unsearchable_mode",
            Some(format!("{:04o}", d.mode & 0o7777)),
        );
        put("unsearchable_owner", Some(d.uid.to_string()));
    }
}

/// For a blamed signal or kill call: `{victim}`, what its receiver was running, and `{sender}`
/// and `{sender_command}`, the process that sent it and what that one was running. (Each is a
/// walk back through the trace: not done for the other events, which no rule names so.)
fn signal_vars(a: &Analysis, i: usize, v: &mut Vars) {
    let e = &a.events[i];
    let (receiver, sender) = if e.kind == EventKind::Signal {
        (Some(e.pid), e.sender)
    } else if e.target.is_some() {
        (kill_target(e), Some(e.pid))
    } else {
        return;
    };
    if let Some(command) = receiver.and_then(|pid| a.command_of(pid, i)) {
        v.entry("victim".into()).or_insert(command);
    }
    let Some(sender) = sender else {
        return;
    };
    v.entry("sender".into()).or_insert(sender.to_string());
    if let Some(command) = a.command_of(sender, i) {
        v.entry("sender_command".into()).or_insert(command);
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn to_finding(a: &Analysis, c: Candidate) -> Finding {
    let rule = c.rule;
    let mut evidence: Vec<EvidenceLine> = Vec::new();
    if let Some(i) = c.blamed {
        let note = rule.note.as_ref().map(|t| t.render(&c.vars));
        evidence.push(evidence_line(&a.events[i], note));
    }
    let mut extra: Vec<usize> = Vec::new();
    for cond in &rule.also {
        let hits: Vec<usize> = (0..a.events.len())
            .rev()
            .filter(|&j| Some(j) != c.blamed && !extra.contains(&j))
            .filter(|&j| event_matches(cond, &a.events[j], &c.vars).is_some())
            .filter(|&j| in_context(a, cond, j))
            .filter(|&j| cond.include_noise || cond.failed != Some(true) || a.is_open_failure(j))
            .take(MAX_EVIDENCE)
            .collect();
        extra.extend(hits);
    }
    extra.sort_unstable();
    // A rule about the run as a whole has no event of its own: the latest `also` event fills in
    // what the run left open (the PID file a program read before its message).
    let mut vars = c.vars;
    if let (None, Some(&j)) = (c.blamed, extra.last()) {
        event_vars(&a.events[j], &mut vars);
    }
    let room = MAX_EVIDENCE.saturating_sub(evidence.len());
    let skip = extra.len().saturating_sub(room);
    evidence.extend(
        extra[skip..]
            .iter()
            .map(|&j| evidence_line(&a.events[j], None)),
    );
    Finding {
        rule: rule.id.clone(),
        kind: rule.kind,
        confidence: c.confidence,
        summary: rule.summary.render(&vars),
        explanation: rule.explanation.render(&vars),
        fix: rule.fix.render(&vars),
        evidence,
    }
}

fn evidence_line(e: &Event, note: Option<String>) -> EvidenceLine {
    let from_runner = e
        .evidence
        .as_ref()
        .filter(|ev| !ev.notes.is_empty())
        .map(|ev| ev.notes.join("; "));
    EvidenceLine {
        pid: Some(e.pid),
        syscall: e.syscall.as_deref().map(String::from),
        call: e.call.clone(),
        errno: e.errno.as_deref().map(String::from),
        path: e.path.clone(),
        // The runner's facts about this very file say more than the rule's generic note.
        note: from_runner.or(note),
    }
}
