//! Snapshots of the reports, so that every change of wording or layout is reviewed.
//!
//! Update with `INSTA_UPDATE=always cargo test --test report_snapshots` (or `cargo insta review`)
//! and read the diff; in CI (`CI=true`) a changed or missing snapshot fails the test.

mod report_fixtures;

use docker_diagnose::cli::{Expect, Format};
use docker_diagnose::report::{render, render_with, Report};
use report_fixtures as fx;

fn human(r: Report) -> String {
    render(&[r], Format::Human, false)
}

fn markdown(r: Report) -> String {
    render(&[r], Format::Markdown, false)
}

#[test]
fn human_missing_interpreter() {
    insta::assert_snapshot!(human(fx::missing_interpreter()));
}

#[test]
fn human_bad_shebang_crlf() {
    insta::assert_snapshot!(human(fx::bad_shebang_crlf()));
}

#[test]
fn human_port_in_use() {
    insta::assert_snapshot!(human(fx::port_in_use()));
}

#[test]
fn human_oom_killed() {
    insta::assert_snapshot!(human(fx::oom_killed()));
}

#[test]
fn human_healthy() {
    insta::assert_snapshot!(human(fx::healthy()));
}

#[test]
fn human_app_error() {
    insta::assert_snapshot!(human(fx::app_error()));
}

#[test]
fn human_trace_of_a_host_command() {
    insta::assert_snapshot!(human(fx::trace_missing_file()));
}

#[test]
fn human_several_images() {
    insta::assert_snapshot!(render(
        &[fx::healthy(), fx::missing_interpreter()],
        Format::Human,
        false
    ));
}

#[test]
fn human_exited_cleanly_passes_under_expect_exit0() {
    let mut r = fx::trace_missing_file();
    r.exit.code = Some(0);
    r.findings[0].kind = docker_diagnose::report::Kind::ExitedCleanly;
    r.findings[0].summary = "./app exited 0: the command simply finished".into();
    r.findings[0].evidence.clear();
    insta::assert_snapshot!(render_with(&[r], Format::Human, false, Expect::Exit0));
}

#[test]
fn markdown_missing_interpreter() {
    insta::assert_snapshot!(markdown(fx::missing_interpreter()));
}

#[test]
fn markdown_bad_shebang_crlf() {
    insta::assert_snapshot!(markdown(fx::bad_shebang_crlf()));
}

#[test]
fn markdown_port_in_use() {
    insta::assert_snapshot!(markdown(fx::port_in_use()));
}

#[test]
fn markdown_oom_killed() {
    insta::assert_snapshot!(markdown(fx::oom_killed()));
}

#[test]
fn markdown_healthy() {
    insta::assert_snapshot!(markdown(fx::healthy()));
}

#[test]
fn markdown_app_error() {
    insta::assert_snapshot!(markdown(fx::app_error()));
}

#[test]
fn json_missing_interpreter() {
    insta::assert_snapshot!(render(&[fx::missing_interpreter()], Format::Json, false));
}

#[test]
fn json_several_images() {
    insta::assert_snapshot!(render(
        &[fx::healthy(), fx::oom_killed()],
        Format::Json,
        false
    ));
}

#[test]
fn junit_several_images() {
    insta::assert_snapshot!(render(
        &[
            fx::healthy(),
            fx::missing_interpreter(),
            fx::trace_missing_file()
        ],
        Format::Junit,
        false
    ));
}
