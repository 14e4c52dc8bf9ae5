//! `-v/--volume`, `--mount` and `--tmpfs` with the docker CLI's meanings.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use bollard::models::{
    Mount, MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountType,
    MountVolumeOptions, MountVolumeOptionsDriverConfig,
};

use super::flags::parse_bytes;
use crate::rules::BindMount;

/// What `-v` specs become: binds (with a source) and anonymous volumes (a container path only).
#[derive(Debug, Default, PartialEq)]
pub struct Volumes {
    pub binds: Vec<String>,
    pub anonymous: Vec<String>,
}

/// `-v [SOURCE:]TARGET[:OPTIONS]`. A relative host path (`./data`) is made absolute here, as the
/// docker CLI does; everything else is left for the engine to check, so its message is quoted.
pub fn volumes(specs: &[String]) -> Result<Volumes> {
    let mut out = Volumes::default();
    for spec in specs {
        if spec.is_empty() {
            bail!("invalid -v/--volume: empty specification");
        }
        match spec.split_once(':') {
            None => out.anonymous.push(spec.clone()),
            Some((source, rest)) => {
                let source = if source.starts_with('.') {
                    let cwd =
                        std::env::current_dir().context("cannot read the current directory")?;
                    cwd.join(source).to_string_lossy().into_owned()
                } else {
                    source.to_string()
                };
                out.binds.push(format!("{source}:{rest}"));
            }
        }
    }
    Ok(out)
}

/// The named volumes that `-v NAME:/path` and `--mount type=volume,source=NAME` refer to (the
/// engine creates missing ones at create time; we remove the ones it created for us).
pub fn named_volumes(binds: &[String], mounts: &[Mount]) -> Vec<String> {
    let from_binds = binds.iter().filter_map(|b| {
        let source = b.split(':').next()?;
        let named = !source.is_empty() && !source.starts_with('/');
        named.then(|| source.to_string())
    });
    let from_mounts = mounts.iter().filter_map(|m| {
        (m.typ == Some(MountType::VOLUME))
            .then(|| m.source.clone())
            .flatten()
            .filter(|s| !s.is_empty())
    });
    from_binds.chain(from_mounts).collect()
}

/// The host paths a container mounts, from its `-v` binds (`/host:/path[:options]`; a named
/// volume's source is a name, not a path) and its `--mount type=bind`.
pub fn bind_mounts(binds: &[String], mounts: &[Mount]) -> Vec<BindMount> {
    let from_binds = binds.iter().filter_map(|b| {
        let mut parts = b.split(':');
        let (source, target) = (parts.next()?, parts.next()?);
        source.starts_with('/').then(|| BindMount {
            source: source.to_string(),
            target: target.to_string(),
        })
    });
    let from_mounts = mounts
        .iter()
        .filter(|m| m.typ == Some(MountType::BIND))
        .filter_map(|m| {
            Some(BindMount {
                source: m.source.clone()?,
                target: m.target.clone()?,
            })
        });
    from_binds.chain(from_mounts).collect()
}

/// `--tmpfs /path[:options]`.
pub fn tmpfs(specs: &[String]) -> HashMap<String, String> {
    specs
        .iter()
        .map(|spec| match spec.split_once(':') {
            Some((path, opts)) => (path.to_string(), opts.to_string()),
            None => (spec.clone(), String::new()),
        })
        .collect()
}

/// `--mount type=bind,source=/a,target=/b,readonly` and the other keys the docker CLI knows.
pub fn mount(spec: &str) -> Result<Mount> {
    let mut m = Mount {
        typ: Some(MountType::VOLUME),
        ..Default::default()
    };
    let mut bind = MountBindOptions::default();
    let mut volume = MountVolumeOptions::default();
    let mut driver = MountVolumeOptionsDriverConfig::default();
    let mut tmpfs = MountTmpfsOptions::default();
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (key, value) = match field.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
            None => (field.trim().to_ascii_lowercase(), None),
        };
        let text = || {
            value
                .map(str::to_string)
                .with_context(|| format!("invalid --mount {spec:?}: {key} needs a value"))
        };
        match key.as_str() {
            "type" => {
                m.typ = Some(match text()?.as_str() {
                    "bind" => MountType::BIND,
                    "volume" => MountType::VOLUME,
                    "tmpfs" => MountType::TMPFS,
                    "npipe" => MountType::NPIPE,
                    other => bail!("invalid --mount {spec:?}: unknown type {other:?}"),
                })
            }
            "source" | "src" => m.source = Some(text()?),
            "target" | "destination" | "dst" => m.target = Some(text()?),
            "readonly" | "ro" => m.read_only = Some(flag(value, spec)?),
            "consistency" => m.consistency = Some(text()?),
            "bind-propagation" => {
                bind.propagation = Some(match text()?.as_str() {
                    "private" => MountBindOptionsPropagationEnum::PRIVATE,
                    "rprivate" => MountBindOptionsPropagationEnum::RPRIVATE,
                    "shared" => MountBindOptionsPropagationEnum::SHARED,
                    "rshared" => MountBindOptionsPropagationEnum::RSHARED,
                    "slave" => MountBindOptionsPropagationEnum::SLAVE,
                    "rslave" => MountBindOptionsPropagationEnum::RSLAVE,
                    other => bail!("invalid --mount {spec:?}: unknown bind-propagation {other:?}"),
                })
            }
            "bind-nonrecursive" => bind.non_recursive = Some(flag(value, spec)?),
            "volume-nocopy" => volume.no_copy = Some(flag(value, spec)?),
            "volume-driver" => driver.name = Some(text()?),
            "volume-label" | "volume-opt" => {
                let pair = text()?;
                let (k, v) = pair.split_once('=').unwrap_or((&pair, ""));
                let map = if key == "volume-label" {
                    volume.labels.get_or_insert_with(HashMap::new)
                } else {
                    driver.options.get_or_insert_with(HashMap::new)
                };
                map.insert(k.to_string(), v.to_string());
            }
            "tmpfs-size" => tmpfs.size_bytes = Some(parse_bytes(&text()?)?),
            "tmpfs-mode" => {
                let mode = text()?;
                tmpfs.mode = Some(i64::from_str_radix(&mode, 8).with_context(|| {
                    format!("invalid --mount {spec:?}: tmpfs-mode {mode:?} is not octal")
                })?)
            }
            other => bail!("invalid --mount {spec:?}: unknown key {other:?}"),
        }
    }
    if m.target.is_none() {
        bail!("invalid --mount {spec:?}: target is required");
    }
    if bind != MountBindOptions::default() {
        m.bind_options = Some(bind);
    }
    if driver != MountVolumeOptionsDriverConfig::default() {
        volume.driver_config = Some(driver);
    }
    if volume != MountVolumeOptions::default() {
        m.volume_options = Some(volume);
    }
    if tmpfs != MountTmpfsOptions::default() {
        m.tmpfs_options = Some(tmpfs);
    }
    Ok(m)
}

fn flag(value: Option<&str>, spec: &str) -> Result<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => bail!("invalid --mount {spec:?}: {other:?} is not true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_specs() {
        let v = volumes(&["/data".into(), "name:/x:ro".into(), "/h:/c".into()]).unwrap();
        assert_eq!(v.anonymous, ["/data"]);
        assert_eq!(v.binds, ["name:/x:ro", "/h:/c"]);
        assert_eq!(named_volumes(&v.binds, &[]), ["name"]);
    }

    #[test]
    fn mount_specs() {
        let m = mount("type=bind,src=/a,dst=/b,readonly").unwrap();
        assert_eq!(m.typ, Some(MountType::BIND));
        assert_eq!(m.source.as_deref(), Some("/a"));
        assert_eq!(m.target.as_deref(), Some("/b"));
        assert_eq!(m.read_only, Some(true));
        let t = mount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777").unwrap();
        let opts = t.tmpfs_options.unwrap();
        assert_eq!(opts.size_bytes, Some(1 << 20));
        assert_eq!(opts.mode, Some(0o1777));
        assert!(mount("type=bind,src=/a").is_err());
        assert!(mount("type=bind,bogus=1,target=/b").is_err());
        let v = mount("source=vol,target=/v").unwrap();
        assert_eq!(named_volumes(&[], &[v]), ["vol"]);
    }

    #[test]
    fn tmpfs_specs() {
        let t = tmpfs(&["/run".into(), "/tmp:rw,size=64m".into()]);
        assert_eq!(t["/run"], "");
        assert_eq!(t["/tmp"], "rw,size=64m");
    }
}
