//! `docker-diagnose demo`: a broken sample image built from a context compiled into the binary
//! (`fixtures/demo/`: a `FROM scratch` image whose start script has CRLF line endings, so its
//! `#!/bin/sh\r` line names an interpreter that cannot exist). No registry is needed.

use std::sync::Arc;

use anyhow::Result;
use bollard::Docker;

use super::build;
use super::cleanup::Cleanup;

const DOCKERFILE: &[u8] = include_bytes!("../../fixtures/demo/Dockerfile");
const START_SH: &[u8] = include_bytes!("../../fixtures/demo/start.sh");

/// Builds the demo image (`docker-diagnose-demo:<run id>`); returns its tag, registered for
/// removal.
pub async fn build_image(docker: &Docker, cleanup: &Arc<Cleanup>) -> Result<String> {
    build::build_tar(docker, "docker-diagnose-demo", context()?, cleanup).await
}

/// The embedded build context as a tar.
fn context() -> Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data, mode) in [
        ("Dockerfile", DOCKERFILE, 0o644),
        ("start.sh", START_SH, 0o755),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        tar.append_data(&mut header, name, data)?;
    }
    Ok(tar.into_inner()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_script_keeps_its_crlf() {
        assert!(super::START_SH.starts_with(b"#!/bin/sh\r\n"));
    }
}
