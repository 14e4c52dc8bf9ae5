//! Secrets: keeps secret-looking values out of every report format.
//!
//! Two protections, both applied to every string that came from the run or quotes it (target,
//! findings' texts and evidence, output tails, trace calls):
//! - [`redact`] replaces each known secret *value* (the values of secret-looking environment
//!   variables, see [`secret_values`]) wherever it appears, also as strace escapes it and where
//!   strace cut it short (`"s3cr3t-to"...`).
//! - [`mask_patterns`] masks the values of secret-looking *names* wherever the program printed
//!   them, known or not: `NAME=value`, `--name=value`, `"name": "value"`, `--name value` in an
//!   argument list, `Authorization: Bearer value` and the password of `scheme://user:pw@host`.
//!   [`super::render_with`] applies it to every report it renders, so no format can show such a
//!   value even when a producer forgot to call [`redact`].
//!
//! A name is secret-looking when it contains TOKEN, SECRET, PASSWORD, PASSWD, KEY, CREDENTIAL or
//! AUTH, in any case (REPORT.md).

use std::sync::LazyLock;

use regex::Regex;

use super::Report;

/// What a masked value shows as.
pub const MASK: &str = "***";

/// Known values shorter than this are not replaced: a value like `1`, `on` or `dev` occurs all
/// over a report (in paths, numbers, words), so replacing it would garble the evidence while
/// hiding nothing an attacker could not guess. Such values are still masked by name.
pub const MIN_SECRET_LEN: usize = 4;

const WORDS: &str = "TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH";

/// Whether `text` (a variable, flag or field name, or any string of a report) contains one of
/// [`WORDS`] in any case. ASCII text (nearly every string of a report) is searched without a
/// regex; other text goes to one, since Unicode case folding has more forms (`K`, the Kelvin
/// sign, is a `k`).
fn has_secret_word(text: &str) -> bool {
    if text.is_ascii() {
        let upper = text.to_ascii_uppercase();
        return WORDS.split('|').any(|word| upper.contains(word));
    }
    static ANY_CASE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!("(?i){WORDS}")).expect("the words are a regex"));
    ANY_CASE.is_match(text)
}

/// The values of secret-looking variables among `NAME=value` environment entries, each once.
pub fn secret_values(env: &[String]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for entry in env {
        if let Some((name, value)) = entry.split_once('=') {
            if has_secret_word(name) && !value.is_empty() && !values.iter().any(|v| v == value) {
                values.push(value.to_string());
            }
        }
    }
    values
}

/// Removes secrets from a report: every known value in `secrets` (at least [`MIN_SECRET_LEN`]
/// long), then every secret-looking pattern ([`mask_patterns`]).
pub fn redact(report: &mut Report, secrets: &[String]) {
    let mut secrets: Vec<&str> = secrets
        .iter()
        .map(String::as_str)
        .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
        .collect();
    // Longest first, so that a secret containing another one is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    if !secrets.is_empty() {
        for_each_string(report, &mut |text| {
            for secret in &secrets {
                replace_value(text, secret);
            }
        });
    }
    mask_patterns(report);
}

/// Masks the values of secret-looking names in every string of the report (see the module's
/// documentation for the patterns).
pub fn mask_patterns(report: &mut Report) {
    mask_flag_values(&mut report.target.entrypoint);
    mask_flag_values(&mut report.target.command);
    for_each_string(report, &mut mask_text);
}

/// Replaces `secret` in `text`: as is, as strace escapes it, and cut short before strace's `"...`.
fn replace_value(text: &mut String, secret: &str) {
    if text.contains(secret) {
        *text = text.replace(secret, MASK);
    }
    let escaped = strace_escape(secret);
    if escaped != secret && text.contains(&escaped) {
        *text = text.replace(&escaped, MASK);
    }
    if text.contains("\"...") {
        // The longest prefix first; prefixes shorter than the minimum reveal too little to hide.
        let chars: Vec<char> = escaped.chars().collect();
        for len in (MIN_SECRET_LEN..chars.len()).rev() {
            let cut = format!("{}\"...", chars[..len].iter().collect::<String>());
            if text.contains(&cut) {
                *text = text.replace(&cut, &format!("{MASK}\"..."));
            }
        }
    }
}

/// A string as strace prints it inside quotes.
fn strace_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\t' => out += "\\t",
            '\r' => out += "\\r",
            c => out.push(c),
        }
    }
    out
}

/// In an argument list, the word after a secret-looking flag: `--password hunter2`.
fn mask_flag_values(argv: &mut [String]) {
    for i in 1..argv.len() {
        let flag = &argv[i - 1];
        if flag.starts_with('-') && !flag.contains('=') && has_secret_word(flag) {
            argv[i] = MASK.to_string();
        }
    }
}

/// The patterns, each with the replacement that keeps the name and masks the value.
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let name = format!(r"[A-Za-z0-9_.-]*(?:{WORDS})[A-Za-z0-9_.-]*");
    let patterns = [
        // NAME=value, --name=value; a quoted value whole, else up to a space, quote or `&`.
        // A backslash escape counts as part of the value: over-masking `\n` beats revealing.
        (
            format!(r#"(?i)(?P<k>{name})=(?:"(?:[^"\\]|\\.)*"|'[^']*'|(?:\\.|[^\s"'\\&])+)"#),
            "${k}=***",
        ),
        // "name": "value" and 'name': 'value', also inside a strace string (\"name\": \"value\").
        (
            format!(r#"(?i)(?P<k>\\?"{name}\\?"\s*:\s*\\?")(?:[^"\\]|\\[^"])*"#),
            "${k}***",
        ),
        (format!(r#"(?i)(?P<k>'{name}'\s*:\s*')[^']*"#), "${k}***"),
        // "name": 12345 (a value that is not a string).
        (
            format!(r#"(?i)(?P<k>\\?"{name}\\?"\s*:\s*)[^\s"\\,}}\]]+"#),
            "${k}***",
        ),
        // "--password", "hunter2" in an argument list as strace prints it.
        (
            format!(r#"(?i)(?P<k>"--?{name}",\s*")(?:[^"\\]|\\.)*"#),
            "${k}***",
        ),
        // Authorization: Bearer value
        (
            r#"(?i)(?P<k>\bauthorization\s*:\s*(?:(?:bearer|basic|token|digest)\s+)?)[^\s"'\\]+"#
                .to_string(),
            "${k}***",
        ),
        // scheme://user:password@host
        (
            r#"(?i)(?P<k>\b[a-z][a-z0-9+.-]*://[^/\s:@"']+:)[^/\s@"']+@"#.to_string(),
            "${k}***@",
        ),
    ];
    patterns
        .into_iter()
        .map(|(re, with)| {
            (
                Regex::new(&re).expect("the secret patterns are valid"),
                with,
            )
        })
        .collect()
});

fn mask_text(text: &mut String) {
    // Every pattern needs a secret word or a URL's `://`: most strings have neither, and then
    // the patterns (a few ms to compile) are not even built.
    if !text.contains("://") && !has_secret_word(text) {
        return;
    }
    for (re, with) in PATTERNS.iter() {
        if let std::borrow::Cow::Owned(masked) = re.replace_all(text, *with) {
            *text = masked;
        }
    }
}

/// Calls `f` on every string of the report that came from the run or quotes it. The tool's own
/// names (schema, tool, rule ids, kinds, signal names) are left out: they hold no secret, and a
/// short secret that happens to equal a word there must not garble them.
fn for_each_string(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    // Destructured in full, so that a field added to the model must be considered here.
    let Report {
        schema: _,
        tool: _,
        target,
        outcome: _,
        exit: _,
        duration_ms: _,
        findings,
        stdout_tail,
        stderr_tail,
        trace,
    } = report;
    let super::Target {
        image,
        image_id: _,
        entrypoint,
        command,
        user,
        working_dir,
        platform: _,
    } = target;
    for s in [image, user, working_dir].into_iter().flatten() {
        f(s);
    }
    for finding in findings {
        let super::Finding {
            rule: _,
            kind: _,
            confidence: _,
            summary,
            explanation,
            fix,
            evidence,
        } = finding;
        for s in [summary, explanation, fix] {
            f(s);
        }
        for line in evidence {
            let super::EvidenceLine {
                pid: _,
                syscall: _,
                call,
                errno: _,
                path,
                note,
            } = line;
            f(call);
            for s in [path, note].into_iter().flatten() {
                f(s);
            }
        }
    }
    let super::TraceSummary {
        events: _,
        processes: _,
        dropped: _,
        calls,
    } = trace;
    for s in entrypoint
        .iter_mut()
        .chain(command)
        .chain(stdout_tail)
        .chain(stderr_tail)
        .chain(calls)
    {
        f(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut s = text.to_string();
        mask_text(&mut s);
        s
    }

    #[test]
    fn masks_assignments_and_flags() {
        assert_eq!(masked("DB_PASSWORD=hunter2 ok"), "DB_PASSWORD=*** ok");
        assert_eq!(masked("--api-key=abc123"), "--api-key=***");
        assert_eq!(
            masked(r#"export GITHUB_TOKEN="a b c""#),
            "export GITHUB_TOKEN=***"
        );
        assert_eq!(masked("?auth_token=xyz&page=2"), "?auth_token=***&page=2");
        assert_eq!(
            masked(r#"execve("/app", ["/app"], ["PATH=/bin", "AWS_SECRET_ACCESS_KEY=abc/def"])"#),
            r#"execve("/app", ["/app"], ["PATH=/bin", "AWS_SECRET_ACCESS_KEY=***"])"#
        );
        assert_eq!(
            masked(r#"write(2, "db_passwd=s3cr3t\n", 17) = 17"#),
            r#"write(2, "db_passwd=***", 17) = 17"#
        );
    }

    #[test]
    fn masks_json_fields() {
        assert_eq!(
            masked(r#"{"user": "app", "password": "hunter2", "apiKey": 12345}"#),
            r#"{"user": "app", "password": "***", "apiKey": ***}"#
        );
        assert_eq!(
            masked(r#"write(1, "{\"client_secret\": \"xyz\"}\n", 26)"#),
            r#"write(1, "{\"client_secret\": \"***\"}\n", 26)"#
        );
        assert_eq!(masked("{'token': 'abc'}"), "{'token': '***'}");
    }

    #[test]
    fn masks_headers_urls_and_strace_argv() {
        assert_eq!(
            masked("Authorization: Bearer eyJhbGciOi.x.y"),
            "Authorization: Bearer ***"
        );
        assert_eq!(
            masked("could not connect to postgres://app:hunter2@db:5432/app"),
            "could not connect to postgres://app:***@db:5432/app"
        );
        assert_eq!(
            masked(r#"execve("/app", ["/app", "--password", "hunter2"], 0x7ffd /* 3 vars */)"#),
            r#"execve("/app", ["/app", "--password", "***"], 0x7ffd /* 3 vars */)"#
        );
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            r#"openat(AT_FDCWD, "/etc/ssl/private/server.key", O_RDONLY) = -1 ENOENT (No such file or directory)"#,
            "exec /app/server: no such file or directory",
            "KEY not set",
            "listening on 0.0.0.0:8080",
        ] {
            assert_eq!(masked(text), text);
        }
    }

    #[test]
    fn finds_secret_words_as_the_case_insensitive_regex_does() {
        let regex = Regex::new(&format!("(?i){WORDS}")).unwrap();
        for text in [
            "DB_PASSWORD",
            "api_Key",
            "x-Auth-header",
            "Credentials",
            "passwd",
            "PATH",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "",
            // Unicode folds: the Kelvin sign is a `k`, the long s an `s`.
            "API_\u{212A}EY",
            "\u{17F}ECRET",
            "données",
            "clé",
        ] {
            assert_eq!(has_secret_word(text), regex.is_match(text), "{text:?}");
        }
        assert_eq!(masked("API_\u{212A}EY=abc"), "API_\u{212A}EY=***");
    }

    #[test]
    fn picks_secret_values_from_the_environment() {
        let env = [
            "PATH=/usr/bin",
            "DB_PASSWORD=hunter2",
            "api_key=abc",
            "EMPTY_TOKEN=",
            "OTHER_SECRET=hunter2",
            "NOEQUALS",
        ]
        .map(String::from);
        assert_eq!(secret_values(&env), ["hunter2", "abc"]);
    }

    #[test]
    fn masks_argument_lists_by_flag() {
        let mut argv = ["serve", "--token", "abc", "--port", "80"].map(String::from);
        mask_flag_values(&mut argv);
        assert_eq!(argv, ["serve", "--token", MASK, "--port", "80"]);
    }

    #[test]
    fn replaces_values_escaped_and_cut_short() {
        let mut s = r#"write(2, "using s3cr3t-to"..., 64) = 64"#.to_string();
        replace_value(&mut s, "s3cr3t-token-value");
        assert_eq!(s, r#"write(2, "using ***"..., 64) = 64"#);
        let mut s = r#"read(3, "pa\"ss", 5)"#.to_string();
        replace_value(&mut s, "pa\"ss");
        assert_eq!(s, r#"read(3, "***", 5)"#);
    }
}
