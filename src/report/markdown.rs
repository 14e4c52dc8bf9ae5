//! The Markdown report: ready to paste into a ticket or a pull request.
//!
//! Summary first (a heading with the kind), then why and how to fix it, the `docker run` line,
//! the evidence, the exit and the output tails in fenced blocks, and the full call list folded
//! in `<details>`. Values from the program are escaped so that they cannot break the layout: prose
//! has Markdown's special characters escaped (code spans are kept), and every fenced block uses a
//! fence longer than any run of backticks inside it.

use super::describe::{self, printable};
use super::{meets, Report};
use crate::cli::Expect;

/// Several reports, separated by a horizontal rule.
pub fn render_all(reports: &[Report], expect: Expect) -> String {
    reports
        .iter()
        .map(|r| render(r, meets(r, expect)))
        .collect::<Vec<_>>()
        .join("\n---\n\n")
}

fn render(report: &Report, passed: bool) -> String {
    let mut out = String::new();
    let mark = if passed { "✓" } else { "✗" };
    match report.findings.first() {
        Some(f) => {
            out += &format!(
                "## {mark} `{}`: {}\n\n",
                f.kind,
                inline(&describe::one_line(&f.summary))
            );
            for (name, text) in [("Why", &f.explanation), ("Fix", &f.fix)] {
                if !text.trim().is_empty() {
                    out += &format!("**{name}.** {}\n\n", prose(text));
                }
            }
        }
        None => out += &format!("## {mark} {}\n\n", inline(&describe::headline(report))),
    }

    let t = &report.target;
    if let Some(image) = &t.image {
        out += &format!("- **Image:** {}", code(image));
        if let Some(id) = &t.image_id {
            out += &format!(" ({})", code(id));
        }
        out += "\n";
    }
    out += &format!("- **Exit:** {}\n", inline(&describe::exit(report)));
    if let Some(f) = report.findings.first() {
        out += &format!(
            "- **Finding:** {} by rule {}, {} confidence\n",
            code(f.kind.as_str()),
            code(&f.rule),
            describe::confidence(f.confidence)
        );
    }
    out += "\n";

    let command = describe::docker_run_line(t);
    if !command.is_empty() {
        out += &format!("**Command**\n\n{}\n", fenced("sh", &[command]));
    }

    if let Some(f) = report.findings.first() {
        if !f.evidence.is_empty() {
            let with_pid = describe::show_pids(report);
            let mut lines = Vec::new();
            for e in &f.evidence {
                lines.push(describe::strace_line(e, with_pid));
                if let Some(note) = &e.note {
                    lines.push(format!("  ↳ {note}"));
                }
            }
            out += &format!("**Evidence**\n\n{}\n", fenced("text", &lines));
        }
    }

    for (title, lines) in [
        ("Last lines on stderr", &report.stderr_tail),
        ("Last lines on stdout", &report.stdout_tail),
    ] {
        if !lines.is_empty() {
            out += &format!("**{title}**\n\n{}\n", fenced("text", lines));
        }
    }

    if report.findings.len() > 1 {
        out += "**Also considered**\n\n";
        for f in &report.findings[1..] {
            out += &format!(
                "- {} ({} confidence): {}\n",
                code(f.kind.as_str()),
                describe::confidence(f.confidence),
                inline(&describe::one_line(&f.summary))
            );
        }
        out += "\n";
    }

    let calls = &report.trace.calls;
    if !calls.is_empty() {
        out += &format!(
            "<details><summary>Full trace ({} call{})</summary>\n\n{}\n</details>\n\n",
            calls.len(),
            if calls.len() == 1 { "" } else { "s" },
            fenced("text", calls)
        );
    }
    out += &format!(
        "<sub>{} · {} {}</sub>\n",
        inline(&describe::trace_counts(report)),
        inline(&report.tool.name),
        inline(&report.tool.version)
    );
    out
}

/// A fenced code block whose fence is longer than any backtick run in `lines`.
fn fenced(lang: &str, lines: &[String]) -> String {
    let body: Vec<String> = lines.iter().map(|l| printable(l)).collect();
    let fence = "`".repeat((longest_backtick_run(&body.concat()) + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", body.join("\n"))
}

/// An inline code span that holds any text: the fence is longer than any backtick run inside,
/// and a space pads text that starts or ends with a backtick.
fn code(text: &str) -> String {
    let text = printable(&describe::one_line(text));
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Prose from a rule (why, fix): paragraphs kept, indented lines made into code blocks.
fn prose(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.trim().lines() {
        if line.starts_with([' ', '\t']) {
            out.push(format!("\n{}", fenced("sh", &[line.trim().to_string()])));
        } else {
            out.push(inline(line));
        }
    }
    out.join("\n")
}

/// Escapes Markdown outside `code spans`: the characters that would start emphasis, links,
/// HTML, tables or strike-through. Balanced code spans are kept, as rule texts use them for
/// commands; an unbalanced backtick is escaped.
fn inline(text: &str) -> String {
    let text = printable(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            if let Some(end) = chars[i + 1..].iter().position(|&d| d == '`') {
                out.extend(&chars[i..=i + 1 + end]);
                i += end + 2;
                continue;
            }
        }
        let word_inside = |j: usize| chars.get(j).is_some_and(|d| d.is_alphanumeric());
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' => true,
            // `snake_case` is safe; `_emphasis_` is not.
            '_' => !(i > 0 && word_inside(i - 1) && word_inside(i + 1)),
            '#' => i == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks() {
        let block = fenced("text", &["a ``` b".to_string()]);
        assert!(block.starts_with("````text\n"));
        assert!(block.ends_with("\n````\n"));
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn escapes_what_breaks_markdown() {
        assert_eq!(
            inline("use *all* <b>LD_LIBRARY_PATH</b> _x_"),
            r"use \*all\* \<b\>LD_LIBRARY_PATH\</b\> \_x\_"
        );
        assert_eq!(inline("run `a *b*` now"), "run `a *b*` now");
        assert_eq!(inline("odd ` tick"), r"odd \` tick");
    }
}
