//! The data folder holds sealed addresses, keys and (with the file transport)
//! mails with plain addresses and live links: nobody but the service's own user
//! may read it. Everything undersign creates there is owner-only (folders 0700,
//! files 0600), and a folder that is already wider is reported loudly at start.

use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) owner-only if it does not exist, and warns if
/// an existing one can be read or entered by others. Never loosens or tightens an
/// existing folder: the operator may have a reason (a backup group); we say so.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    warn_if_shared(dir)
}

/// Writes a new file that only the owner can read.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = private_options().write(true).create(true).truncate(true).open(path)?;
    file.write_all(bytes)
}

/// Creates an empty owner-only file if there is none, so that a file another
/// library then opens (the SQLite database, whose WAL and shared-memory files take
/// its permissions) is never born readable by others.
pub fn touch_private_file(path: &Path) -> io::Result<()> {
    match private_options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => warn_if_shared(path),
        Err(error) => Err(error),
    }
}

fn private_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

fn warn_if_shared(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                "other users on this machine can read this part of the data folder, which holds \
                 signers' sealed addresses and keys; run chmod -R go= on the data folder"
            );
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_created_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data/outbox");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("data")), 0o700, "parents too");
        write_private_file(&dir.join("a.eml"), b"x").unwrap();
        assert_eq!(mode(&dir.join("a.eml")), 0o600);
        touch_private_file(&dir.join("db")).unwrap();
        assert_eq!(mode(&dir.join("db")), 0o600);
        touch_private_file(&dir.join("db")).unwrap();
    }
}
