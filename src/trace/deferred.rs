//! Non-blocking connects: `connect` answers `EINPROGRESS` at once and the real outcome comes later,
//! from `getsockopt(fd, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0`. Go, Node, Java and
//! Python with a timeout all connect this way, so a refused dependency often shows no failing
//! `connect` at all. Folding the outcome back into the connect lets one set of rules see a refused
//! connection however the program made it, in a runner trace and in a pasted strace log alike.

use super::Event;

/// Gives every connect that answered `EINPROGRESS` the error its later `SO_ERROR` reported, and
/// says so in its call text. The matching connect is the latest one still in progress on the same
/// fd, by the same task if there is one, else by any (a Go program may ask from another thread).
pub fn fold_deferred_connects(events: &mut [Event]) {
    for i in 0..events.len() {
        let Some(errno) = so_error(&events[i]) else {
            continue;
        };
        let (pid, fd) = (events[i].pid, events[i].fd);
        let in_progress = |e: &Event| {
            e.syscall.as_deref() == Some("connect")
                && e.fd == fd
                && e.errno.as_deref() == Some("EINPROGRESS")
        };
        let earlier = &events[..i];
        let found = earlier
            .iter()
            .rposition(|e| e.pid == pid && in_progress(e))
            .or_else(|| earlier.iter().rposition(in_progress));
        if let Some(j) = found {
            let connect = &mut events[j];
            connect.call = format!("{} /* then SO_ERROR: {errno} */", connect.call);
            connect.errno = Some(crate::trace::names::name(&errno));
        }
    }
}

/// The error a `getsockopt(..., SO_ERROR, [E...], ...)` reported, if it reported one.
fn so_error(event: &Event) -> Option<String> {
    if event.syscall.as_deref() != Some("getsockopt") || event.ret != Some(0) {
        return None;
    }
    let (_, after) = event.call.split_once("SO_ERROR, [")?;
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (name.starts_with('E') && name.len() > 1).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(pid: i32, fd: i32, errno: &'static str) -> Event {
        Event {
            pid,
            fd: Some(fd),
            syscall: Some("connect".into()),
            call: format!("connect({fd}, {{sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr(\"127.0.0.1\")}}, 16) = -1 {errno} (...)"),
            ret: Some(-1),
            errno: Some(errno.into()),
            port: Some(6379),
            ..Event::default()
        }
    }

    fn so_error_event(pid: i32, fd: i32, value: &str) -> Event {
        Event {
            pid,
            fd: Some(fd),
            syscall: Some("getsockopt".into()),
            call: format!("getsockopt({fd}, SOL_SOCKET, SO_ERROR, [{value}], [4]) = 0"),
            ret: Some(0),
            ..Event::default()
        }
    }

    #[test]
    fn a_refused_deferred_connect_becomes_a_refused_connect() {
        let mut events = vec![
            connect(7, 3, "EINPROGRESS"),
            so_error_event(7, 3, "ECONNREFUSED"),
        ];
        fold_deferred_connects(&mut events);
        assert_eq!(events[0].errno.as_deref(), Some("ECONNREFUSED"));
        assert!(events[0]
            .call
            .ends_with("/* then SO_ERROR: ECONNREFUSED */"));
    }

    #[test]
    fn another_thread_may_ask_but_the_same_task_comes_first() {
        let mut events = vec![
            connect(8, 3, "EINPROGRESS"),
            connect(7, 3, "EINPROGRESS"),
            so_error_event(8, 3, "ETIMEDOUT"),
            so_error_event(9, 3, "ECONNREFUSED"),
        ];
        fold_deferred_connects(&mut events);
        assert_eq!(events[0].errno.as_deref(), Some("ETIMEDOUT"));
        assert_eq!(events[1].errno.as_deref(), Some("ECONNREFUSED"));
    }

    #[test]
    fn success_other_fds_and_finished_connects_are_left_alone() {
        let mut events = vec![
            connect(7, 3, "EINPROGRESS"),
            so_error_event(7, 3, "0"),
            so_error_event(7, 4, "ECONNREFUSED"),
            connect(7, 5, "ENETUNREACH"),
            so_error_event(7, 5, "ECONNREFUSED"),
        ];
        let before = events.clone();
        fold_deferred_connects(&mut events);
        assert_eq!(events, before);
    }
}
