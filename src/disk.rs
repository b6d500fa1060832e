//! Reading I/O errors: whether one means that the disk (or the user's
//! quota) is full, which retrying will not fix until space is freed. The
//! store reads sled's errors with it, the index tantivy's.

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
