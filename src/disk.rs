//! Reading I/O errors: whether one means that the disk (or the user's
//! quota) is full, which retrying will not fix until space is freed. The
//! store reads sled's errors with it, the index tantivy's. Some failures
//! do not carry their cause (tantivy's writer thread dies of an I/O error
//! and reports only that it was killed); for those, [`free_bytes`] tells
//! whether the disk is what ran out.

/// True for the errors of a full disk or an exhausted quota.
pub fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || matches!(
        error.raw_os_error(),
        Some(libc::ENOSPC) | Some(libc::EDQUOT)
    )
}

/// Bytes an unprivileged process may still write on the file system
/// holding `path`, if the system says.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string and `stats` is written by
    // the call before it is read, only when the call succeeds.
    let stats = unsafe {
        if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    Some((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_for_a_folder_and_not_for_a_missing_one() {
        let directory = tempfile::tempdir().unwrap();
        assert!(free_bytes(directory.path()).is_some_and(|bytes| bytes > 0));
        assert_eq!(free_bytes(&directory.path().join("absent")), None);
    }
}
