//! Socket addresses: `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.0.1")}`
//! for the call text, and the family, address and port for the event's fields.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::flags;
use super::text;

/// A decoded address.
#[derive(Debug, Default, PartialEq)]
pub struct SockAddr {
    pub text: String,
    pub family: Option<String>,
    pub addr: Option<String>,
    pub port: Option<u16>,
}

/// Decodes the bytes of a `struct sockaddr` (already bounded by its length argument).
pub fn decode(b: &[u8]) -> SockAddr {
    if b.len() < 2 {
        return SockAddr {
            text: "{...}".into(),
            ..SockAddr::default()
        };
    }
    let family = u16::from_ne_bytes([b[0], b[1]]) as u64;
    let fam = flags::family(family);
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match family {
        2 if b.len() >= 8 => {
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            SockAddr {
                text: format!(
                    "{{sa_family=AF_INET, sin_port=htons({}), sin_addr=inet_addr(\"{ip}\")}}",
                    port(b)
                ),
                family: Some(fam),
                addr: Some(ip.to_string()),
                port: Some(port(b)),
            }
        }
        10 if b.len() >= 24 => {
            let octets: [u8; 16] = b[8..24].try_into().expect("16 bytes");
            let ip = Ipv6Addr::from(octets);
            let flow = u32::from_be_bytes(b[4..8].try_into().expect("4 bytes"));
            let scope = b
                .get(24..28)
                .map_or(0, |s| u32::from_ne_bytes(s.try_into().expect("4 bytes")));
            SockAddr {
                text: format!(
                    "{{sa_family=AF_INET6, sin6_port=htons({}), sin6_flowinfo=htonl({flow}), inet_pton(AF_INET6, \"{ip}\", &sin6_addr), sin6_scope_id={scope}}}",
                    port(b)
                ),
                family: Some(fam),
                addr: Some(ip.to_string()),
                port: Some(port(b)),
            }
        }
        1 => {
            let raw = &b[2..];
            let (shown, path) = match raw.first() {
                // An abstract socket: a leading NUL, the name may hold more NULs.
                Some(0) => {
                    let name = &raw[1..];
                    (
                        format!("@{}", text::quote(name, false)),
                        format!("@{}", text::lossless(name)),
                    )
                }
                _ => {
                    let end = memchr::memchr(0, raw).unwrap_or(raw.len());
                    (text::quote(&raw[..end], false), text::lossless(&raw[..end]))
                }
            };
            SockAddr {
                text: format!("{{sa_family=AF_UNIX, sun_path={shown}}}"),
                family: Some(fam),
                addr: Some(path),
                port: None,
            }
        }
        _ => SockAddr {
            text: format!("{{sa_family={fam}, ...}}"),
            family: Some(fam),
            ..SockAddr::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_families() {
        let mut v4 = vec![2, 0, 0x1f, 0x90, 127, 0, 0, 1];
        v4.extend([0; 8]);
        let a = decode(&v4);
        assert_eq!(
            a.text,
            r#"{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}"#
        );
        assert_eq!((a.addr.as_deref(), a.port), (Some("127.0.0.1"), Some(8080)));
        let mut v6 = vec![10, 0, 0, 80, 0, 0, 0, 0];
        v6.extend(Ipv6Addr::LOCALHOST.octets());
        v6.extend([0; 4]);
        let a = decode(&v6);
        assert_eq!(a.addr.as_deref(), Some("::1"));
        assert!(a.text.contains("inet_pton(AF_INET6, \"::1\""));
        let mut un = vec![1, 0];
        un.extend(b"/run/x.sock\0");
        let a = decode(&un);
        assert_eq!(a.text, r#"{sa_family=AF_UNIX, sun_path="/run/x.sock"}"#);
        assert_eq!(a.addr.as_deref(), Some("/run/x.sock"));
        assert_eq!(decode(&[1]).text, "{...}");
    }
}
