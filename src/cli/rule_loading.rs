//! The rule set for a run: a user's rules directory is read at once (a broken file must stop us
//! before anything runs), while the built-in rules alone are read on a thread of their own during
//! the run (a few ms of TOML parsing; their patterns compile on first use).

use std::path::Path;

use anyhow::Result;

use crate::rules::RuleSet;

pub enum Loading {
    Ready(RuleSet),
    Background(std::thread::JoinHandle<Result<RuleSet>>),
}

impl Loading {
    /// Starts loading the built-in rules, plus those in `dir`.
    pub fn start(dir: Option<&Path>) -> Result<Loading> {
        Ok(match dir {
            Some(dir) => Loading::Ready(RuleSet::builtin()?.with_dir(dir)?),
            None => Loading::Background(std::thread::spawn(RuleSet::builtin)),
        })
    }

    /// The rules, once compiled.
    pub fn wait(self) -> Result<RuleSet> {
        match self {
            Loading::Ready(rules) => Ok(rules),
            Loading::Background(thread) => thread
                .join()
                .map_err(|_| anyhow::anyhow!("loading the built-in rules failed"))?,
        }
    }
}
