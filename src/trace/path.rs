//! Paths as events carry them: the spelling a program passed (`$HOME/.cache/` with `HOME=/`
//! gives `//.cache/`) tidied to the one a person reads, `/.cache/`. Only what never changes the
//! file meant is folded: repeated slashes and `.` components. `..` stays, since behind a
//! symbolic link it does not lead to the parent written before it, and so does a trailing
//! slash, which asks for a directory (a shell's glob lists `dir/`). The call's text keeps the
//! spelling the program used.

/// `//a/./b/` → `/a/b/`. A relative path (a strace log that never said the working
/// directory) stays as the program wrote it: `./run.sh` is what the user typed. A path with
/// nothing to fold (nearly every one: this runs for each path the runner records) is handed
/// back as it came.
pub fn tidy(path: String) -> String {
    let untidy = path.contains("//") || path.contains("/./") || path.ends_with("/.");
    if !path.starts_with('/') || !untidy {
        return path;
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let trailing = if path.ends_with('/') && !parts.is_empty() {
        "/"
    } else {
        ""
    };
    format!("/{}{trailing}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    fn tidy(path: &str) -> String {
        super::tidy(path.to_string())
    }

    #[test]
    fn only_what_never_changes_the_file_is_folded() {
        assert_eq!(tidy("//.cache/"), "/.cache/");
        assert_eq!(tidy("/etc/./app//config.yml"), "/etc/app/config.yml");
        assert_eq!(tidy("/srv/link/../data"), "/srv/link/../data");
        assert_eq!(tidy("/"), "/");
        assert_eq!(tidy("//"), "/");
        assert_eq!(tidy("/etc/conf.d/."), "/etc/conf.d");
        assert_eq!(tidy("./run.sh"), "./run.sh");
        assert_eq!(tidy(""), "");
    }
}
