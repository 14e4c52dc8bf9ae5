//! The runner's prefilter set as an `strace -e trace=` list, so that the benchmark gives strace
//! the very calls the runner stops on (`scripts/bench`). Each name carries strace's `?`: an
//! strace that does not know a call (6.1 and `fchmodat2`) skips it instead of refusing the list.
//!
//! ```text
//! cargo run --release --example traced_names
//! ```

use docker_diagnose::runner::filter::traced_names;

fn main() {
    let names: Vec<String> = traced_names().iter().map(|n| format!("?{n}")).collect();
    println!("{}", names.join(","));
}
