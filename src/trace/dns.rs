//! The host name a DNS query asks for, read from the bytes a program sent to its name server,
//! and what the server answered.
//!
//! A resolver's error says that a lookup failed (`Name or service not known`, `Temporary failure
//! in name resolution`) but seldom which name it was, or whether the server said the name does
//! not exist; the messages on the wire always say. Both the runner (from the tracee's memory) and
//! the strace-log reader (from a quoted buffer) use this.

use super::Event;

/// The longest host name, in its dotted form.
const MAX_NAME: usize = 253;

/// The 12-byte header every DNS message starts with, as far as a standard query or its answer
/// needs it.
struct Header {
    /// QR: the message is an answer.
    answer: bool,
    /// Opcode 0: a standard query.
    standard: bool,
    /// The second flags byte (RA, Z, AD, CD and the response code).
    rflags: u8,
    /// Questions, answers, authority and additional records.
    counts: [u16; 4],
}

fn header(bytes: &[u8]) -> Option<Header> {
    let h = bytes.get(..12)?;
    let count = |at: usize| u16::from_be_bytes([h[at], h[at + 1]]);
    Some(Header {
        answer: h[2] & 0x80 != 0,
        standard: (h[2] >> 3) & 0x0f == 0,
        rflags: h[3],
        counts: [count(4), count(6), count(8), count(10)],
    })
}

/// The name a standard DNS query over UDP asks for (`db`, `api.example.com`), or `None` when the
/// bytes are not such a query. The bytes may stop right after the name. When they are `cut`
/// (strace shows 32 bytes of a buffer by default) and stop inside the name, what was read ends
/// in `...` (`orders-db.example.t...`); bytes not said to be cut must hold the whole name.
pub fn query_name(bytes: &[u8], cut: bool) -> Option<String> {
    let h = header(bytes)?;
    // One question, no answers or authority; an EDNS0 OPT record may ride along.
    let [questions, answers, authority, additional] = h.counts;
    let one_question = questions == 1 && answers == 0 && authority == 0 && additional <= 1;
    if h.answer || !h.standard || !one_question {
        return None;
    }
    question_name(bytes, cut)
}

/// The name of the question that follows a message's 12-byte header (see [`query_name`]).
fn question_name(bytes: &[u8], cut: bool) -> Option<String> {
    let mut name = String::new();
    let mut at = 12;
    loop {
        let Some(&len) = bytes.get(at) else {
            return (cut && !name.is_empty()).then(|| format!("{name}..."));
        };
        let len = usize::from(len);
        if len == 0 {
            break;
        }
        // Labels are at most 63 bytes; a query carries no compression pointers.
        if len > 63 {
            return None;
        }
        let whole = bytes.len() >= at + 1 + len;
        if !whole && !cut {
            return None;
        }
        let label = &bytes[(at + 1).min(bytes.len())..(at + 1 + len).min(bytes.len())];
        if !label
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return None;
        }
        if !name.is_empty() {
            name.push('.');
        }
        name.extend(label.iter().map(|&b| char::from(b)));
        if name.len() > MAX_NAME {
            return None;
        }
        if !whole {
            return Some(format!("{name}..."));
        }
        at += 1 + len;
    }
    (!name.is_empty()).then_some(name)
}

/// What a name server answered: the response code (`NOERROR`, `NXDOMAIN`, `SERVFAIL`,
/// `REFUSED`...), how many answer records came with it, and the name it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub rcode: String,
    pub answers: u16,
    pub name: Option<String>,
}

/// The response a standard DNS answer over UDP carries, or `None` when the bytes are not one.
/// Its 12-byte header says it all, and strace's 32 bytes of a buffer always hold it; the name
/// of the question it repeats is read as far as the bytes go (`cut` as for [`query_name`]).
pub fn answer(bytes: &[u8], cut: bool) -> Option<Answer> {
    let h = header(bytes)?;
    // The question it answers comes back with it; the reserved Z bit is clear.
    if !h.answer || !h.standard || h.counts[0] != 1 || h.rflags & 0x40 != 0 {
        return None;
    }
    let rcode = match h.rflags & 0x0f {
        0 => "NOERROR".to_string(),
        1 => "FORMERR".to_string(),
        2 => "SERVFAIL".to_string(),
        3 => "NXDOMAIN".to_string(),
        4 => "NOTIMP".to_string(),
        5 => "REFUSED".to_string(),
        n => format!("RCODE{n}"),
    };
    Some(Answer {
        rcode,
        answers: h.counts[1],
        name: question_name(bytes, cut),
    })
}

/// The name a program set out to resolve, given every name its queries asked for: a resolver
/// also tries the name with each search domain of resolv.conf appended (`db.example.com` for
/// `db`), so the name that the others extend is the one the program used; when the queries are
/// about unrelated names, the last one.
pub fn asked_name<'a>(queries: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let queries: Vec<&str> = queries.into_iter().collect();
    let extends = |longer: &str, name: &str| {
        longer == name
            || longer
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    queries
        .iter()
        .copied()
        .filter(|name| queries.iter().all(|q| extends(q, name)))
        .min_by_key(|name| name.len())
        .or_else(|| queries.last().copied())
}

/// Gives a `poll` that timed out on a socket connected to a name server (`poll([{fd=3,
/// events=POLLIN}], 1, 5000) = 0 (Timeout)`) that server's address and port: the server never
/// answered. The runner names the server as it records the wait; a strace log only shows the
/// descriptor, whose latest `connect` in the same process says where it goes.
pub fn name_unanswered_waits(events: &mut [Event]) {
    for i in 0..events.len() {
        let e = &events[i];
        if e.syscall.as_deref() != Some("poll") || e.ret != Some(0) || e.port.is_some() {
            continue;
        }
        let Some(fd) = first_polled_fd(&e.call) else {
            continue;
        };
        let pid = e.pid;
        let server = events[..i]
            .iter()
            .rev()
            .find(|c| c.pid == pid && c.syscall.as_deref() == Some("connect") && c.fd == Some(fd));
        if let Some(server) = server.filter(|c| c.port == Some(53) && c.errno.is_none()) {
            let (addr, family) = (server.addr.clone(), server.family.clone());
            let wait = &mut events[i];
            (wait.fd, wait.addr, wait.port, wait.family) = (Some(fd), addr, Some(53), family);
        }
    }
}

/// The first descriptor of a `poll` line: `poll([{fd=3, ...` gives 3.
fn first_polled_fd(call: &str) -> Option<i32> {
    let after = call.strip_prefix("poll([{fd=")?;
    let digits = after.find(|c: char| !c.is_ascii_digit())?;
    after[..digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query as glibc sends it: id, flags (recursion desired), one question, then the name.
    fn query(name: &[u8], arcount: u8) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, arcount];
        q.extend_from_slice(name);
        q.extend_from_slice(&[0, 1, 0, 1]);
        q
    }

    #[test]
    fn a_wait_that_timed_out_on_a_name_server_s_socket_names_the_server() {
        let event = |syscall: &str, fd: Option<i32>, port: Option<u16>, call: &str| Event {
            pid: 7,
            syscall: Some(syscall.to_string().into()),
            fd,
            port,
            addr: port.map(|_| "10.0.0.2".to_string()),
            ret: Some(0),
            call: call.to_string(),
            ..Event::default()
        };
        let timeout = "poll([{fd=3, events=POLLIN}], 1, 5000) = 0 (Timeout)";
        let mut events = vec![
            event("connect", Some(3), Some(53), "connect(3, ...) = 0"),
            event("poll", None, None, timeout),
            event("connect", Some(4), Some(5432), "connect(4, ...) = 0"),
            event(
                "poll",
                None,
                None,
                "poll([{fd=4, events=POLLIN}], 1, 5000) = 0 (Timeout)",
            ),
        ];
        name_unanswered_waits(&mut events);
        assert_eq!(
            (events[1].addr.as_deref(), events[1].port, events[1].fd),
            (Some("10.0.0.2"), Some(53), Some(3))
        );
        assert_eq!(events[3].port, None, "port 5432 is not a name server");
    }

    #[test]
    fn reads_the_name_of_a_query() {
        assert_eq!(
            query_name(&query(b"\x02db\x00", 0), false).as_deref(),
            Some("db")
        );
        assert_eq!(
            query_name(&query(b"\x03api\x07example\x03com\x00", 1), false).as_deref(),
            Some("api.example.com")
        );
        // strace's 32 bytes end after the name: still a name.
        let q = query(b"\x08postgres\x04test\x00", 0);
        assert_eq!(query_name(&q[..28], true).as_deref(), Some("postgres.test"));
    }

    #[test]
    fn a_cut_name_says_so() {
        let q = query(b"\x08postgres\x07example\x00", 0);
        assert_eq!(
            query_name(&q[..25], true).as_deref(),
            Some("postgres.exa...")
        );
        assert_eq!(query_name(&q[..21], true).as_deref(), Some("postgres..."));
        // Nothing of the name: nothing to say.
        assert_eq!(query_name(&q[..12], true), None);
    }

    #[test]
    fn refuses_what_is_not_a_query() {
        // Cut inside the name, though not said to be.
        let q = query(b"\x08postgres\x07example\x00", 0);
        assert_eq!(query_name(&q[..25], false), None);
        // An answer (QR set), a compression pointer, odd bytes, the root name, too short.
        let mut answer = query(b"\x02db\x00", 0);
        answer[2] |= 0x80;
        assert_eq!(query_name(&answer, false), None);
        assert_eq!(query_name(&query(b"\xc0\x0c", 0), true), None);
        assert_eq!(query_name(&query(b"\x02d\xff\x00", 0), false), None);
        assert_eq!(query_name(&query(b"\x00", 0), false), None);
        assert_eq!(query_name(b"GET / HTTP/1.1\r\n", true), None);
        assert_eq!(query_name(&[], true), None);
    }

    #[test]
    fn reads_what_an_answer_says() {
        // The server's NXDOMAIN for `db`: QR, RD, RA set, response code 3, no answers.
        let mut nx = query(b"\x02db\x00", 0);
        nx[2..4].copy_from_slice(&[0x81, 0x83]);
        let want = |rcode: &str, answers, name: Option<&str>| {
            Some(Answer {
                rcode: rcode.into(),
                answers,
                name: name.map(String::from),
            })
        };
        assert_eq!(answer(&nx, false), want("NXDOMAIN", 0, Some("db")));
        let mut found = nx.clone();
        found[3] = 0x80;
        found[7] = 2;
        assert_eq!(answer(&found, false), want("NOERROR", 2, Some("db")));
        found[3] = 0x82;
        // The header alone: the name is not there to read.
        assert_eq!(answer(&found[..12], true), want("SERVFAIL", 2, None));
        assert_eq!(
            answer(&found[..14], true),
            want("SERVFAIL", 2, Some("d..."))
        );
        // A query is no answer, nor are eleven bytes or text.
        assert_eq!(answer(&query(b"\x02db\x00", 0), false), None);
        assert_eq!(answer(&nx[..11], true), None);
        assert_eq!(answer(b"HTTP/1.1 200 OK\r\n", true), None);
    }

    #[test]
    fn the_asked_name_is_the_one_search_domains_extend() {
        let names = ["db.corp.example", "db.example", "db", "db"];
        assert_eq!(asked_name(names), Some("db"));
        assert_eq!(asked_name(["db", "db.corp.example"]), Some("db"));
        // `dbx` does not extend `db`.
        assert_eq!(asked_name(["db", "dbx"]), Some("dbx"));
        assert_eq!(asked_name(["cache", "db"]), Some("db"));
        assert_eq!(asked_name([]), None);
    }
}
