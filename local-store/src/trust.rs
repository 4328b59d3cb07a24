//! The data folder's rule: the local API and the admin CLI use the data
//! folder, the secret and the database only if the current user owns them and
//! nobody else can read or write them. A secret someone else could write lets
//! them forge tokens, a database they could write lets them add an admin, and
//! either one they could read gives away the key or the hashes. Symbolic links
//! are refused rather than followed: they would make the check about the link
//! and the use about whatever it points to.
//!
//! Once the folder passes, nobody else can add, swap or rename anything in it,
//! so checking a file and then opening it leaves no gap for another user.

use std::fmt;
use std::path::{Path, PathBuf};

/// What a checked path is for; it decides the fix the message suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    DataFolder,
    Secret,
    Database,
}

impl Role {
    fn is_folder(self) -> bool {
        self == Self::DataFolder
    }

    /// The permissions to set: owner-only.
    fn mode(self) -> u32 {
        if self.is_folder() { 0o700 } else { 0o600 }
    }

    /// What else the user can do instead of fixing the path.
    fn or_else(self) -> &'static str {
        match self {
            Self::DataFolder => "or choose a folder of your own with --data-dir (LOCAL_DATA_DIR)",
            Self::Secret => "or delete it to generate a new secret",
            Self::Database => "or delete it to start with an empty user store",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DataFolder => "data folder",
            Self::Secret => "JWT secret file",
            Self::Database => "user database file",
        })
    }
}

/// What the rule reads from a path's `lstat` (or an open file's `fstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub owner: u32,
    /// Permission bits.
    pub mode: u32,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Folder,
    File,
    Symlink,
    Other,
}

/// Why a path is not trusted. Each message names the path and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error("the {role} {} is a symbolic link, which is not followed: replace it with the {} itself", path.display(), if role.is_folder() { "folder" } else { "file" })]
    Symlink { path: PathBuf, role: Role },
    #[error("the {role} {} is not a {}: remove it, {}", path.display(), if role.is_folder() { "folder" } else { "regular file" }, role.or_else())]
    WrongKind { path: PathBuf, role: Role },
    #[error("the {role} {} belongs to user id {owner}, not to you (user id {current}): use one you own, {}", path.display(), role.or_else())]
    NotOwned { path: PathBuf, role: Role, owner: u32, current: u32 },
    #[error("the {role} {} is open to its group or others (mode {mode:03o}): run `chmod {:o} {}`, {}", path.display(), role.mode(), path.display(), role.or_else())]
    TooOpen { path: PathBuf, role: Role, mode: u32 },
    #[error("cannot inspect the {role} {}: {cause}", path.display())]
    Unreadable { path: PathBuf, role: Role, cause: String },
}

/// The rule itself, on what was observed of `path`.
pub fn check(path: &Path, role: Role, observed: Observed, current_uid: u32) -> Result<(), Untrusted> {
    let path = path.to_path_buf();
    let expected = if role.is_folder() { Kind::Folder } else { Kind::File };
    if observed.kind == Kind::Symlink {
        return Err(Untrusted::Symlink { path, role });
    }
    if observed.kind != expected {
        return Err(Untrusted::WrongKind { path, role });
    }
    if observed.owner != current_uid {
        return Err(Untrusted::NotOwned { path, role, owner: observed.owner, current: current_uid });
    }
    if observed.mode & 0o077 != 0 {
        return Err(Untrusted::TooOpen { path, role, mode: observed.mode & 0o7777 });
    }
    Ok(())
}

#[cfg(unix)]
fn observe(metadata: &std::fs::Metadata) -> Observed {
    use std::os::unix::fs::MetadataExt;
    let kind = match metadata.file_type() {
        t if t.is_symlink() => Kind::Symlink,
        t if t.is_dir() => Kind::Folder,
        t if t.is_file() => Kind::File,
        _ => Kind::Other,
    };
    Observed { owner: metadata.uid(), mode: metadata.mode(), kind }
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Checks the path itself (a symbolic link is refused, not followed).
/// `Ok(false)` when it does not exist.
pub fn verify(path: &Path, role: Role) -> Result<bool, Untrusted> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(Untrusted::Unreadable { path: path.to_path_buf(), role, cause: err.to_string() }),
    };
    verify_metadata(path, role, &metadata)?;
    Ok(true)
}

/// Checks an open file's own metadata (`fstat`), so what is checked is what is read.
pub fn verify_open(path: &Path, role: Role, file: &std::fs::File) -> Result<(), Untrusted> {
    let metadata = file.metadata().map_err(|err| Untrusted::Unreadable {
        path: path.to_path_buf(),
        role,
        cause: err.to_string(),
    })?;
    verify_metadata(path, role, &metadata)
}

#[cfg(unix)]
fn verify_metadata(path: &Path, role: Role, metadata: &std::fs::Metadata) -> Result<(), Untrusted> {
    check(path, role, observe(metadata), current_uid())
}

/// Elsewhere there are no Unix owners and modes to check.
#[cfg(not(unix))]
fn verify_metadata(_: &Path, _: Role, _: &std::fs::Metadata) -> Result<(), Untrusted> {
    Ok(())
}

#[cfg(test)]
mod tests;
