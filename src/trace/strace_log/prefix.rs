//! The decorations strace and ticket systems put before a call: indentation and `>` quote
//! marks, the pid (`[pid  42] ` or a `42  ` column, with `--decode-pids=comm` a `42<nginx> `), a
//! timestamp (`-t`, `-tt`, `-ttt`, `-r`), the syscall number (`-n`) and an instruction pointer
//! (`-i`).

use super::syntax::{find_in_short, skip_spaces};

/// A timestamp as printed, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// `-t`/`-tt`: time of day.
    Clock(u64),
    /// `-ttt`: seconds since the epoch.
    Epoch(u64),
    /// `-r`: time since the previous line.
    Relative(u64),
}

/// What came before the body of a line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decorations {
    pub pid: Option<i32>,
    pub stamp: Option<Stamp>,
}

/// Strips the quoting a ticket or mail adds (indentation, `>` marks).
pub fn unquote(line: &str) -> &str {
    let n = line
        .bytes()
        .take_while(|&c| matches!(c, b' ' | b'\t' | b'>'))
        .count();
    &line[n..]
}

/// Splits a line into its decorations and its body.
pub fn strip(line: &str) -> (Decorations, &str) {
    let mut rest = unquote(line);
    let mut deco = Decorations::default();
    if let Some(after) = rest.strip_prefix("[pid") {
        let after = skip_spaces(after);
        let digits = leading_digits(after);
        if let (Ok(pid), Some(tail)) = (
            after[..digits].parse::<i32>(),
            without_comm(&after[digits..]).strip_prefix(']'),
        ) {
            deco.pid = Some(pid);
            rest = skip_spaces(tail);
        }
    } else {
        let digits = leading_digits(rest);
        let after = without_comm(&rest[digits..]);
        if digits > 0 && after.starts_with(' ') {
            if let Ok(pid) = rest[..digits].parse::<i32>() {
                deco.pid = Some(pid);
                rest = skip_spaces(after);
            }
        }
    }
    if let Some((stamp, tail)) = timestamp(rest) {
        deco.stamp = Some(stamp);
        rest = tail;
    }
    (deco, skip_instruction_pointer(skip_syscall_number(rest)))
}

/// `--decode-pids=comm`: the `<nginx>` after a pid.
fn without_comm(s: &str) -> &str {
    match s.strip_prefix('<').and_then(|c| c.split_once('>')) {
        Some((comm, rest)) if !comm.is_empty() && comm.len() <= 64 && !comm.contains(' ') => rest,
        _ => s,
    }
}

/// `-n`: `[ 257] `.
fn skip_syscall_number(s: &str) -> &str {
    if let Some((number, rest)) = s.strip_prefix('[').and_then(|a| a.split_once("] ")) {
        let number = number.trim_start();
        if !number.is_empty() && number.len() <= 4 && number.bytes().all(|c| c.is_ascii_digit()) {
            return rest;
        }
    }
    s
}

fn leading_digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `20:58:45.081881 `, `1795813125.160656 `, `0.000039 ` (the field must be followed by a space).
///
/// Read byte by byte, without `str` searches: every line of a `-t` log has one, and a field is
/// shorter than what a search costs to set up.
fn timestamp(s: &str) -> Option<(Stamp, &str)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    let end = find_in_short(b, b' ')?;
    let field = &b[..end];
    // Digits, with `:` between clock fields and one `.` before the fraction.
    let mut dot = None;
    for (i, &c) in field.iter().enumerate() {
        match c {
            b'0'..=b'9' => {}
            b':' | b'.' if dot.is_some() => return None,
            b':' => {}
            b'.' => dot = Some(i),
            _ => return None,
        }
    }
    let (whole, frac) = match dot {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &[][..]),
    };
    let micros = fraction_micros(frac);
    let stamp = if whole.contains(&b':') {
        let mut secs = 0u64;
        for part in whole.split(|&c| c == b':') {
            secs = secs.checked_mul(60)?.checked_add(number(part)?)?;
        }
        Stamp::Clock(secs.checked_mul(1_000_000)?.checked_add(micros)?)
    } else {
        if frac.is_empty() {
            return None; // a bare number is a pid column or program output, not a time
        }
        let secs = number(whole)?;
        let us = secs.checked_mul(1_000_000)?.checked_add(micros)?;
        // -r deltas are small; -ttt times are seconds since 1970.
        if secs >= 100_000_000 {
            Stamp::Epoch(us)
        } else {
            Stamp::Relative(us)
        }
    };
    Some((stamp, skip_spaces(&s[end..])))
}

/// ASCII digits as a number; `None` when there are none or it overflows.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

/// `081881` → 81881; `5` → 500000; nanosecond precision is cut to microseconds (digits only).
fn fraction_micros(frac: &[u8]) -> u64 {
    let mut us = 0u64;
    for i in 0..6 {
        let digit = frac.get(i).map_or(0, |c| u64::from(c - b'0'));
        us = us * 10 + digit;
    }
    us
}

/// `-i`: `[00007f1e2a3b4c5d] `; a process's end has no address: `[????????????????] `.
fn skip_instruction_pointer(s: &str) -> &str {
    if let Some(after) = s.strip_prefix('[') {
        if let Some(close) = after.find("] ") {
            let ip = &after[..close];
            if close >= 8
                && (ip.bytes().all(|c| c.is_ascii_hexdigit()) || ip.bytes().all(|c| c == b'?'))
            {
                return &after[close + 2..];
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_forms() {
        let (d, body) = strip("[pid  9484] execve(\"/bin/ls\")");
        assert_eq!((d.pid, body), (Some(9484), "execve(\"/bin/ls\")"));
        let (d, body) = strip("9472  brk(NULL) = 0x1");
        assert_eq!((d.pid, body), (Some(9472), "brk(NULL) = 0x1"));
        let (d, body) = strip("    > brk(NULL) = 0x1");
        assert_eq!((d.pid, body), (None, "brk(NULL) = 0x1"));
    }

    #[test]
    fn time_forms() {
        let (d, body) = strip("9885  20:58:45.081881 getpid() = 9885");
        assert_eq!(d.pid, Some(9885));
        assert_eq!(
            d.stamp,
            Some(Stamp::Clock((20 * 3600 + 58 * 60 + 45) * 1_000_000 + 81881))
        );
        assert_eq!(body, "getpid() = 9885");
        let (d, _) = strip("1795813125.160656 execve(\"/usr/bin/sh\")");
        assert_eq!(d.stamp, Some(Stamp::Epoch(1_795_813_125_160_656)));
        let (d, body) = strip("     0.000039 dup2(11, 1) = 1");
        assert_eq!((d.pid, d.stamp), (None, Some(Stamp::Relative(39))));
        assert_eq!(body, "dup2(11, 1) = 1");
        let (d, _) = strip("[pid 7] 1795813125.160656789 getpid() = 7");
        assert_eq!(d.stamp, Some(Stamp::Epoch(1_795_813_125_160_656)));
    }

    #[test]
    fn instruction_pointer_and_syscall_number() {
        let (_, body) = strip("[00007f1e2a3b4c5d] getpid() = 1");
        assert_eq!(body, "getpid() = 1");
        let (d, body) = strip("13500 [????????????????] +++ exited with 1 +++");
        assert_eq!((d.pid, body), (Some(13500), "+++ exited with 1 +++"));
        let (d, body) = strip("13562 12:34:42.370889 [  59] [00007fbc97cedad7] execve(\"/x\") = 0");
        assert_eq!((d.pid, body), (Some(13562), "execve(\"/x\") = 0"));
        let (_, body) = strip("[ 257] openat(AT_FDCWD, \"/a\", O_RDONLY) = 3");
        assert_eq!(body, "openat(AT_FDCWD, \"/a\", O_RDONLY) = 3");
    }

    #[test]
    fn pid_with_command_name() {
        let (d, body) = strip("13567<sh> brk(NULL) = 0x1");
        assert_eq!((d.pid, body), (Some(13567), "brk(NULL) = 0x1"));
        let (d, body) = strip("[pid 13512<cat>] openat(AT_FDCWD, \"/a\", O_RDONLY) = 3");
        assert_eq!(
            (d.pid, body),
            (Some(13512), "openat(AT_FDCWD, \"/a\", O_RDONLY) = 3")
        );
    }
}
