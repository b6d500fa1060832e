//! The HTTP port over TLS: an axum [`Listener`] whose connections have
//! finished their TLS handshake. Handshakes run on their own tasks (at most
//! [`MAX_PENDING_HANDSHAKES`] at once, each within the server's handshake
//! timeout), so one slow or silent client never holds up the others; a
//! failed handshake is logged at debug and dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::Listener;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::grpc::connections::{Counted, CountedListener};
use crate::grpc::server::TLS_HANDSHAKE_TIMEOUT;

/// Handshakes in progress at once; further connections wait in the
/// kernel's accept queue.
pub const MAX_PENDING_HANDSHAKES: usize = 256;

/// Connections accepted on a TCP listener and through TLS.
pub struct TlsListener {
    local_address: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<Counted<TcpStream>>, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `listener`; the accepting task ends when the
    /// listener is dropped.
    pub fn new(listener: CountedListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local_address = listener.listener.local_addr()?;
        let (sender, ready) = mpsc::channel(MAX_PENDING_HANDSHAKES);
        tokio::spawn(accept_loop(listener, acceptor, sender));
        Ok(TlsListener {
            local_address,
            ready,
        })
    }
}

async fn accept_loop(
    listener: CountedListener,
    acceptor: TlsAcceptor,
    sender: mpsc::Sender<(TlsStream<Counted<TcpStream>>, SocketAddr)>,
) {
    let pending = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    loop {
        let Ok(permit) = Arc::clone(&pending).acquire_owned().await else {
            return;
        };
        let stream = tokio::select! {
            stream = listener.limit.accept(&listener.listener) => stream,
            _ = sender.closed() => return,
        };
        let address = stream
            .peer_address()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let acceptor = acceptor.clone();
        let sender = sender.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let _ = sender.send((stream, address)).await;
                }
                Ok(Err(error)) => tracing::debug!(%address, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%address, "TLS handshake timed out"),
            }
        });
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<Counted<TcpStream>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task only ends once this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_address)
    }
}
