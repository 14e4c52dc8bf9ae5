//! Insider evidence about a failing call's target, seen from the tracee's own root: the file's
//! type, mode and owner, its ELF header or `#!` line, the mount it lives on, the nearest existing
//! parent of a missing path, and the ids of the process. This is what tells apart the causes of
//! `exec /app: no such file or directory`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};

use goblin::elf::program_header::{ProgramHeader, PT_INTERP};
use nix::errno::Errno;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;
use nix::unistd::Pid;

use super::accounts::Accounts;
use super::decode::text;
use crate::trace::{ElfFacts, Event, EventKind, Evidence, MountFacts, ParentFacts, Shebang};

/// Bytes of a file's head read to find its magic, ELF header or `#!` line.
const HEAD: usize = 4096;

/// Evidence for an execve of `path` (absolute, in the tracee's view) that failed with `errno`.
pub fn for_exec(mounts: &mut Mounts, task: &TaskFacts, path: &[u8], errno: i32) -> Evidence {
    let root = &task.root;
    let mut ev = base(mounts, task, path, true);
    note_unsearchable(mounts, task, path, errno, &mut ev);
    if !ev.exists {
        // A link to nothing has its own note; behind a directory the process may not search
        // (nor the tracer, when it runs as the same user) nothing can be said about the file.
        if ev.dangling_link.is_none() && ev.unsearchable.is_none() {
            ev.notes
                .push(format!("{} does not exist", text::lossless(path)));
            add_alternatives(&mut ev, alternatives(mounts, task, path));
        }
        return ev;
    }
    match ev.file_type.as_deref() {
        Some("dir") => ev
            .notes
            .push(format!("{} is a directory", text::lossless(path))),
        Some("file") => {
            if ev.mode.is_some_and(|m| m & 0o111 == 0) {
                ev.notes.push(format!(
                    "the file has no execute permission (mode {:04o})",
                    ev.mode.unwrap_or(0)
                ));
            }
            if let Ok(file) = root.open(path, libc::O_RDONLY) {
                head_facts(root, &File::from(file), &mut ev);
            }
            // `#!/usr/bin/python` in an image that has python3.
            let missing = ev.shebang.as_ref().filter(|s| {
                !s.interpreter_exists && s.interpreter_link.is_none() && !s.trailing_cr
            });
            if let Some(interpreter) = missing.map(|s| s.interpreter.clone()) {
                let found = alternatives(mounts, task, interpreter.as_bytes());
                add_alternatives(&mut ev, found);
            }
        }
        _ => {}
    }
    if ev.mount.as_ref().is_some_and(|m| m.noexec) {
        let at = ev
            .mount
            .as_ref()
            .map(|m| m.mount_point.clone())
            .unwrap_or_default();
        ev.notes
            .push(format!("the file is on a noexec mount ({at})"));
    }
    ev
}

/// Evidence for a name a `PATH` search did not find: when one of the directories holds it as a
/// symbolic link to nothing (the search follows links, so it saw no file there), about that
/// link; else, when the working directory `cwd` or `/` holds it (`COPY entrypoint.sh /`
/// and `ENTRYPOINT ["entrypoint.sh"]`), about that file; else, when some directory holds a
/// namesake of another version (`python3` for `python`), about the name there.
pub fn for_path_search(
    mounts: &mut Mounts,
    task: &TaskFacts,
    name: &[u8],
    path_var: &[u8],
    cwd: &[u8],
) -> Option<Evidence> {
    let dirs = || {
        path_var
            .split(|&b| b == b':')
            .filter(|dir| dir.starts_with(b"/"))
            .map(|dir| [dir, b"/", name].concat())
    };
    let dangling = dirs().find(|candidate| task.root.dangling_link(candidate).is_some());
    if let Some(candidate) = dangling {
        return Some(for_exec(mounts, task, &candidate, libc::ENOENT));
    }
    let outside = [cwd, b"/"]
        .into_iter()
        .filter(|dir| dir.starts_with(b"/"))
        .map(|dir| [dir.strip_suffix(b"/").unwrap_or(dir), b"/", name].concat())
        .find(|p| task.root.stat(p, true).is_some_and(|m| m.is_file()));
    if let Some(found) = outside {
        let mut ev = base(mounts, task, &found, true);
        let shown = text::lossless(&found);
        ev.notes
            .push(format!("{shown} is there, in no PATH directory"));
        return Some(ev);
    }
    dirs().find_map(|candidate| {
        let found = alternatives(mounts, task, &candidate);
        (!found.is_empty()).then(|| {
            let mut ev = Evidence {
                path: text::lossless(&candidate),
                ..Evidence::default()
            };
            add_alternatives(&mut ev, found);
            ev
        })
    })
}

/// The most names a directory is read for when a program is not there: `/usr/bin` of a
/// full distribution holds a few thousand.
const LISTING_MAX: usize = 8192;

/// Executables beside `path` (absolute; not there) whose names differ from its name only in a
/// version: what a `python` that is missing is called in this image.
fn alternatives(mounts: &mut Mounts, task: &TaskFacts, path: &[u8]) -> Vec<String> {
    let Some(slash) = path.iter().rposition(|&b| b == b'/') else {
        return Vec::new();
    };
    let (dir, name) = (&path[..slash.max(1)], &path[slash + 1..]);
    let stem = version_stem(name);
    if stem.is_empty() {
        return Vec::new();
    }
    let namesakes = mounts.names_by_stem(task, dir).get(stem);
    let mut found: Vec<&Vec<u8>> = namesakes
        .into_iter()
        .flatten()
        .filter(|n| n.as_slice() != name)
        .collect();
    found.sort_by_key(|n| (n.len(), n.as_slice()));
    found
        .into_iter()
        .map(|n| [&path[..=slash], n.as_slice()].concat())
        .filter(|p| {
            let meta = task.root.stat(p, true);
            meta.is_some_and(|m| m.is_file() && m.mode() & 0o111 != 0)
        })
        .take(3)
        .map(|p| text::lossless(&p))
        .collect()
}

/// Keeps `found` (namesakes in one directory) as the evidence's alternatives, with a note that
/// names them: `/usr/bin has python3, python3.11`.
fn add_alternatives(ev: &mut Evidence, found: Vec<String>) {
    if let Some((dir, _)) = found.first().and_then(|p| p.rsplit_once('/')) {
        let names: Vec<&str> = found
            .iter()
            .filter_map(|p| p.rsplit_once('/').map(|(_, name)| name))
            .collect();
        let dir = if dir.is_empty() { "/" } else { dir };
        ev.notes.push(format!("{dir} has {}", names.join(", ")));
    }
    ev.alternatives = found;
}

/// A program's name without a trailing version: `python3.11` and `python3` are `python`,
/// `pip3` is `pip`.
fn version_stem(name: &[u8]) -> &[u8] {
    let is_version = |b: &u8| b.is_ascii_digit() || *b == b'.' || *b == b'-';
    let end = name
        .iter()
        .rposition(|b| !is_version(b))
        .map_or(0, |i| i + 1);
    &name[..end]
}

/// Evidence for an open that found a directory where it asked for no directory (`O_DIRECTORY`):
/// a program reading its configuration, a log it appends to. The mount tells whether the
/// directory is a volume or bind mount of its own: `-v HOST:PATH` with a missing host file
/// makes the engine create a directory there.
pub fn for_opened_directory(mounts: &mut Mounts, task: &TaskFacts, path: &[u8]) -> Evidence {
    let mut ev = base(mounts, task, path, true);
    let shown = text::lossless(path);
    match ev.mount.as_ref().filter(|m| m.mount_point == shown) {
        Some(m) => ev.notes.push(format!(
            "{shown} is a directory, mounted there on its own ({})",
            m.fs_type
        )),
        None => ev.notes.push(format!("{shown} is a directory")),
    }
    ev
}

/// Evidence for a call on a path (open, mkdir, chdir...) that failed with `errno`.
pub fn for_path(mounts: &mut Mounts, task: &TaskFacts, path: &[u8], errno: i32) -> Evidence {
    let mut ev = base(mounts, task, path, false);
    note_unsearchable(mounts, task, path, errno, &mut ev);
    // A directory the process may not search has its own note: the nearest parent the tracer
    // could see is that directory or one below it.
    let parent = ev
        .nearest_parent
        .as_ref()
        .filter(|_| ev.unsearchable.is_none());
    if let Some(p) = parent {
        // ENOTDIR: the nearest existing parent is the file that stands where a directory
        // should be (for ENOENT it is a directory).
        if errno == libc::ENOTDIR {
            ev.notes.push(format!(
                "{} is a file, not a directory: nothing can be inside it",
                p.path
            ));
        } else {
            let owner = mounts.owner(task, p.uid, p.gid);
            ev.notes.push(format!(
                "nearest existing parent {} is owned by {owner} with mode {:04o}",
                p.path, p.mode
            ));
        }
    }
    // A shell looks a command up with `stat` in each PATH directory.
    if errno == libc::ENOENT && in_a_bin_directory(path) {
        add_alternatives(&mut ev, alternatives(mounts, task, path));
    }
    ev
}

/// `/usr/bin/python`, `/opt/venv/bin/pip`: a program's place, not a data file's.
fn in_a_bin_directory(path: &[u8]) -> bool {
    let dir = path
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(&b""[..], |i| &path[..i]);
    dir.ends_with(b"/bin") || dir.ends_with(b"/sbin")
}

/// What every piece of evidence holds: existence, type, mode, owner, mount, process ids.
fn base(mounts: &mut Mounts, task: &TaskFacts, path: &[u8], follow: bool) -> Evidence {
    let root = &task.root;
    let mut ev = Evidence {
        path: text::lossless(path),
        ..Evidence::default()
    };
    // A symbolic link that leads nowhere counts as missing (what is missing is its target).
    let meta = root
        .stat(path, follow)
        .filter(|m| !m.file_type().is_symlink() || root.stat(path, true).is_some());
    match meta {
        Some(meta) => {
            ev.exists = true;
            let ft = meta.file_type();
            ev.file_type = Some(
                if ft.is_file() {
                    "file"
                } else if ft.is_dir() {
                    "dir"
                } else if ft.is_symlink() {
                    "symlink"
                } else if ft.is_char_device() {
                    "char-device"
                } else if ft.is_block_device() {
                    "block-device"
                } else {
                    "other"
                }
                .into(),
            );
            // What a device cgroup rule names: `c 10:229`.
            if ft.is_char_device() || ft.is_block_device() {
                let kind = if ft.is_char_device() { 'c' } else { 'b' };
                let rdev = meta.rdev();
                ev.device = Some(format!(
                    "{kind} {}:{}",
                    libc::major(rdev),
                    libc::minor(rdev)
                ));
            }
            ev.mode = Some(meta.mode() & 0o7777);
            ev.uid = Some(meta.uid());
            ev.gid = Some(meta.gid());
            ev.size = Some(meta.size());
        }
        None => match root.dangling_link(path) {
            // The name is there, so no parent is missing: what is missing is the target.
            Some(target) => {
                ev.notes.push(format!(
                    "{} is a symbolic link to {target}, which does not exist",
                    text::lossless(path)
                ));
                ev.dangling_link = Some(target);
            }
            None => ev.nearest_parent = nearest_parent(root, path),
        },
    }
    ev.mount = mounts.of(task.root.pid, task.view, path);
    if let Some(ids) = &task.ids {
        ev.process_uid = Some(ids.uid);
        ev.process_gid = Some(ids.gid);
        ev.process_groups = ids.groups.clone();
    }
    ev
}

/// The magic, ELF facts and `#!` line from the head of an existing file.
fn head_facts(root: &Root, file: &File, ev: &mut Evidence) {
    let mut head = vec![0u8; HEAD];
    let n = file.read_at(&mut head, 0).unwrap_or(0);
    head.truncate(n);
    ev.magic = Some(magic(&head).into());
    if let Some(behind) = head.strip_prefix(UTF8_BOM).filter(|h| h.starts_with(b"#!")) {
        ev.notes.push(format!(
            "a UTF-8 byte-order mark (EF BB BF) comes before \"#!{}\": the kernel sees no #!",
            shebang(root, behind).line
        ));
    }
    if head.starts_with(b"\x7fELF") {
        let elf = elf_facts(root, file, &head);
        if let Some(interp) = &elf.interpreter {
            if let Some(target) = &elf.interpreter_link {
                ev.notes.push(format!(
                    "ELF interpreter {interp} is a symbolic link to {target}, which does not exist"
                ));
            } else if elf.interpreter_exists == Some(false) {
                ev.notes.push(format!("ELF interpreter {interp} is absent"));
            }
        }
        if !elf.runnable_machine {
            ev.notes.push(format!(
                "the file is built for {}, this machine runs {}",
                elf.machine,
                std::env::consts::ARCH
            ));
        }
        ev.elf = Some(elf);
    } else if head.starts_with(b"#!") {
        let sb = shebang(root, &head);
        if sb.trailing_cr {
            ev.notes.push(format!(
                "the #! line ends in \\r (CRLF line endings): the kernel looks for \"{}\"",
                text::escape(sb.interpreter.as_bytes())
            ));
        } else if let Some(target) = &sb.interpreter_link {
            ev.notes.push(format!(
                "#! interpreter {} is a symbolic link to {target}, which does not exist",
                sb.interpreter
            ));
        } else if !sb.interpreter_exists {
            ev.notes
                .push(format!("#! interpreter {} is absent", sb.interpreter));
        }
        ev.shebang = Some(sb);
    }
}

/// The three bytes some editors put before UTF-8 text ("UTF-8 with BOM"); the kernel's `#!`
/// check sees them instead of the `#!`.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// What a file's head says it is: `empty`, `elf`, `script` (`#!`), `utf8-bom` and `utf16` (text
/// behind a byte-order mark, which hides a `#!` from the kernel), `text` (UTF-8 without control
/// bytes other than white space) or `binary`.
fn magic(head: &[u8]) -> &'static str {
    if head.is_empty() {
        "empty"
    } else if head.starts_with(b"\x7fELF") {
        "elf"
    } else if head.starts_with(b"#!") {
        "script"
    } else if head.starts_with(UTF8_BOM) {
        "utf8-bom"
    } else if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        "utf16"
    } else if is_text(head) {
        "text"
    } else {
        "binary"
    }
}

/// UTF-8 (a character cut by the end of the head included) without control bytes other than
/// tab, line ends and form feed.
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    valid
        && !head
            .iter()
            .any(|&b| (b < 0x20 && !b"\t\n\r\x0c".contains(&b)) || b == 0x7f)
}

fn elf_facts(root: &Root, file: &File, head: &[u8]) -> ElfFacts {
    let mut facts = ElfFacts {
        truncated: true,
        ..ElfFacts::default()
    };
    let Ok(header) = goblin::elf::Elf::parse_header(head) else {
        return facts;
    };
    let is64 = header.e_ident[goblin::elf::header::EI_CLASS] == goblin::elf::header::ELFCLASS64;
    facts.class = if is64 { "ELF64" } else { "ELF32" }.into();
    facts.machine = machine_name(header.e_machine);
    facts.runnable_machine = match std::env::consts::ARCH {
        "x86_64" => facts.machine == "x86_64" || facts.machine == "i386",
        arch => facts.machine == arch,
    };
    let (Ok(container), Ok(endian)) = (header.container(), header.endianness()) else {
        return facts;
    };
    let ctx = goblin::container::Ctx::new(container, endian);
    let size = header.e_phnum as usize * header.e_phentsize as usize;
    let mut table = vec![0u8; size];
    if size == 0 || file.read_exact_at(&mut table, header.e_phoff).is_err() {
        return facts;
    }
    let Ok(phdrs) = ProgramHeader::parse(&table, 0, header.e_phnum as usize, ctx) else {
        return facts;
    };
    facts.truncated = false;
    if let Some(ph) = phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        let mut interp = vec![0u8; (ph.p_filesz as usize).min(4096)];
        if file.read_exact_at(&mut interp, ph.p_offset).is_err() {
            facts.truncated = true;
            return facts;
        }
        let end = memchr::memchr(0, &interp).unwrap_or(interp.len());
        interp.truncate(end);
        let (exists, link) = root.interpreter(&interp);
        facts.interpreter_exists = Some(exists);
        facts.interpreter_link = link;
        facts.interpreter = Some(text::lossless(&interp));
    }
    facts
}

/// The machine in `uname -m` spelling.
fn machine_name(machine: u16) -> String {
    use goblin::elf::header::*;
    match machine {
        EM_X86_64 => "x86_64",
        EM_386 => "i386",
        EM_AARCH64 => "aarch64",
        EM_ARM => "arm",
        EM_RISCV => "riscv64",
        EM_PPC64 => "ppc64le",
        EM_PPC => "ppc",
        EM_S390 => "s390x",
        EM_MIPS => "mips",
        EM_LOONGARCH => "loongarch64",
        other => return machine_to_str(other).to_lowercase(),
    }
    .into()
}

/// The `#!` line as the kernel reads it: the interpreter runs to the first space or tab, and a
/// `\r` before the newline is part of it.
fn shebang(root: &Root, head: &[u8]) -> Shebang {
    let line = &head[2..];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let trailing_cr = line.last() == Some(&b'\r');
    let body = line.trim_ascii_start();
    let interp = &body[..body
        .iter()
        .position(|&b| b == b' ' || b == b'\t')
        .unwrap_or(body.len())];
    let (interpreter_exists, interpreter_link) = match interp {
        [] => (false, None),
        _ => root.interpreter(interp),
    };
    Shebang {
        line: text::escape(line),
        interpreter: String::from_utf8_lossy(interp).into_owned(),
        interpreter_exists,
        interpreter_link,
        trailing_cr,
    }
}

/// For a call refused with EACCES: finds the first directory on the way to `path` that the
/// task may not search, and says so.
fn note_unsearchable(
    mounts: &mut Mounts,
    task: &TaskFacts,
    path: &[u8],
    errno: i32,
    ev: &mut Evidence,
) {
    let ids = task.ids.as_ref().filter(|ids| !ids.searches_anything);
    let Some(ids) = ids.filter(|_| errno == libc::EACCES) else {
        return;
    };
    let uid = ids.uid;
    let Some(dir) = unsearchable(&task.root, path, uid, ids.gid, &ids.groups) else {
        return;
    };
    let owner = mounts.owner(task, dir.uid, dir.gid);
    ev.notes.push(format!(
        "{} is owned by {owner} with mode {:04o}: uid {uid} may not search it, so nothing inside can be reached",
        dir.path, dir.mode
    ));
    ev.unsearchable = Some(dir);
}

/// The first directory above `path` (from the root down) that a process with these ids, and
/// no capability that overrides file permissions, may not search. ACLs are not read.
fn unsearchable(
    root: &Root,
    path: &[u8],
    uid: u32,
    gid: u32,
    groups: &[u32],
) -> Option<ParentFacts> {
    let ends = path
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'/' && i > 0)
        .map(|(i, _)| i);
    std::iter::once(1).chain(ends).find_map(|end| {
        let dir = &path[..end];
        let meta = root.stat(dir, true)?;
        let bit = if meta.uid() == uid {
            0o100
        } else if meta.gid() == gid || groups.contains(&meta.gid()) {
            0o010
        } else {
            0o001
        };
        (meta.is_dir() && meta.mode() & bit == 0).then(|| ParentFacts {
            path: text::lossless(dir),
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
        })
    })
}

/// The nearest existing ancestor of a missing path.
fn nearest_parent(root: &Root, path: &[u8]) -> Option<ParentFacts> {
    let mut p = path;
    while let Some(slash) = p.iter().rposition(|&b| b == b'/') {
        p = if slash == 0 { b"/" } else { &p[..slash] };
        if let Some(meta) = root.stat(p, true) {
            return Some(ParentFacts {
                path: text::lossless(p),
                mode: meta.mode() & 0o7777,
                uid: meta.uid(),
                gid: meta.gid(),
            });
        }
        if p == b"/" {
            break;
        }
    }
    None
}

/// The tracees' mount tables, parsed once per view: a table depends on the mount namespace and
/// on the root it is read from (mount points are relative to the reader's root, a chroot
/// included). Reading `/proc/PID/mountinfo` takes a dozen small reads, two `stat`s name the view.
/// The account names of the view's root are kept the same way.
#[derive(Default)]
pub struct Mounts {
    tables: HashMap<MountView, Vec<Mount>>,
    buf: Vec<u8>,
    /// The account names of each view's root, read at its first owner described.
    accounts: HashMap<MountView, Accounts>,
    /// The names in directories where a program was not found, by their `version_stem`, read
    /// once per view: a shell looks for each command in the same few `PATH` directories.
    listings: HashMap<(MountView, Vec<u8>), Namesakes>,
}

/// A task's side of the evidence, read once and kept by the tracer with the task: only its
/// exec or a call that changes a view (`set*id`, `setgroups`, `capset`, `chroot`,
/// `pivot_root`, `setns`, `unshare`) changes it (`/proc/PID/status` alone costs ~13 µs).
#[derive(Debug)]
pub struct TaskFacts {
    /// Its root, which also names the task.
    root: Root,
    view: Option<MountView>,
    ids: Option<Credentials>,
}

/// What a task's file permissions are checked against.
#[derive(Debug)]
struct Credentials {
    /// Effective uid and gid, and the supplementary groups.
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    /// CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH is effective: no directory stops its lookups
    /// (a container's root, unless `--cap-drop` took them).
    searches_anything: bool,
}

impl TaskFacts {
    pub fn of(pid: Pid) -> TaskFacts {
        TaskFacts {
            root: Root::of(pid),
            view: mount_view(pid),
            ids: credentials(pid),
        }
    }
}

/// (mount namespace inode, root device, root inode).
type MountView = (u64, u64, u64);

/// A directory's names by their `version_stem`.
type Namesakes = HashMap<Vec<u8>, Vec<Vec<u8>>>;

/// A mount point as the kernel spells it (bytes, unescaped) and its facts.
type Mount = (Vec<u8>, MountFacts);

impl Mounts {
    /// Forgets every table: a traced `mount` or `chroot` may have changed one.
    pub fn forget(&mut self) {
        self.tables.clear();
        self.accounts.clear();
        self.listings.clear();
    }

    /// The names in `dir` (absolute, in the task's view) by their `version_stem`, at most
    /// `LISTING_MAX` of them.
    fn names_by_stem(&mut self, task: &TaskFacts, dir: &[u8]) -> &Namesakes {
        let read = || {
            let mut by_stem = Namesakes::new();
            let Ok(fd) = task.root.open(dir, libc::O_RDONLY | libc::O_DIRECTORY) else {
                return by_stem;
            };
            // The descriptor is the directory as the task sees it; reading it by its
            // /proc/self/fd name needs no other API.
            let Ok(entries) = std::fs::read_dir(format!("/proc/self/fd/{}", fd.as_raw_fd())) else {
                return by_stem;
            };
            for entry in entries.filter_map(Result::ok).take(LISTING_MAX) {
                let name = entry.file_name().into_encoded_bytes();
                let stem = version_stem(&name).to_vec();
                by_stem.entry(stem).or_default().push(name);
            }
            by_stem
        };
        let key = (task.view.unwrap_or_default(), dir.to_vec());
        // Without a view to tell it by, a listing is read afresh.
        if task.view.is_none() {
            self.listings.remove(&key);
        }
        self.listings.entry(key).or_insert_with(read)
    }

    /// `uid:gid` as the task's own account files name them (`redis:redis (100:102)`).
    fn owner(&mut self, task: &TaskFacts, uid: u32, gid: u32) -> String {
        let read = || {
            let open = |path: &[u8]| task.root.open(path, libc::O_RDONLY).ok().map(File::from);
            Accounts::read(open(b"/etc/passwd"), open(b"/etc/group"))
        };
        match task.view {
            Some(view) => self
                .accounts
                .entry(view)
                .or_insert_with(read)
                .owner(uid, gid),
            None => read().owner(uid, gid),
        }
    }

    /// The mount holding `path` (absolute, in the view of `pid`, which is `view`).
    fn of(&mut self, pid: Pid, view: Option<MountView>, path: &[u8]) -> Option<MountFacts> {
        let table = match view.and_then(|v| self.tables.get(&v)) {
            Some(table) => table,
            None => {
                self.buf.clear();
                File::open(format!("/proc/{pid}/mountinfo"))
                    .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut self.buf))
                    .ok()?;
                let table = parse_mountinfo(&self.buf);
                match view {
                    Some(v) => self.tables.entry(v).or_insert(table),
                    None => return mount_holding(&table, path).cloned(),
                }
            }
        };
        mount_holding(table, path).cloned()
    }
}

fn mount_view(pid: Pid) -> Option<MountView> {
    let ns = std::fs::metadata(format!("/proc/{pid}/ns/mnt")).ok()?;
    let root = std::fs::metadata(format!("/proc/{pid}/root")).ok()?;
    Some((ns.ino(), root.dev(), root.ino()))
}

/// The longest mount point holding `path`; the last one mounted when several share it.
fn mount_holding<'a>(table: &'a [Mount], path: &[u8]) -> Option<&'a MountFacts> {
    let mut best: Option<&Mount> = None;
    for mount in table {
        let point = mount.0.as_slice();
        let inside = path == point
            || point == b"/"
            || (path.starts_with(point) && path.get(point.len()) == Some(&b'/'));
        if inside && best.is_none_or(|b| b.0.len() <= point.len()) {
            best = Some(mount);
        }
    }
    best.map(|(_, facts)| facts)
}

/// The mounts of a mountinfo file, in its order.
fn parse_mountinfo(info: &[u8]) -> Vec<Mount> {
    let mut table = Vec::new();
    for line in info.split(|&b| b == b'\n') {
        let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        let Some(dash) = fields.iter().position(|f| *f == b"-") else {
            continue;
        };
        if fields.len() < dash + 3 || dash < 6 {
            continue;
        }
        let opts: Vec<&[u8]> = fields[5].split(|&b| b == b',').collect();
        let super_opts: Vec<&[u8]> = fields[dash + 3..]
            .first()
            .map(|f| f.split(|&b| b == b',').collect())
            .unwrap_or_default();
        let point = unescape_mount(fields[4]);
        let facts = MountFacts {
            mount_point: text::lossless(&point),
            fs_type: String::from_utf8_lossy(fields[dash + 1]).into_owned(),
            read_only: opts.contains(&&b"ro"[..]) || super_opts.contains(&&b"ro"[..]),
            noexec: opts.contains(&&b"noexec"[..]),
            nosuid: opts.contains(&&b"nosuid"[..]),
        };
        table.push((point, facts));
    }
    table
}

/// mountinfo writes space, tab, newline and backslash as `\040`-style octal.
fn unescape_mount(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' && i + 4 <= field.len() {
            if let Ok(v) = u8::from_str_radix(&String::from_utf8_lossy(&field[i + 1..i + 4]), 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

/// The program a task has just exec'd, when it is set-user-ID, set-group-ID or carries file
/// capabilities: what [`privilege_not_gained`] checks the process against.
pub struct PrivilegedExe {
    path: String,
    meta: std::fs::Metadata,
    setuid: bool,
    setgid: bool,
    file_caps: Option<u64>,
}

/// Whether the program `pid` has just exec'd asks for privileges. Checked at every exec, and
/// nearly always `None`, so it needs only the executable (a `stat` and a `getxattr`): the
/// task's facts are read only for a privileged program.
pub fn privileged_exe(pid: Pid) -> Option<PrivilegedExe> {
    let path = format!("/proc/{pid}/exe");
    let meta = std::fs::metadata(&path).ok()?;
    let mode = meta.mode();
    let setuid = mode & libc::S_ISUID != 0;
    // Set-group-ID without group execute is mandatory locking, not a privilege.
    let setgid = mode & libc::S_ISGID != 0 && mode & libc::S_IXGRP != 0;
    let file_caps = file_permitted_caps(&path).filter(|c| *c != 0);
    (setuid || setgid || file_caps.is_some()).then_some(PrivilegedExe {
        path,
        meta,
        setuid,
        setgid,
        file_caps,
    })
}

/// After a successful exec: when the program is set-user-ID, set-group-ID or carries file
/// capabilities and the process did not gain them, a note saying so. The kernel does not grant
/// them to a traced process (nor under `no_new_privs`, which the prefilter needs), so a refusal
/// that follows may be an artefact of the diagnosis rather than the program's real failure.
/// Nothing is said when the mount is `nosuid`: untraced, the program would not gain them either.
pub fn privilege_not_gained(
    mounts: &mut Mounts,
    task: &TaskFacts,
    exe: PrivilegedExe,
) -> Option<Event> {
    use std::os::unix::ffi::OsStrExt;
    let pid = task.root.pid;
    let PrivilegedExe {
        path: exe,
        meta,
        setuid,
        setgid,
        file_caps,
    } = exe;
    let mode = meta.mode();
    let (euid, egid) = task.ids.as_ref().map(|ids| (ids.uid, ids.gid))?;
    let mut lost = Vec::new();
    if setuid && euid != meta.uid() {
        lost.push(format!(
            "set-user-ID to uid {}, but the process kept uid {euid}",
            meta.uid()
        ));
    }
    if setgid && egid != meta.gid() {
        lost.push(format!(
            "set-group-ID to gid {}, but the process kept gid {egid}",
            meta.gid()
        ));
    }
    if let Some(caps) = file_caps {
        let permitted = permitted_caps(pid)?;
        if caps & !permitted != 0 {
            lost.push(format!(
                "given file capabilities {caps:#x}, but the process has {permitted:#x}"
            ));
        }
    }
    if lost.is_empty() {
        return None;
    }
    let path = std::fs::read_link(&exe).ok()?;
    let path = path.as_os_str().as_bytes();
    if mounts.of(pid, task.view, path).is_some_and(|m| m.nosuid) {
        return None;
    }
    let shown = text::lossless(path);
    let note = format!(
        "{shown} is {}: a traced program does not gain set-user-ID, \
         set-group-ID or file-capability privileges, so a refusal that follows may be an \
         artefact of docker-diagnose",
        lost.join(" and ")
    );
    Some(Event {
        pid: pid.as_raw(),
        kind: EventKind::Note,
        syscall: Some("execve".into()),
        call: format!("execve(\"{shown}\") = 0 (privileges not gained under ptrace)"),
        path: Some(shown.clone()),
        evidence: Some(Box::new(Evidence {
            path: shown,
            exists: true,
            file_type: Some("file".into()),
            mode: Some(mode & 0o7777),
            uid: Some(meta.uid()),
            gid: Some(meta.gid()),
            process_uid: Some(euid),
            process_gid: Some(egid),
            notes: vec![note],
            ..Evidence::default()
        })),
        ..Event::default()
    })
}

/// A process's permitted capabilities, from `/proc/PID/status`.
fn permitted_caps(pid: Pid) -> Option<u64> {
    let status = read_proc(&format!("/proc/{pid}/status"))?;
    let hex = status.lines().find_map(|l| l.strip_prefix("CapPrm:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

/// The permitted set of a file's `security.capability` attribute (`vfs_cap_data`: magic and
/// flags, then permitted and inheritable words, low 32 bits first), if it has one.
fn file_permitted_caps(path: &str) -> Option<u64> {
    let c = CString::new(path).ok()?;
    let name = c"security.capability";
    let mut buf = [0u8; 24];
    // SAFETY: valid C strings and a buffer of the length given; the result is checked.
    let n = unsafe {
        libc::getxattr(
            c.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 12 {
        return None;
    }
    let word = |i: usize| u32::from_le_bytes(buf[i..i + 4].try_into().unwrap_or_default()) as u64;
    let high = if n >= 20 { word(12) } else { 0 };
    Some(word(4) | high << 32)
}

/// A small `/proc` file, read into one buffer: procfs reports a size of 0, from which
/// `fs::read_to_string` grows its buffer from 32 bytes in a handful of reads (`status` is about
/// 1.5 KiB), each a system call while the tracee waits. Plain `read`s, not `read_to_string`:
/// std's asks the file's size and position first (a `statx` and an `lseek` per file, useless
/// on procfs), so this is `openat`, two `read`s and `close`.
pub fn read_proc(path: &str) -> Option<String> {
    let mut file = File::open(path).ok()?;
    let mut bytes = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            bytes.resize(len * 2, 0);
        }
        match std::io::Read::read(&mut file, &mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    bytes.truncate(len);
    String::from_utf8(bytes).ok()
}

/// The effective uid and gid and the groups of a process, from `/proc/PID/status`.
fn credentials(pid: Pid) -> Option<Credentials> {
    let status = read_proc(&format!("/proc/{pid}/status"))?;
    let line = |name: &str| status.lines().find_map(|l| l.strip_prefix(name));
    let field = |name: &str| -> Vec<u32> {
        line(name)
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (uid, gid) = (field("Uid:"), field("Gid:"));
    let caps = line("CapEff:").and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok());
    let dac = caps::Capability::CAP_DAC_OVERRIDE.bitmask()
        | caps::Capability::CAP_DAC_READ_SEARCH.bitmask();
    Some(Credentials {
        uid: *uid.get(1)?,
        gid: *gid.get(1)?,
        groups: field("Groups:"),
        // Unreadable capabilities: root is taken to hold them, as it does in a container.
        searches_anything: caps.map_or(uid[1] == 0, |c| c & dac != 0),
    })
}

/// The tracee's root directory, so that paths (and absolute symlinks in them) resolve as the
/// tracee sees them, a chroot or another mount namespace included.
#[derive(Debug)]
struct Root {
    fd: OwnedFd,
    /// The task whose root it is: `/proc/self` means it, not the tracer.
    pid: Pid,
}

impl Root {
    fn of(pid: Pid) -> Root {
        let open = |p: &str| {
            let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
            nix::fcntl::open(p, flags, Mode::empty()).ok()
        };
        let fd = open(&format!("/proc/{pid}/root"))
            .or_else(|| open("/"))
            .expect("/ can always be opened with O_PATH");
        Root { fd, pid }
    }

    /// `/proc/self` and `/proc/thread-self` name whoever looks: for the tracer to see what the
    /// task saw (its descriptors, its cwd), they become the task's own `/proc/TID` and
    /// `/proc/TID/task/TID`. (For a thread other than the leader, `/proc/TID` is the thread's
    /// view of its process: the same descriptors, and its own cwd.) Only the spelled-out
    /// prefix is mapped: a link on the way that leads there (`/dev/fd`) still reaches the
    /// tracer's entry, and the magic links inside (`cwd`, `root`, `fd/N`) are not followed
    /// by an in-root lookup at all.
    fn as_the_task<'a>(&self, path: &'a [u8]) -> Cow<'a, [u8]> {
        let tid = self.pid;
        for (name, entry) in [
            (&b"/proc/self"[..], format!("/proc/{tid}")),
            (b"/proc/thread-self", format!("/proc/{tid}/task/{tid}")),
        ] {
            if let Some(rest) = path.strip_prefix(name) {
                if rest.is_empty() || rest[0] == b'/' {
                    return Cow::Owned([entry.as_bytes(), rest].concat());
                }
            }
        }
        Cow::Borrowed(path)
    }

    /// Opens `path` below the root; `..` and absolute symlinks stay inside it.
    fn open(&self, path: &[u8], flags: i32) -> std::io::Result<OwnedFd> {
        let path = self.as_the_task(path);
        let path = &path[..];
        let rel: &[u8] = match path.iter().position(|&b| b != b'/') {
            Some(i) => &path[i..],
            None => b".",
        };
        let flags = OFlag::from_bits_retain(flags) | OFlag::O_CLOEXEC;
        let how = OpenHow::new()
            .flags(flags)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT);
        match openat2(&self.fd, rel, how) {
            // Before Linux 5.6: resolve from the root without the in-root guarantee.
            Err(Errno::ENOSYS) => openat(&self.fd, rel, flags, Mode::empty()),
            result => result,
        }
        .map_err(std::io::Error::from)
    }

    /// Whether the interpreter a program names (its loader, its `#!` program) is there, and,
    /// when it is not, where it points if it is a symbolic link to nothing.
    fn interpreter(&self, path: &[u8]) -> (bool, Option<String>) {
        match self.stat(path, true) {
            Some(_) => (true, None),
            None => (false, self.dangling_link(path)),
        }
    }

    /// Where `path` points when it is a symbolic link whose target does not resolve (the
    /// caller found that `path` does not exist when followed).
    fn dangling_link(&self, path: &[u8]) -> Option<String> {
        let fd = self.open(path, libc::O_PATH | libc::O_NOFOLLOW).ok()?;
        let target = nix::fcntl::readlinkat(&fd, "").ok()?;
        Some(text::lossless(target.as_encoded_bytes()))
    }

    fn stat(&self, path: &[u8], follow: bool) -> Option<std::fs::Metadata> {
        let flags = libc::O_PATH | if follow { 0 } else { libc::O_NOFOLLOW };
        let fd = self.open(path, flags).ok()?;
        File::from(fd).metadata().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shebang_like_the_kernel() {
        let root = Root::of(Pid::this());
        let sb = shebang(&root, b"#!/bin/sh\r\necho\r\n");
        assert!(sb.trailing_cr);
        assert_eq!(sb.interpreter, "/bin/sh\r");
        assert!(!sb.interpreter_exists);
        assert_eq!(sb.line, r"/bin/sh\r");
        let sb = shebang(&root, b"#! /bin/sh -e\n");
        assert_eq!(
            (sb.interpreter.as_str(), sb.interpreter_exists),
            ("/bin/sh", true)
        );
    }

    #[test]
    fn names_a_files_head() {
        let cases: [(&[u8], &str); 9] = [
            (b"", "empty"),
            (b"\x7fELF\x02\x01", "elf"),
            (b"#!/bin/sh\n", "script"),
            (b"\xef\xbb\xbf#!/bin/sh\n", "utf8-bom"),
            (b"\xff\xfe#\0!\0", "utf16"),
            (b"echo caf\xc3\xa9\r\n", "text"),
            // The head may end inside a character; its start may not.
            (b"echo caf\xc3", "text"),
            (b"\xa9 echo", "binary"),
            (b"PK\x03\x04\x14\0", "binary"),
        ];
        for (head, want) in cases {
            assert_eq!(magic(head), want, "{}", text::escape(head));
        }
    }

    #[test]
    fn finds_nearest_parent_and_mount() {
        let root = Root::of(Pid::this());
        let p = nearest_parent(&root, b"/tmp/no-such-dir-xyz/a/b").unwrap();
        assert_eq!(p.path, "/tmp");
        let mut mounts = Mounts::default();
        let task = TaskFacts::of(Pid::this());
        for _ in 0..2 {
            let m = mounts.of(task.root.pid, task.view, b"/proc/self");
            assert!(m.is_some_and(|m| m.fs_type == "proc"));
        }
        assert_eq!(mounts.tables.len(), 1);
        assert_eq!(unescape_mount(br"/a\040b"), b"/a b");
    }

    #[test]
    fn finds_the_first_directory_a_user_may_not_search() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("top");
        std::fs::create_dir_all(top.join("inner")).unwrap();
        // Root owns nothing here for the check (it searches anything): the directory goes to a
        // made-up user then.
        let (mut owner, mut group) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        if owner == 0 {
            (owner, group) = (5000, 5001);
            nix::unistd::chown(&top, Some(owner.into()), Some(group.into())).unwrap();
        }
        let set = |mode| std::fs::set_permissions(&top, std::fs::Permissions::from_mode(mode));
        let root = Root::of(Pid::this());
        let path = format!("{}/inner/file", top.display());
        let closed = |uid, gid, groups: &[u32]| {
            unsearchable(&root, path.as_bytes(), uid, gid, groups).map(|d| d.path)
        };
        let (other, top_path) = (owner.wrapping_add(4242), top.display().to_string());
        set(0o700).unwrap();
        assert_eq!(closed(other, other, &[]), Some(top_path.clone()), "others");
        assert_eq!(closed(owner, other, &[]), None, "its owner");
        set(0o710).unwrap();
        assert_eq!(closed(other, group, &[]), None, "its group");
        assert_eq!(
            closed(other, other, &[group]),
            None,
            "a supplementary group"
        );
        assert_eq!(
            closed(other, other, &[]),
            Some(top_path.clone()),
            "others still"
        );
        // Root without the capabilities (`--cap-drop ALL`) is one of the others.
        assert_eq!(
            closed(0, 0, &[]),
            Some(top_path),
            "root without capabilities"
        );
        set(0o755).unwrap();
    }

    #[test]
    fn reads_a_whole_file_beyond_the_first_buffer() {
        let text: String = (0..2000).map(|i| format!("{i}\n")).collect();
        assert!(text.len() > 4096);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &text).unwrap();
        assert_eq!(read_proc(file.path().to_str().unwrap()), Some(text));
        let status = read_proc("/proc/self/status").unwrap();
        assert!(
            status.contains("\nUid:") && status.ends_with('\n'),
            "{status}"
        );
    }

    #[test]
    fn reads_own_ids() {
        let ids = credentials(Pid::this()).unwrap();
        assert_eq!(ids.uid, nix::unistd::geteuid().as_raw());
        let dac = [
            caps::Capability::CAP_DAC_OVERRIDE,
            caps::Capability::CAP_DAC_READ_SEARCH,
        ];
        let held = dac
            .iter()
            .any(|c| caps::has_cap(None, caps::CapSet::Effective, *c).unwrap());
        assert_eq!(ids.searches_anything, held);
    }
}
