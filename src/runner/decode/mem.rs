//! Reading a stopped tracee's memory with `process_vm_readv`: C strings, pointer arrays and
//! buffers, always bounded, never failing loudly (an unreadable pointer reads as nothing).

use std::io::IoSliceMut;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::errno::Errno;
use nix::sys::uio::{process_vm_readv, RemoteIoVec};
use nix::unistd::Pid;

const PAGE: u64 = 4096;

/// Reads up to `len` bytes at `addr`; stops early at an unmapped page.
pub fn read_bytes(pid: Pid, addr: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut done = 0usize;
    while done < len {
        // One page at a time: a read across into an unmapped page fails as a whole.
        let at = addr + done as u64;
        let chunk = ((PAGE - at % PAGE) as usize).min(len - done);
        let n = read_into(pid, at, &mut out[done..done + chunk]);
        done += n;
        if n < chunk {
            break;
        }
    }
    out.truncate(done);
    out
}

/// Set once `process_vm_readv` is refused (Docker's default seccomp profile denies it without
/// CAP_SYS_PTRACE): from then on memory is read through `/proc/PID/mem`.
static VM_READV_DENIED: AtomicBool = AtomicBool::new(false);

fn read_into(pid: Pid, addr: u64, buf: &mut [u8]) -> usize {
    if addr == 0 || buf.is_empty() {
        return 0;
    }
    if !VM_READV_DENIED.load(Ordering::Relaxed) {
        let remote = [RemoteIoVec {
            base: addr as usize,
            len: buf.len(),
        }];
        match process_vm_readv(pid, &mut [IoSliceMut::new(buf)], &remote) {
            Ok(n) => return n,
            Err(Errno::EPERM | Errno::ENOSYS) => VM_READV_DENIED.store(true, Ordering::Relaxed),
            Err(_) => return 0,
        }
    }
    // A tracer may read its stopped tracee's memory file. Opened per read: after an exec the
    // pid has a new address space.
    std::fs::File::open(format!("/proc/{pid}/mem"))
        .and_then(|mem| mem.read_at(buf, addr))
        .unwrap_or(0)
}

/// A NUL-terminated string of at most `max` bytes; `None` when the pointer is unreadable.
/// The flag says whether the string was cut at `max`.
pub fn read_cstr(pid: Pid, addr: u64, max: usize) -> Option<(Vec<u8>, bool)> {
    if addr == 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut at = addr;
    loop {
        let chunk = ((PAGE - at % PAGE) as usize).min(256);
        let bytes = read_bytes(pid, at, chunk);
        if bytes.is_empty() {
            return if out.is_empty() {
                None
            } else {
                Some((out, false))
            };
        }
        if let Some(nul) = memchr::memchr(0, &bytes) {
            out.extend_from_slice(&bytes[..nul]);
            return Some(cut(out, max));
        }
        out.extend_from_slice(&bytes);
        if out.len() > max {
            return Some(cut(out, max));
        }
        at += bytes.len() as u64;
    }
}

fn cut(mut s: Vec<u8>, max: usize) -> (Vec<u8>, bool) {
    let long = s.len() > max;
    s.truncate(max);
    (s, long)
}

/// The pointers of a NULL-terminated array (argv, envp), at most `max`; the flag says whether
/// there were more.
pub fn read_ptr_array(pid: Pid, addr: u64, max: usize) -> (Vec<u64>, bool) {
    let mut out = Vec::new();
    if addr == 0 {
        return (out, false);
    }
    let bytes = read_bytes(pid, addr, (max + 1) * 8);
    for word in bytes.chunks_exact(8) {
        let p = u64::from_ne_bytes(word.try_into().expect("8 bytes"));
        if p == 0 {
            return (out, false);
        }
        if out.len() == max {
            return (out, true);
        }
        out.push(p);
    }
    (out, false)
}

/// A native-endian 64-bit word (clone3's flags, open_how's fields).
pub fn read_u64(pid: Pid, addr: u64) -> Option<u64> {
    let b = read_bytes(pid, addr, 8);
    Some(u64::from_ne_bytes(b.as_slice().try_into().ok()?))
}

/// A native-endian 32-bit word (a socket address's length).
pub fn read_u32(pid: Pid, addr: u64) -> Option<u32> {
    let b = read_bytes(pid, addr, 4);
    Some(u32::from_ne_bytes(b.as_slice().try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory() {
        let me = Pid::this();
        let s = b"hello\0world";
        let (got, long) = read_cstr(me, s.as_ptr() as u64, 100).unwrap();
        assert_eq!(got, b"hello");
        assert!(!long);
        let (got, long) = read_cstr(me, s.as_ptr() as u64, 3).unwrap();
        assert_eq!((got.as_slice(), long), (&b"hel"[..], true));
        assert!(read_cstr(me, 0, 10).is_none());
        let a = b"x\0";
        let arr: [u64; 3] = [a.as_ptr() as u64, a.as_ptr() as u64, 0];
        let (ptrs, more) = read_ptr_array(me, arr.as_ptr() as u64, 10);
        assert_eq!((ptrs.len(), more), (2, false));
        let (ptrs, more) = read_ptr_array(me, arr.as_ptr() as u64, 1);
        assert_eq!((ptrs.len(), more), (1, true));
    }
}
