//! The one mapping from service errors (and refused callers) to gRPC
//! status codes. The matches are exhaustive with no wildcard, so a new
//! error variant forces a decision.

use tonic::{Code, Status};

use crate::auth::Refusal;
use crate::cluster::ClusterError;
use crate::index::IndexError;
use crate::service::ServiceError;
use crate::store::StoreError;

pub fn to_status(error: ServiceError) -> Status {
    let message = error.to_string();
    match error {
        ServiceError::InvalidArgument { .. } => Status::invalid_argument(message),
        ServiceError::NotFound(_) => Status::not_found(message),
        ServiceError::WorkerFailed(_) => Status::internal(message),
        ServiceError::ShuttingDown => Status::unavailable(message),
        ServiceError::Cancelled => Status::cancelled(message),
        ServiceError::OverBudget(_) => Status::resource_exhausted(message),
        ServiceError::WritesStopped(_) => Status::resource_exhausted(message),
        ServiceError::Store(store_error) => match store_error {
            StoreError::Io(_) => Status::unavailable(message),
            StoreError::Damaged(_) | StoreError::Unreadable(_) => Status::data_loss(message),
            StoreError::Sled(_) | StoreError::Encode(_) => Status::internal(message),
            StoreError::DiskFull(_) => Status::resource_exhausted(message),
            StoreError::Corrupt(_) => Status::data_loss(message),
            StoreError::SchemaMismatch { .. } => Status::failed_precondition(message),
            StoreError::Exhausted => Status::resource_exhausted(message),
            StoreError::Locked { .. } => Status::failed_precondition(message),
            StoreError::CreateDirectory(_)
            | StoreError::Unfinished(_)
            | StoreError::Absent { .. } => Status::failed_precondition(message),
        },
        ServiceError::NotApplied { .. } => Status::unavailable(message),
        ServiceError::Cluster(cluster_error) => match cluster_error {
            ClusterError::Nul(_) => Status::invalid_argument(message),
            ClusterError::Corrupt(_) => Status::data_loss(message),
            ClusterError::Address(_) => Status::failed_precondition(message),
            transient if transient.is_transient() => Status::unavailable(message),
            ClusterError::Unavailable(_) | ClusterError::Database(_) => Status::internal(message),
        },
        ServiceError::Index(index_error) => match index_error {
            IndexError::NoSpace(_) => Status::resource_exhausted(message),
            full if full.is_disk_full() => Status::resource_exhausted(message),
            IndexError::Tantivy(_) => Status::internal(message),
            IndexError::Folder { .. } | IndexError::Payload(_) => {
                Status::failed_precondition(message)
            }
        },
    }
}

/// A refused caller: no usable token is `UNAUTHENTICATED`, a token
/// without the method's scope `PERMISSION_DENIED`.
pub fn refusal_status(refusal: Refusal) -> Status {
    let message = refusal.to_string();
    match refusal {
        Refusal::Missing | Refusal::Malformed | Refusal::Unknown => {
            Status::unauthenticated(message)
        }
        Refusal::LacksScope { .. } => Status::permission_denied(message),
    }
}

/// The code's name as the gRPC specification spells it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    /// The error of a task cancelled before it ran.
    fn cancelled_task() -> tokio::task::JoinError {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let task = tokio::spawn(std::future::pending::<()>());
            task.abort();
            task.await.unwrap_err()
        })
    }

    #[test]
    fn codes_table() {
        let cases = [
            (
                ServiceError::InvalidArgument {
                    field: "claim",
                    message: "must not be empty".into(),
                },
                Code::InvalidArgument,
            ),
            (ServiceError::NotFound("x".into()), Code::NotFound),
            (ServiceError::ShuttingDown, Code::Unavailable),
            (ServiceError::WorkerFailed(cancelled_task()), Code::Internal),
            (
                ServiceError::Store(StoreError::Corrupt("x".into())),
                Code::DataLoss,
            ),
            (
                ServiceError::Store(StoreError::SchemaMismatch {
                    found: 2,
                    expected: 1,
                }),
                Code::FailedPrecondition,
            ),
            (
                ServiceError::Store(StoreError::Exhausted),
                Code::ResourceExhausted,
            ),
            (
                ServiceError::Store(StoreError::DiskFull(std::io::Error::from(
                    std::io::ErrorKind::StorageFull,
                ))),
                Code::ResourceExhausted,
            ),
        ];
        for (error, code) in cases {
            let text = error.to_string();
            let status = to_status(error);
            assert_eq!(status.code(), code, "{text}");
            assert_eq!(status.message(), text);
        }
    }
}
