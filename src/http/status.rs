//! gRPC status codes as HTTP statuses, and the JSON error body. The code
//! table is the one Google's HTTP/JSON transcoding uses
//! (google.rpc.Code), exhaustive with no wildcard; the body carries the
//! gRPC code name and message as `{"error": {"code": 400, "status":
//! "INVALID_ARGUMENT", "message": "claim: must not be empty"}}`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tonic::{Code, Status};

use crate::grpc::status::code_name;

/// A failed call, answered as JSON.
#[derive(Debug)]
pub struct HttpError(Status);

impl From<Status> for HttpError {
    fn from(status: Status) -> Self {
        HttpError(status)
    }
}

/// The HTTP status for a gRPC code.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = http_status(self.0.code());
        let body = serde_json::json!({
            "error": {
                "code": status.as_u16(),
                "status": code_name(self.0.code()),
                "message": self.0.message(),
            }
        });
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_transcoding_table() {
        let cases = [
            (Code::InvalidArgument, 400, "INVALID_ARGUMENT"),
            (Code::NotFound, 404, "NOT_FOUND"),
            (Code::ResourceExhausted, 429, "RESOURCE_EXHAUSTED"),
            (Code::Unavailable, 503, "UNAVAILABLE"),
            (Code::DataLoss, 500, "DATA_LOSS"),
            (Code::FailedPrecondition, 400, "FAILED_PRECONDITION"),
            (Code::Unauthenticated, 401, "UNAUTHENTICATED"),
            (Code::PermissionDenied, 403, "PERMISSION_DENIED"),
            (Code::DeadlineExceeded, 504, "DEADLINE_EXCEEDED"),
        ];
        for (code, http, name) in cases {
            assert_eq!(http_status(code).as_u16(), http, "{code:?}");
            assert_eq!(code_name(code), name);
        }
    }
}
