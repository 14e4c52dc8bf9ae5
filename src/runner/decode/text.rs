//! strace's way of printing bytes: printable ASCII as is, C escapes for the usual controls,
//! octal for the rest, and `...` after a string that was cut.

/// The bytes between quotes, escaped.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\x0b' => s.push_str("\\v"),
            b'\x0c' => s.push_str("\\f"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                s.push('\\');
                // A following octal digit would be read as part of the escape: use 3 digits.
                let next_is_octal = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                if next_is_octal || c >> 6 != 0 {
                    s.push((b'0' + (c >> 6)) as char);
                }
                if next_is_octal || c >> 3 != 0 {
                    s.push((b'0' + ((c >> 3) & 7)) as char);
                }
                s.push((b'0' + (c & 7)) as char);
            }
        }
    }
    s
}

/// A quoted string, with `...` when it was cut.
pub fn quote(bytes: &[u8], cut: bool) -> String {
    format!("\"{}\"{}", escape(bytes), if cut { "..." } else { "" })
}

/// Bytes as a `String` for JSON fields: the text itself when it is UTF-8, else strace's escapes.
pub fn lossless(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => escape(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_strace() {
        assert_eq!(quote(b"/bin/sh\r", false), r#""/bin/sh\r""#);
        assert_eq!(quote(b"a\"b\\", true), r#""a\"b\\"..."#);
        assert_eq!(escape(b"\xff\xfe"), r"\377\376");
        assert_eq!(escape(b"\x01x"), r"\1x");
        assert_eq!(escape(b"\x01\x32"), r"\0012");
        assert_eq!(escape(b"\0"), r"\0");
        assert_eq!(lossless("é".as_bytes()), "é");
        assert_eq!(lossless(b"\xc3"), r"\303");
    }
}
