//! The command line, as `../shared/REPORT.md` lays it out: the diagnose form (docker-run flags,
//! IMAGE, COMMAND), `explain`, `trace`, `demo`, and the Docker CLI plugin handshake.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

/// Output options shared by every subcommand that prints a report.
#[derive(Args, Debug, Clone)]
pub struct OutputOpts {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Extra rule files, read after the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// What a good start is, for CI: exit status 0 when the outcome meets it.
    #[arg(long, value_enum, default_value_t = Expect::Running)]
    pub expect: Expect,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
    Junit,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Still running (or healthy) when `--wait` runs out, and not reported unhealthy by its
    /// HEALTHCHECK before.
    Running,
    /// Exited with status 0.
    Exit0,
}

/// `docker-diagnose [OPTIONS] [DOCKER-RUN FLAGS] IMAGE [COMMAND [ARG...]]`
#[derive(Parser, Debug, Clone)]
#[command(
    name = "docker-diagnose",
    version,
    about = "Tells why a container exits at start-up: runs it, watches its system calls, explains the failure.",
    disable_help_flag = true,
    override_usage = "docker-diagnose [OPTIONS] [DOCKER-RUN FLAGS] IMAGE [COMMAND [ARG...]]\n       docker-diagnose explain [OPTIONS] FILE|-\n       docker-diagnose trace [OPTIONS] -- COMMAND [ARG...]\n       docker-diagnose demo [OPTIONS]"
)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub output: OutputOpts,
    /// How long the container must stay up to count as started (e.g. 5s, 1500ms, 1m); a
    /// HEALTHCHECK's verdict, healthy or unhealthy, ends the wait sooner.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub wait: Duration,
    /// Leave the container for inspection and print its id.
    #[arg(long)]
    pub keep: bool,
    /// Stop on every system call, not only the prefiltered set (slower; sees calls the
    /// container's seccomp profile denies).
    #[arg(long)]
    pub full: bool,
    /// Diagnose an existing container: run a fresh copy of it (the original is left untouched).
    #[arg(long, value_name = "ID")]
    pub from_container: Option<String>,
    /// Build this Dockerfile context first, then diagnose the image built.
    #[arg(long, value_name = "DIR")]
    pub build: Option<PathBuf>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    #[command(flatten)]
    pub run: RunFlags,
    /// IMAGE, then the COMMAND and its arguments (which replace the image's CMD). Several
    /// images may be named when each of them is a local image: each is diagnosed in turn.
    #[arg(trailing_var_arg = true, value_name = "IMAGE [COMMAND]")]
    pub args: Vec<String>,
}

/// The `docker run` flags we accept, with Docker's names and meanings.
#[derive(Args, Debug, Clone, Default)]
pub struct RunFlags {
    /// Set environment variables (NAME=value, or NAME to take the value from here).
    #[arg(short = 'e', long = "env", value_name = "LIST")]
    pub env: Vec<String>,
    /// Read a file of environment variables.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Username or UID (format: <name|uid>[:<group|gid>]).
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image (clears its CMD).
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Mount the container's root filesystem as read only.
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// Memory limit (e.g. 64m).
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap.
    #[arg(long = "memory-swap")]
    pub memory_swap: Option<String>,
    /// Number of CPUs.
    #[arg(long)]
    pub cpus: Option<String>,
    /// Connect the container to a network.
    #[arg(long = "network", alias = "net")]
    pub network: Option<String>,
    /// Add Linux capabilities.
    #[arg(long = "cap-add")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities.
    #[arg(long = "cap-drop")]
    pub cap_drop: Vec<String>,
    /// Bind mount a volume.
    #[arg(short = 'v', long = "volume")]
    pub volume: Vec<String>,
    /// Attach a filesystem mount to the container.
    #[arg(long)]
    pub mount: Vec<String>,
    /// Mount a tmpfs directory.
    #[arg(long)]
    pub tmpfs: Vec<String>,
    /// Ulimit options (e.g. nofile=64:64).
    #[arg(long)]
    pub ulimit: Vec<String>,
    /// Set platform if server is multi-platform capable.
    #[arg(long)]
    pub platform: Option<String>,
    /// Publish a container's port(s) to the host.
    #[arg(short = 'p', long = "publish")]
    pub publish: Vec<String>,
    /// Give extended privileges to this container.
    #[arg(long)]
    pub privileged: bool,
    /// Security options.
    #[arg(long = "security-opt")]
    pub security_opt: Vec<String>,
    /// Tune container pids limit.
    #[arg(long = "pids-limit")]
    pub pids_limit: Option<i64>,
    /// Size of /dev/shm.
    #[arg(long = "shm-size")]
    pub shm_size: Option<String>,
    /// Sysctl options.
    #[arg(long)]
    pub sysctl: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip).
    #[arg(long = "add-host")]
    pub add_host: Vec<String>,
    /// Set custom DNS servers.
    #[arg(long)]
    pub dns: Vec<String>,
    /// Container host name.
    #[arg(short = 'h', long)]
    pub hostname: Option<String>,
    /// Run an init inside the container that forwards signals and reaps processes.
    #[arg(long)]
    pub init: bool,
    /// Assign a name to the container.
    #[arg(long)]
    pub name: Option<String>,
    /// Add additional groups to join.
    #[arg(long = "group-add")]
    pub group_add: Vec<String>,
    /// Set meta data on a container.
    #[arg(short = 'l', long = "label")]
    pub label: Vec<String>,
    /// Signal to stop the container.
    #[arg(long = "stop-signal")]
    pub stop_signal: Option<String>,
    /// Accepted: the diagnoser always removes its container unless --keep.
    #[arg(long)]
    pub rm: bool,
    /// Accepted and ignored (nothing is attached): -d/--detach.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Accepted and ignored: -i/--interactive.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Accepted and ignored: -t/--tty.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Publish all exposed ports to random ports.
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// Expose a port or a range of ports.
    #[arg(long)]
    pub expose: Vec<String>,
    /// Add a host device to the container.
    #[arg(long)]
    pub device: Vec<String>,
    /// Mount volumes from the specified container(s).
    #[arg(long = "volumes-from")]
    pub volumes_from: Vec<String>,
    /// Add link to another container.
    #[arg(long)]
    pub link: Vec<String>,
    /// IPC mode to use.
    #[arg(long)]
    pub ipc: Option<String>,
    /// PID namespace to use.
    #[arg(long)]
    pub pid: Option<String>,
    /// UTS namespace to use.
    #[arg(long)]
    pub uts: Option<String>,
    /// User namespace to use.
    #[arg(long)]
    pub userns: Option<String>,
    /// Cgroup namespace to use (host|private).
    #[arg(long)]
    pub cgroupns: Option<String>,
    /// Set custom DNS search domains.
    #[arg(long = "dns-search")]
    pub dns_search: Vec<String>,
    /// Set DNS options.
    #[arg(long = "dns-option", alias = "dns-opt")]
    pub dns_option: Vec<String>,
    /// Container NIS domain name.
    #[arg(long)]
    pub domainname: Option<String>,
    /// Logging driver for the container.
    #[arg(long = "log-driver")]
    pub log_driver: Option<String>,
    /// Log driver options.
    #[arg(long = "log-opt")]
    pub log_opt: Vec<String>,
    /// CPU shares (relative weight).
    #[arg(short = 'c', long = "cpu-shares")]
    pub cpu_shares: Option<i64>,
    /// CPUs in which to allow execution (0-3, 0,1).
    #[arg(long = "cpuset-cpus")]
    pub cpuset_cpus: Option<String>,
    /// Memory soft limit.
    #[arg(long = "memory-reservation")]
    pub memory_reservation: Option<String>,
    /// Tune host's OOM preferences (-1000 to 1000).
    #[arg(long = "oom-score-adj", allow_hyphen_values = true)]
    pub oom_score_adj: Option<i64>,
    /// Disable OOM Killer.
    #[arg(long = "oom-kill-disable")]
    pub oom_kill_disable: bool,
    /// Runtime to use for this container.
    #[arg(long)]
    pub runtime: Option<String>,
    /// Timeout (in seconds) to stop a container.
    #[arg(long = "stop-timeout")]
    pub stop_timeout: Option<i64>,
    /// Read in a line delimited file of labels.
    #[arg(long = "label-file")]
    pub label_file: Vec<PathBuf>,
    /// Command to run to check health.
    #[arg(long = "health-cmd")]
    pub health_cmd: Option<String>,
    /// Time between running the check.
    #[arg(long = "health-interval", value_parser = parse_duration)]
    pub health_interval: Option<Duration>,
    /// Maximum time to allow one check to run.
    #[arg(long = "health-timeout", value_parser = parse_duration)]
    pub health_timeout: Option<Duration>,
    /// Consecutive failures needed to report unhealthy.
    #[arg(long = "health-retries")]
    pub health_retries: Option<i64>,
    /// Start period for the container to initialize before counting retries.
    #[arg(long = "health-start-period", value_parser = parse_duration)]
    pub health_start_period: Option<Duration>,
    /// Disable any container-specified HEALTHCHECK.
    #[arg(long = "no-healthcheck")]
    pub no_healthcheck: bool,
    /// Pull image before running ("always", "missing", "never").
    #[arg(long, value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Accepted and ignored: a diagnosis runs the container once (--restart).
    #[arg(long)]
    pub restart: Option<String>,
    /// Accepted and ignored: nothing is attached (-a/--attach).
    #[arg(short = 'a', long)]
    pub attach: Vec<String>,
    /// Accepted and ignored (--sig-proxy).
    #[arg(long = "sig-proxy", num_args = 0..=1, default_missing_value = "true")]
    pub sig_proxy: Option<String>,
    /// Accepted and ignored (--detach-keys).
    #[arg(long = "detach-keys")]
    pub detach_keys: Option<String>,
    /// Accepted and ignored: no container-id file is written (--cidfile).
    #[arg(long)]
    pub cidfile: Option<String>,
    /// Accepted and ignored: GPUs are not given to the diagnosis container (--gpus).
    #[arg(long)]
    pub gpus: Option<String>,
    /// Accepted and ignored: pull quietly (-q/--quiet).
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `docker-diagnose explain [OPTIONS] FILE|-`
#[derive(Parser, Debug, Clone)]
#[command(
    name = "docker-diagnose explain",
    about = "Explain a saved JSON report or a pasted `strace -f` log."
)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub output: OutputOpts,
    /// The report or log; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// `docker-diagnose trace [OPTIONS] -- COMMAND [ARG...]`
#[derive(Parser, Debug, Clone)]
#[command(
    name = "docker-diagnose trace",
    about = "Run a command on this host under the tracer and explain how it ended."
)]
pub struct TraceArgs {
    #[command(flatten)]
    pub output: OutputOpts,
    /// Write every recorded event as JSON Lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Stop on every system call, not only the prefiltered set.
    #[arg(long)]
    pub full: bool,
    /// The command and its arguments: any bytes (a host command may take a non-UTF-8 file
    /// name), passed on unchanged.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND",
        value_parser = clap::value_parser!(std::ffi::OsString)
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// `docker-diagnose demo [OPTIONS]`: build the broken sample image from `fixtures/` and diagnose it.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "docker-diagnose demo",
    about = "Build a broken sample image and diagnose it."
)]
pub struct DemoArgs {
    #[command(flatten)]
    pub output: OutputOpts,
}

/// Parses `5s`, `1500ms`, `1m30s`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(Duration::from_secs_f64(secs));
        }
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration like 5s or 1500ms ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }

    #[test]
    fn run_flags_then_image_then_command() {
        let a = DiagnoseArgs::try_parse_from([
            "docker-diagnose",
            "-e",
            "A=1",
            "-it",
            "--read-only",
            "-u",
            "1000",
            "img",
            "sh",
            "-c",
            "x",
        ])
        .unwrap();
        assert_eq!(a.run.env, vec!["A=1"]);
        assert!(a.run.read_only && a.run.interactive && a.run.tty);
        assert_eq!(a.args, vec!["img", "sh", "-c", "x"]);
    }
}
