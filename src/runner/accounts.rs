//! The names of the users and groups that own what evidence describes, read from the task's own
//! `/etc/passwd` and `/etc/group` (a container's accounts are not the host's): "owned by
//! redis:redis (100:102)" says more than the numbers alone.

use std::collections::HashMap;
use std::io::Read;

/// The most of an account file that is read: a container's are a few KiB.
const FILE_MAX: u64 = 1 << 20;

/// Names by id, as a task's account files give them.
#[derive(Debug, Default)]
pub struct Accounts {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Accounts {
    /// Reads the two files (either may be missing: a `FROM scratch` image has none).
    pub fn read(passwd: Option<impl Read>, group: Option<impl Read>) -> Accounts {
        Accounts {
            users: passwd.map(|f| names(&read_bounded(f))).unwrap_or_default(),
            groups: group.map(|f| names(&read_bounded(f))).unwrap_or_default(),
        }
    }

    /// `uid:gid` with the names put first where known: `redis:redis (100:102)`, `100:102`.
    pub fn owner(&self, uid: u32, gid: u32) -> String {
        let (user, group) = (self.users.get(&uid), self.groups.get(&gid));
        if user.is_none() && group.is_none() {
            return format!("{uid}:{gid}");
        }
        let or_number = |name: Option<&String>, id: u32| name.cloned().unwrap_or(id.to_string());
        format!(
            "{}:{} ({uid}:{gid})",
            or_number(user, uid),
            or_number(group, gid)
        )
    }
}

fn read_bounded(file: impl Read) -> Vec<u8> {
    let mut text = Vec::new();
    // An unreadable file names nobody; what was read before an error still counts.
    let _ = file.take(FILE_MAX).read_to_end(&mut text);
    text
}

/// `name:password:id:...` lines: the id's first name (the files list the canonical one first).
fn names(text: &[u8]) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for line in text.split(|&b| b == b'\n') {
        let mut fields = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let id = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok());
        if let (Some(id), Ok(name)) = (id, std::str::from_utf8(name)) {
            if !name.is_empty() && !name.starts_with('#') {
                names.entry(id).or_insert_with(|| name.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nredis:x:100:102::/var/lib/redis:/usr/sbin/nologin\n# a comment\nbroken line\ntoor:x:0:0::/root:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nredis:x:102:\n";

    #[test]
    fn owners_are_named_where_the_files_know_them() {
        let a = Accounts::read(Some(PASSWD.as_bytes()), Some(GROUP.as_bytes()));
        assert_eq!(a.owner(100, 102), "redis:redis (100:102)");
        // The first name of an id is its own.
        assert_eq!(a.owner(0, 0), "root:root (0:0)");
        assert_eq!(a.owner(1000, 102), "1000:redis (1000:102)");
        assert_eq!(a.owner(1000, 1000), "1000:1000");
    }

    #[test]
    fn no_files_no_names() {
        let a = Accounts::read(None::<&[u8]>, None::<&[u8]>);
        assert_eq!(a.owner(0, 0), "0:0");
    }
}
