//! `docker-diagnose`: the binary. Everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    docker_diagnose::cli::main()
}
