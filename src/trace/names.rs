//! The names an event carries over and over: system calls (`openat`) and errnos (`ENOENT`);
//! and which of a signal's `si_code` names say who sent it.
//!
//! A trace of a big log holds hundreds of thousands of events, each naming its call and most
//! naming an errno. Known names are kept as `&'static str` from the kernel's tables (the
//! `syscalls` crate), so that reading a log allocates nothing for them; only a name the tables
//! lack (another architecture's call, a garbled line) gets a string of its own.

use std::borrow::Cow;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// A system call's or an errno's name.
pub type Name = Cow<'static, str>;

/// `name` as a [`Name`]: borrowed from the tables when they know it.
pub fn name(name: &str) -> Name {
    static KNOWN: LazyLock<FxHashMap<&'static str, &'static str>> = LazyLock::new(|| {
        let calls = syscalls::Sysno::iter().map(|s| s.name());
        let errnos = (1..4096).filter_map(|n| syscalls::Errno::new(n).name());
        calls.chain(errnos).map(|n| (n, n)).collect()
    });
    match KNOWN.get(name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(name.to_string()),
    }
}

/// The C library's text for an errno name (`EACCES` → `Permission denied`), from the same
/// tables; the rules match it in a program's messages and the reports print it.
pub fn errno_description(name: &str) -> Option<&'static str> {
    static TEXTS: LazyLock<FxHashMap<&'static str, &'static str>> = LazyLock::new(|| {
        (1..4096)
            .filter_map(|n| syscalls::Errno::new(n).name_and_description())
            .collect()
    });
    TEXTS.get(name).copied()
}

/// Whether a signal's `si_code` (by name, as strace prints it) says a process sent it (`kill`,
/// `sigqueue`, `tgkill`, a message queue's notice), so that its `si_pid` is the sender; a
/// SIGCHLD's `si_pid` is the child, and the kernel's own signals have none.
pub fn si_code_names_a_sender(code: &str) -> bool {
    matches!(code, "SI_USER" | "SI_QUEUE" | "SI_TKILL" | "SI_MESGQ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_borrowed_and_others_owned() {
        assert!(matches!(name("openat"), Cow::Borrowed("openat")));
        assert!(matches!(name("ENOENT"), Cow::Borrowed("ENOENT")));
        assert!(matches!(name("frobnicate"), Cow::Owned(ref s) if s == "frobnicate"));
    }

    #[test]
    fn errnos_have_their_c_library_text() {
        assert_eq!(errno_description("EACCES"), Some("Permission denied"));
        assert_eq!(
            errno_description("ENOENT"),
            Some("No such file or directory")
        );
        assert_eq!(errno_description("EFROB"), None);
    }
}
