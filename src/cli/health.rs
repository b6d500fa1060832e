//! `claimcheck health`: asks a running service whether it is serving, for
//! container health checks and scripts. Prints the status and exits 0 only
//! for SERVING; a service that cannot be reached, or does not answer in
//! time, is reported on stderr with a failure status.

use std::process::ExitCode;
use std::time::Duration;

use crate::config::HealthArgs;
use crate::grpc::serving_status;

pub async fn run(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let timeout = Duration::from_secs(args.timeout_seconds);
    let server = &args.connection.server;
    let credentials = &args.connection.credentials;
    match serving_status(server, credentials, &args.service, timeout).await {
        Ok(status) => {
            println!("{status}");
            Ok(if status == "SERVING" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(error) => {
            let error = anyhow::Error::from(error);
            eprintln!(
                "error: {server}: {}",
                crate::cli::error_chain(error.chain())
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
