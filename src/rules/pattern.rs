//! The small value languages of rule files: globs, regexes (with `{placeholder}` slots), number
//! conditions (`< 1024`), syscall sets (`@exec`), errno names and message templates.
//!
//! A user's rule file is checked as it is read: every pattern compiles then, so a bad one is
//! reported with the file and line of the value, never at match time. The built-in rules (checked
//! by the tests) are read with [`lazily`]: a pattern compiles when a rule first needs it, since
//! compiling them all costs more than most runs use (about 20 ms of the `trace` command's start).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use regex::bytes::RegexSet;
use regex::Regex;
use serde::Deserialize;

use crate::trace::names::errno_description;

/// Values a finding's text and later patterns may refer to by name.
pub type Vars = HashMap<String, String>;

thread_local! {
    /// Whether patterns compile as they are read (the default) or on first use.
    static EAGER: Cell<bool> = const { Cell::new(true) };
    /// The `[patterns]` of the rule file being read, which its regexes name as `(?&name)`.
    static SHARED: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Runs `read` (the reading of one rule file) with its `[patterns]` at hand for `(?&name)`.
pub fn with_patterns<T>(patterns: HashMap<String, String>, read: impl FnOnce() -> T) -> T {
    let before = SHARED.replace(patterns);
    let out = read();
    SHARED.set(before);
    out
}

/// `source` with each `(?&name)` replaced by the file's pattern of that name, as a group: an
/// alternation written once (the resolver's failure messages) serves several rules. The regex
/// crate has no `(?&`, so the reference cannot be mistaken for regex syntax.
fn expand_patterns(source: String) -> Result<String, String> {
    if !source.contains("(?&") {
        return Ok(source);
    }
    SHARED.with_borrow(|shared| {
        let mut out = String::with_capacity(source.len());
        let mut rest = source.as_str();
        while let Some(at) = rest.find("(?&") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 3..];
            let end = after
                .find(')')
                .ok_or_else(|| format!("unclosed pattern reference in {source:?}"))?;
            let name = &after[..end];
            let pattern = shared.get(name).ok_or_else(|| {
                format!("unknown pattern (?&{name}): the file's [patterns] has none of that name")
            })?;
            out.push_str(&format!("(?:{pattern})"));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    })
}

/// Runs `read` (the reading of trusted rule files) with patterns compiled on first use.
pub fn lazily<T>(read: impl FnOnce() -> T) -> T {
    let before = EAGER.replace(false);
    let out = read();
    EAGER.set(before);
    out
}

/// A shell-style glob over a whole path: `*` within one path segment, `**` across segments,
/// `?` one character, `[...]` a character class. Held as the source of its regex, which matches
/// the path's bytes: the stars are byte classes (`/` never occurs inside a UTF-8 sequence, so
/// they match the same paths), which compile several times faster than their Unicode forms.
#[derive(Debug, Clone)]
pub struct Glob {
    /// As written, for an error message.
    glob: String,
    regex: String,
}

impl TryFrom<String> for Glob {
    type Error = String;
    fn try_from(glob: String) -> Result<Self, String> {
        let mut re = String::from("^");
        let mut chars = glob.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    re.push_str("(?s-u:.)*");
                }
                '*' => re.push_str("(?-u:[^/])*"),
                '?' => re.push_str("[^/]"),
                '[' => {
                    re.push('[');
                    for c in chars.by_ref() {
                        if c == ']' {
                            break;
                        }
                        if c == '\\' {
                            re.push('\\');
                        }
                        re.push(c);
                    }
                    re.push(']');
                }
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        // Checked with the list it belongs to (`Globs`): one compile, not two.
        Ok(Glob { glob, regex: re })
    }
}

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Glob::try_from(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One glob or a list of globs; matches when any does (one pass over the text).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "OneOrMany<Glob>")]
pub struct Globs {
    sources: Vec<String>,
    /// Compiled when read or on first use; `None` if it did not compile (never for a checked
    /// file), which matches nothing.
    set: OnceLock<Option<RegexSet>>,
}

impl Globs {
    pub fn any_match(&self, text: &str) -> bool {
        self.set
            .get_or_init(|| RegexSet::new(&self.sources).ok())
            .as_ref()
            .is_some_and(|set| set.is_match(text.as_bytes()))
    }
}

/// A regular expression whose named groups become placeholders. It may itself contain
/// `{name}` slots, filled (escaped) from earlier captures when the rule is matched. A group
/// named `name__2` fills `{name}` too, so that alternatives can capture the same value (a regex
/// may not repeat a group name).
#[derive(Debug, Clone)]
pub struct TextRegex {
    source: String,
    has_slots: bool,
    /// Without slots: compiled once, when read or on first use (`None` if it did not compile,
    /// never for a checked file). Borrowed, not cloned, at each match: a clone of a `Regex`
    /// starts with an empty cache, which its first search allocates again.
    fixed: OnceLock<Option<Regex>>,
}

impl TextRegex {
    /// The compiled regex, with slots filled from `vars`; `None` when a slot has no value.
    pub fn regex(&self, vars: &Vars) -> Option<Cow<'_, Regex>> {
        if !self.has_slots {
            return self
                .fixed
                .get_or_init(|| Regex::new(&self.source).ok())
                .as_ref()
                .map(Cow::Borrowed);
        }
        let filled = fill_slots(&self.source, |name| {
            vars.get(name).map(|v| regex::escape(v))
        })?;
        Regex::new(&filled).ok().map(Cow::Owned)
    }

    /// The `{name}` slots the source holds.
    pub fn slots(&self) -> impl Iterator<Item = &str> {
        slot_names(&self.source)
    }

    /// Matches `text`, adding named captures (and `line`, the whole text) to `vars`.
    pub fn capture(&self, text: &str, vars: &mut Vars) -> bool {
        let Some(re) = self.regex(vars) else {
            return false;
        };
        let Some(caps) = re.captures(text) else {
            return false;
        };
        for name in re.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                let var = name.split("__").next().unwrap_or(name);
                vars.insert(var.to_string(), m.as_str().to_string());
            }
        }
        true
    }
}

impl TryFrom<String> for TextRegex {
    type Error = String;
    fn try_from(source: String) -> Result<Self, String> {
        let source = expand_patterns(source)?;
        let has_slots = slot_names(&source).next().is_some();
        let fixed = OnceLock::new();
        if EAGER.get() {
            // Slots are checked by compiling with a stand-in value.
            let probe = fill_slots(&source, |_| Some("x".into())).unwrap_or_default();
            let compiled = Regex::new(&probe).map_err(|e| format!("bad regex {source:?}: {e}"))?;
            if !has_slots {
                let _ = fixed.set(Some(compiled));
            }
        }
        Ok(TextRegex {
            source,
            has_slots,
            fixed,
        })
    }
}

impl<'de> Deserialize<'de> for TextRegex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        TextRegex::try_from(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The `{name}` slots of a regex source: a letter-led identifier in braces (never a `{3}`
/// repetition).
fn slot_names(source: &str) -> impl Iterator<Item = &str> {
    source.match_indices('{').filter_map(move |(at, _)| {
        let rest = &source[at + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        is_ident(name).then_some(name)
    })
}

fn is_ident(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn fill_slots(source: &str, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after.find('}').map(|end| &after[..end]) {
            Some(name) if is_ident(name) => {
                out.push_str(&value(name)?);
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// A condition on a number: `53`, `< 1024`, `>= 1`, `!= 0`, `1..1023` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumCond {
    Eq(i64),
    Ne(i64),
    Lt(i64),
    Le(i64),
    Gt(i64),
    Ge(i64),
    Range(i64, i64),
}

impl NumCond {
    pub fn test(self, n: i64) -> bool {
        match self {
            NumCond::Eq(v) => n == v,
            NumCond::Ne(v) => n != v,
            NumCond::Lt(v) => n < v,
            NumCond::Le(v) => n <= v,
            NumCond::Gt(v) => n > v,
            NumCond::Ge(v) => n >= v,
            NumCond::Range(lo, hi) => (lo..=hi).contains(&n),
        }
    }
}

impl TryFrom<NumOrText> for NumCond {
    type Error = String;
    fn try_from(value: NumOrText) -> Result<Self, String> {
        let text = match value {
            NumOrText::Num(n) => return Ok(NumCond::Eq(n)),
            NumOrText::Text(t) => t,
        };
        let t = text.trim();
        let num = |s: &str| {
            s.trim().parse::<i64>().map_err(|_| {
                format!("bad number condition {text:?} (try \"< 1024\", \"!= 0\", \"1..1023\")")
            })
        };
        if let Some((lo, hi)) = t.split_once("..") {
            return Ok(NumCond::Range(num(lo)?, num(hi)?));
        }
        for (op, make) in [
            ("<=", NumCond::Le as fn(i64) -> NumCond),
            (">=", NumCond::Ge),
            ("!=", NumCond::Ne),
            ("==", NumCond::Eq),
            ("<", NumCond::Lt),
            (">", NumCond::Gt),
        ] {
            if let Some(rest) = t.strip_prefix(op) {
                return Ok(make(num(rest)?));
            }
        }
        Ok(NumCond::Eq(num(t)?))
    }
}

impl<'de> Deserialize<'de> for NumCond {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        NumCond::try_from(NumOrText::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum NumOrText {
    Num(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl TryFrom<OneOrMany<Glob>> for Globs {
    type Error = String;
    fn try_from(v: OneOrMany<Glob>) -> Result<Self, String> {
        let globs = match v {
            OneOrMany::One(g) => vec![g],
            OneOrMany::Many(gs) => gs,
        };
        let sources: Vec<String> = globs.iter().map(|g| g.regex.clone()).collect();
        let set = OnceLock::new();
        if EAGER.get() {
            let compiled = RegexSet::new(&sources).map_err(|e| {
                // Only on the way out: the glob to blame, one at a time.
                match globs
                    .iter()
                    .find_map(|g| regex::bytes::Regex::new(&g.regex).err().map(|e| (g, e)))
                {
                    Some((g, e)) => format!("bad glob {:?}: {e}", g.glob),
                    None => format!("bad glob list: {e}"),
                }
            })?;
            let _ = set.set(Some(compiled));
        }
        Ok(Globs { sources, set })
    }
}

/// Named syscall sets a rule may use as `@name`, so rules need not repeat the variants.
const SYSCALL_SETS: &[(&str, &[&str])] = &[
    ("exec", &["execve", "execveat"]),
    ("open", &["open", "openat", "openat2", "creat"]),
    (
        "stat",
        &[
            "stat",
            "lstat",
            "newfstatat",
            "fstatat64",
            "statx",
            "access",
            "faccessat",
            "faccessat2",
            "readlink",
            "readlinkat",
        ],
    ),
    (
        "write",
        &["write", "writev", "pwrite64", "pwritev", "pwritev2"],
    ),
    ("send", &["sendto", "sendmsg", "sendmmsg"]),
    (
        "create",
        &[
            "mkdir",
            "mkdirat",
            "mknod",
            "mknodat",
            "symlink",
            "symlinkat",
            "link",
            "linkat",
            "rename",
            "renameat",
            "renameat2",
            "unlink",
            "unlinkat",
            "rmdir",
            "truncate",
            "ftruncate",
            "fallocate",
        ],
    ),
    (
        "owner",
        &[
            "chown",
            "fchown",
            "lchown",
            "fchownat",
            "chmod",
            "fchmod",
            "fchmodat",
            "fchmodat2",
        ],
    ),
    (
        "setid",
        &[
            "setuid",
            "setgid",
            "setreuid",
            "setregid",
            "setresuid",
            "setresgid",
            "setgroups",
            "setfsuid",
            "setfsgid",
            "capset",
        ],
    ),
    (
        "mount",
        &[
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "unshare",
            "setns",
            "mount_setattr",
            "fsopen",
            "fsmount",
            "open_tree",
            "move_mount",
        ],
    ),
    ("exit", &["exit", "exit_group"]),
    ("fork", &["clone", "clone3", "fork", "vfork"]),
];

/// A set of system call names; `@name` entries expand to a named set.
#[derive(Debug, Clone, Default)]
pub struct SyscallSet(pub Vec<String>);

impl SyscallSet {
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s == name)
    }
}

impl TryFrom<OneOrMany<String>> for SyscallSet {
    type Error = String;
    fn try_from(v: OneOrMany<String>) -> Result<Self, String> {
        let names = match v {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        let mut out = Vec::new();
        for name in names {
            if let Some(set) = name.strip_prefix('@') {
                let (_, members) = SYSCALL_SETS
                    .iter()
                    .find(|(n, _)| *n == set)
                    .ok_or_else(|| format!("unknown syscall set @{set}"))?;
                out.extend(members.iter().map(|m| m.to_string()));
            } else if is_syscall_name(&name) {
                out.push(name);
            } else {
                return Err(format!("unknown system call {name:?}"));
            }
        }
        Ok(SyscallSet(out))
    }
}

impl<'de> Deserialize<'de> for SyscallSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SyscallSet::try_from(OneOrMany::<String>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Known on this architecture or in one of the sets (which include other architectures' names).
fn is_syscall_name(name: &str) -> bool {
    name.parse::<syscalls::Sysno>().is_ok() || SYSCALL_SETS.iter().any(|(_, m)| m.contains(&name))
}

/// A set of errno names (`ENOENT`), checked against the kernel's list.
#[derive(Debug, Clone, Default)]
pub struct ErrnoSet(pub Vec<String>);

impl ErrnoSet {
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s == name)
    }
}

impl TryFrom<OneOrMany<String>> for ErrnoSet {
    type Error = String;
    fn try_from(v: OneOrMany<String>) -> Result<Self, String> {
        let names = match v {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        for name in &names {
            if errno_description(name).is_none() {
                return Err(format!("unknown errno {name:?}"));
            }
        }
        Ok(ErrnoSet(names))
    }
}

impl<'de> Deserialize<'de> for ErrnoSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ErrnoSet::try_from(OneOrMany::<String>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A finding's text with `{name}` or `{name|fallback words}` placeholders; `{{` is a literal
/// brace (shell's `${{var}` in a fix).
#[derive(Debug, Clone, PartialEq)]
pub struct Template(String);

impl Template {
    pub fn render(&self, vars: &Vars) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(literal) = after.strip_prefix('{') {
                out.push('{');
                rest = literal;
                continue;
            }
            let end = after.find('}').expect("checked when the template was read");
            let (name, fallback) = match after[..end].split_once('|') {
                Some((n, f)) => (n, Some(f)),
                None => (&after[..end], None),
            };
            match vars.get(name).filter(|v| !v.is_empty()) {
                Some(v) => out.push_str(v),
                None => out.push_str(fallback.unwrap_or("(unknown)")),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

impl TryFrom<String> for Template {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let mut rest = text.as_str();
        while let Some(at) = rest.find('{') {
            let after = &rest[at + 1..];
            if let Some(literal) = after.strip_prefix('{') {
                rest = literal;
                continue;
            }
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed placeholder in {text:?}"))?;
            let name = after[..end].split('|').next().unwrap_or("");
            // `{a|... {b} ...}` would end at b's brace: fallbacks are plain text.
            if !is_ident(name) || after[..end].contains('{') {
                return Err(format!("bad placeholder {{{}}} in {text:?}", &after[..end]));
            }
            rest = &after[end + 1..];
        }
        Ok(Template(text))
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Template::try_from(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(s: &str) -> Globs {
        Globs::try_from(OneOrMany::One(Glob::try_from(s.to_string()).unwrap())).unwrap()
    }

    #[test]
    fn a_bad_glob_in_a_list_is_named() {
        let list = ["/ok/*", "/bad/[z-a]"]
            .map(|g| Glob::try_from(g.to_string()).unwrap())
            .to_vec();
        let err = Globs::try_from(OneOrMany::Many(list)).unwrap_err();
        assert!(err.starts_with("bad glob \"/bad/[z-a]\""), "{err}");
    }

    #[test]
    fn globs_keep_single_stars_inside_a_segment() {
        assert!(glob("/usr/lib/locale/*").any_match("/usr/lib/locale/C.utf8"));
        assert!(!glob("/usr/lib/locale/*").any_match("/usr/lib/locale/C.utf8/LC_CTYPE"));
        assert!(glob("/usr/lib/locale/**").any_match("/usr/lib/locale/C.utf8/LC_CTYPE"));
        assert!(glob("**/node_modules/**").any_match("/srv/app/node_modules/x/package.json"));
        assert!(glob("**/lib*.so.[0-9]*").any_match("/lib/libfoo.so.1"));
        assert!(!glob("/etc/app.conf").any_match("/etc/appXconf"));
        assert!(glob("/etc/?.conf").any_match("/etc/a.conf"));
        // Byte-level stars, character-level `?`: the same answers on non-ASCII paths.
        assert!(glob("/srv/*/app").any_match("/srv/données/app"));
        assert!(!glob("/srv/*/app").any_match("/srv/données/x/app"));
        assert!(glob("/srv/**").any_match("/srv/é/ü"));
        assert!(glob("/etc/?.conf").any_match("/etc/é.conf"));
        assert!(!glob("/etc/?.conf").any_match("/etc/éé.conf"));
        assert!(glob("/etc/[éa].conf").any_match("/etc/é.conf"));
    }

    #[test]
    fn number_conditions_parse_and_test() {
        let c = |s: &str| NumCond::try_from(NumOrText::Text(s.into())).unwrap();
        assert!(c("< 1024").test(80));
        assert!(!c("< 1024").test(8080));
        assert!(c("!= 0").test(127));
        assert!(!c("!= 0").test(0));
        assert!(c("1..1023").test(1023));
        assert!(!c("1..1023").test(0));
        assert!(c("53").test(53));
        assert!(c(">= 128").test(139));
        assert!(NumCond::try_from(NumOrText::Text("less than 5".into())).is_err());
        assert_eq!(
            NumCond::try_from(NumOrText::Num(2)).unwrap(),
            NumCond::Eq(2)
        );
    }

    #[test]
    fn regex_slots_are_filled_escaped_and_captures_become_vars() {
        let re = TextRegex::try_from(r"/{library}$".to_string()).unwrap();
        let mut vars = Vars::new();
        assert!(
            !re.capture("/lib/libfoo.so.1", &mut vars),
            "no value for the slot yet"
        );
        vars.insert("library".into(), "libfoo.so.1".into());
        assert!(re.capture("/usr/lib/libfoo.so.1", &mut vars));
        assert!(
            !re.capture("/usr/lib/libfooXso.1", &mut vars),
            "the dot is escaped"
        );

        let either =
            TextRegex::try_from(r"^(?:a=(?P<v>\w+)|b=(?P<v__2>\w+))$".to_string()).unwrap();
        assert!(either.capture("b=seven", &mut vars));
        assert_eq!(vars["v"], "seven");

        let counted = TextRegex::try_from(r"^x{2}(?P<rest>.*)$".to_string()).unwrap();
        assert!(counted.capture("xxyz", &mut vars));
        assert_eq!(vars["rest"], "yz");
        assert!(TextRegex::try_from("(unclosed".to_string()).is_err());
    }

    #[test]
    fn syscall_and_errno_sets_are_checked() {
        let set =
            SyscallSet::try_from(OneOrMany::Many(vec!["@exec".into(), "bind".into()])).unwrap();
        assert!(set.contains("execveat") && set.contains("bind"));
        assert!(SyscallSet::try_from(OneOrMany::One("opnat".into())).is_err());
        assert!(SyscallSet::try_from(OneOrMany::One("@nope".into())).is_err());
        assert!(ErrnoSet::try_from(OneOrMany::One("ENOENT".into())).is_ok());
        assert!(ErrnoSet::try_from(OneOrMany::One("ENOPE".into())).is_err());
    }

    #[test]
    fn templates_render_values_and_fallbacks() {
        let t = Template::try_from("{path} needs {interpreter|its loader}".to_string()).unwrap();
        let mut vars = Vars::new();
        vars.insert("path".into(), "/app/server".into());
        assert_eq!(t.render(&vars), "/app/server needs its loader");
        assert!(Template::try_from("{unclosed".to_string()).is_err());
        assert!(Template::try_from("{1bad}".to_string()).is_err());
        assert!(Template::try_from("{a|nested {b}}".to_string()).is_err());
    }

    #[test]
    fn a_doubled_brace_is_a_literal_brace() {
        let t = Template::try_from("`${{var:0:3}` in {path}".to_string()).unwrap();
        let mut vars = Vars::new();
        vars.insert("path".into(), "/entrypoint.sh".into());
        assert_eq!(t.render(&vars), "`${var:0:3}` in /entrypoint.sh");
        assert!(Template::try_from("${var:0:3}".to_string()).is_err());
    }
}
