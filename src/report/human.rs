//! The human report: what a person reads in a terminal — a headline, why, how to fix it, the
//! evidence in strace syntax, the exit and the program's last words.
//!
//! Prose (why, fix) is wrapped at word boundaries; a `backtick span` is never broken, so a
//! command or path can always be copied whole. Evidence, commands and output are never wrapped.

use owo_colors::{OwoColorize, Style};

use super::describe::{self, printable};
use super::{meets, Confidence, Report};
use crate::cli::Expect;

/// Prose is wrapped to this width (indent included).
const WIDTH: usize = 88;
/// Lines of each output tail shown; the JSON report has them all.
const STDERR_LINES: usize = 20;
const STDOUT_LINES: usize = 5;
const INDENT: &str = "  ";

/// Several reports one after another, separated by a rule.
pub fn render_all(reports: &[Report], color: bool, expect: Expect) -> String {
    let separator = format!("\n{}\n\n", "─".repeat(72));
    reports
        .iter()
        .map(|r| render(r, color, meets(r, expect)))
        .collect::<Vec<_>>()
        .join(&separator)
}

/// Applies styles only when colour is on.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn apply(self, text: &str, style: Style) -> String {
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

/// One report; `passed` says whether the outcome met `--expect`.
pub fn render(report: &Report, color: bool, passed: bool) -> String {
    let paint = Paint(color);
    let title = Style::new().bold();
    let mut out = String::new();

    let (mark, mark_style) = if passed {
        ("✓", Style::new().green().bold())
    } else {
        ("✗", Style::new().red().bold())
    };
    out += &format!(
        "{} {}\n\n",
        paint.apply(mark, mark_style),
        paint.apply(&printable(&describe::headline(report)), mark_style)
    );

    for (label, value) in facts(report) {
        out += &format!(
            "{INDENT}{} {}\n",
            paint.apply(&format!("{label:<10}"), Style::new().dimmed()),
            printable(&value)
        );
    }

    if let Some(primary) = report.findings.first() {
        for (name, text) in [("Why", &primary.explanation), ("Fix", &primary.fix)] {
            if !text.trim().is_empty() {
                out += &format!("\n{}\n", paint.apply(name, title));
                for line in wrap(&printable(text), WIDTH - INDENT.len()) {
                    out += &format!("{INDENT}{line}\n");
                }
            }
        }
        if !primary.evidence.is_empty() {
            out += &format!("\n{}\n", paint.apply("Evidence", title));
            let with_pid = describe::show_pids(report);
            for line in &primary.evidence {
                let call = printable(&describe::strace_line(line, with_pid));
                out += &format!("{INDENT}{}\n", paint.apply(&call, Style::new().yellow()));
                if let Some(note) = &line.note {
                    let note = format!("↳ {}", printable(note));
                    out += &format!("{INDENT}  {}\n", paint.apply(&note, Style::new().cyan()));
                }
            }
        }
    }

    out += &tail(
        paint,
        "Last lines on stderr",
        &report.stderr_tail,
        STDERR_LINES,
    );
    if describe::stdout_is_useful(report) {
        out += &tail(
            paint,
            "Last lines on stdout",
            &report.stdout_tail,
            STDOUT_LINES,
        );
    }

    let others = report.findings.iter().skip(1);
    if others.len() > 0 {
        out += &format!("\n{}\n", paint.apply("Also considered", title));
        for f in others {
            out += &format!(
                "{INDENT}• {} ({} confidence): {}\n",
                f.kind,
                describe::confidence(f.confidence),
                printable(&describe::one_line(&f.summary))
            );
        }
    }

    out += &format!(
        "\n{}\n",
        paint.apply(
            &(describe::trace_counts(report) + "."),
            Style::new().dimmed()
        )
    );
    out
}

/// The short facts under the headline: what ran, how it ended, how sure the finding is.
fn facts(report: &Report) -> Vec<(&'static str, String)> {
    let t = &report.target;
    let mut facts = Vec::new();
    if let Some(image) = &t.image {
        let id = t.image_id.as_deref().map(describe::short_id);
        facts.push((
            "Image",
            match id {
                Some(id) => format!("{image} ({id})"),
                None => image.clone(),
            },
        ));
    }
    let command = describe::command_line(t);
    if !command.is_empty() {
        facts.push(("Command", command));
    }
    for (label, value) in [
        ("User", &t.user),
        ("Workdir", &t.working_dir),
        ("Platform", &t.platform),
    ] {
        if let Some(v) = value {
            facts.push((label, v.clone()));
        }
    }
    facts.push(("Exit", describe::exit(report)));
    if let Some(f) = report.findings.first() {
        if f.confidence != Confidence::High {
            facts.push(("Confidence", describe::confidence(f.confidence).to_string()));
        }
    }
    facts
}

/// The last `limit` lines of an output tail, under a title.
fn tail(paint: Paint, title: &str, lines: &[String], limit: usize) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{}\n", paint.apply(title, Style::new().bold()));
    let skipped = lines.len().saturating_sub(limit);
    if skipped > 0 {
        out += &format!(
            "{INDENT}{}\n",
            paint.apply(
                &format!("… {skipped} earlier lines (all are in --format json)"),
                Style::new().dimmed()
            )
        );
    }
    for line in &lines[skipped..] {
        out += &format!("{INDENT}{}\n", printable(line));
    }
    out
}

/// Wraps prose to `width` columns at spaces, keeping each `backtick span` whole; lines that
/// start with whitespace (indented code) and over-long words are left as they are.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.trim_end().lines() {
        if paragraph.starts_with([' ', '\t']) || paragraph.len() <= width {
            lines.push(paragraph.to_string());
            continue;
        }
        let mut line = String::new();
        for word in words(paragraph) {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line += word;
        }
        lines.push(line);
    }
    lines
}

/// Splits at spaces outside backtick spans.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    let mut in_code = false;
    for (i, c) in text.char_indices() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            if let Some(s) = start.take() {
                words.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_code_spans_whole() {
        let text =
            "Add `RUN apk add --no-cache gcompat libc6-compat` to the Dockerfile after FROM.";
        let lines = wrap(text, 30);
        assert!(lines
            .iter()
            .any(|l| l.contains("`RUN apk add --no-cache gcompat libc6-compat`")));
        assert!(lines.len() > 1);
    }

    #[test]
    fn wrap_leaves_indented_lines() {
        let text = "Run this:\n    docker run --rm -it --entrypoint sh my-image:latest -c 'ls -l /app /lib64'";
        assert_eq!(wrap(text, 20)[1], text.lines().nth(1).unwrap());
    }
}
