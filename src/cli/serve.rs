//! `claimcheck serve`: opens the store, warms it up in the background,
//! binds the gRPC and HTTP ports, serves until SIGINT/SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::auth::Access;
use crate::cluster::Cluster;
use crate::config::{ServeArgs, ServeSettings};
use crate::engine::{warm_up_store_bytes, Engine};
use crate::grpc::server::{serve, Listeners, ServerOptions};
use crate::service::Service;
use crate::store::Store;

/// Listens for SIGINT and SIGTERM from now on (before the address is
/// printed, so a supervisor that signals as soon as it reads the address is
/// heard); the future completes at the first of them.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut signals: Vec<_> = [SignalKind::interrupt(), SignalKind::terminate()]
        .into_iter()
        .filter_map(|kind| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::warn!(%error, ?kind, "cannot listen for a stop signal");
                None
            }
        })
        .collect();
    async move {
        if signals.is_empty() {
            return std::future::pending().await;
        }
        let waits = signals.iter_mut().map(|signal| Box::pin(signal.recv()));
        futures_util::future::select_all(waits).await;
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = ServeSettings::try_from(args)?;
    let shutdown = shutdown_signal();
    let mut service =
        Service::open(&settings.data_dir, settings.caches, settings.limits.clone())
            .with_context(|| format!("cannot open the store in {}", settings.data_dir.display()))?;
    warm_up_in_background(&service, warm_up_store_bytes(settings.caches.sled_bytes));
    // Stops following the cluster's log once serving has stopped.
    let (stop_following, following_stopped) = tokio::sync::watch::channel(false);
    if let Some(cluster) = &settings.cluster {
        let node = Cluster::start(
            &cluster.address,
            cluster.connections,
            service.engine(),
            following_stopped,
        )
        .await
        .context("cannot join the cluster (--cluster)")?;
        tracing::info!(
            applied = node.applied(),
            "cluster mode: following the cluster's change log"
        );
        service = service.with_cluster(node);
    }
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    let http = match settings.http_listen {
        Some(http_address) => Some(
            TcpListener::bind(http_address)
                .await
                .with_context(|| format!("cannot listen on {http_address} (--http-listen)"))?,
        ),
        None => None,
    };
    tracing::info!(%address, data_dir = %settings.data_dir.display(), "claimcheck serving");
    match settings.access.as_ref() {
        Access::Tokens(table) => {
            tracing::info!(tokens = table.len(), "requests need a bearer token")
        }
        Access::Open => tracing::warn!(
            "no --auth-tokens: every request is accepted, from anyone who can reach the ports"
        ),
    }
    // The address ends the line: scripts take the last word.
    println!("claimcheck listening on {address}");
    let scheme = match &settings.tls {
        Some(tls) => {
            tracing::info!(
                mutual = tls.is_mutual(),
                "TLS on both ports; plain-text connections are refused"
            );
            "https"
        }
        None => "http",
    };
    if let Some(http) = &http {
        let http_address = http.local_addr()?;
        tracing::info!(%http_address, "HTTP: JSON API and the page");
        println!("claimcheck HTTP (JSON API and web page) on {scheme}://{http_address}");
    }
    serve(
        Listeners {
            grpc: listener,
            http,
        },
        Arc::new(service),
        ServerOptions {
            access: Arc::clone(&settings.access),
            stream_concurrency: settings.stream_concurrency,
            shutdown_grace: settings.shutdown_grace,
            http_header_timeout: settings.http_header_timeout,
            tls: settings.tls.clone(),
            max_connections: settings.max_connections,
            rate_limit_per_second: settings.rate_limit_per_second,
        },
        shutdown,
    )
    .await?;
    let _ = stop_following.send(true);
    record_store_snapshot(settings.data_dir.clone()).await;
    Ok(ExitCode::SUCCESS)
}

/// Runs [`Engine::warm_up`] on a thread of its own while the service
/// already answers: checks are right meanwhile, only slower.
fn warm_up_in_background(service: &Service, store_bytes: u64) {
    let engine = Arc::downgrade(&service.engine());
    let spawned = std::thread::Builder::new()
        .name("warm-up".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            match Engine::warm_up(&engine, store_bytes) {
                Ok(warmed) if warmed.finished => tracing::info!(
                    index_mib = warmed.index_bytes >> 20,
                    store_mib = warmed.store_bytes >> 20,
                    seconds = started.elapsed().as_secs_f64(),
                    "warmed up: the search index's pages and the newest documents are in memory"
                ),
                Ok(_) => tracing::info!("warm-up stopped: the service stopped"),
                Err(error) => {
                    tracing::warn!(%error, "warm-up failed; checks read from disk as they need")
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "warm-up not started; checks read from disk as they need");
    }
}

/// After a clean stop, has the store record a snapshot so that the next
/// start does not replay this run's writes (see [`Store::record_snapshot`]).
/// The store is closed by then, unless work the shutdown left on the
/// worker pool still holds it; then the next start replays, as after a
/// crash, and nothing is lost either way.
async fn record_store_snapshot(data_dir: std::path::PathBuf) {
    let started = std::time::Instant::now();
    let recorded = tokio::task::spawn_blocking(move || Store::record_snapshot(&data_dir)).await;
    match recorded {
        Ok(Ok(())) => tracing::info!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            "store snapshot recorded: the next start reads it instead of replaying this run's writes"
        ),
        Ok(Err(error)) => tracing::warn!(
            %error,
            "store snapshot not recorded: the next start replays this run's writes"
        ),
        Err(error) => tracing::warn!(%error, "store snapshot not recorded"),
    }
}
