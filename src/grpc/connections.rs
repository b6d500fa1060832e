//! A cap on the connections both ports hold open together. Each accepted
//! connection carries a permit that goes back when it closes; at the cap
//! the ports stop accepting, so further clients wait in the kernel's
//! backlog instead of taking file descriptors and memory. A failed accept
//! (out of file descriptors, say) is logged and retried after a pause
//! rather than in a busy loop.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// The default cap on open connections, both ports together; lowered at
/// start to leave room under the process's file-descriptor limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// File descriptors kept free for the store and the rest of the process.
const RESERVED_DESCRIPTORS: u64 = 128;
/// The pause after a failed accept.
const ACCEPT_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Permits for open connections, shared by both ports.
#[derive(Debug, Clone)]
pub struct ConnectionLimit {
    permits: Arc<Semaphore>,
    max: usize,
}

impl ConnectionLimit {
    /// At most `wanted` connections, and fewer when the process may not
    /// open that many files.
    pub fn new(wanted: usize) -> ConnectionLimit {
        let max = wanted.min(descriptor_room()).max(1);
        ConnectionLimit {
            permits: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Accepts the next connection once a permit is free.
    pub async fn accept(&self, listener: &TcpListener) -> Counted<TcpStream> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed");
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    // Without TCP_NODELAY, a response larger than one
                    // segment waits for the client's delayed ACK (about
                    // 40 ms) before its last part is sent.
                    let _ = stream.set_nodelay(true);
                    return Counted {
                        inner: stream,
                        _permit: permit,
                    };
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed; trying again shortly");
                    tokio::time::sleep(ACCEPT_RETRY_PAUSE).await;
                }
            }
        }
    }

    /// The connections of `listener`, one permit each, for tonic.
    pub fn incoming(
        self,
        listener: TcpListener,
    ) -> impl Stream<Item = io::Result<Counted<TcpStream>>> {
        futures_util::stream::unfold((self, listener), |(limit, listener)| async move {
            let connection = limit.accept(&listener).await;
            Some((Ok(connection), (limit, listener)))
        })
    }
}

/// How many descriptors the process may still open, less a reserve.
fn descriptor_room() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if !known || limit.rlim_cur == libc::RLIM_INFINITY {
        return usize::MAX;
    }
    limit.rlim_cur.saturating_sub(RESERVED_DESCRIPTORS) as usize
}

/// A connection holding its permit until it is dropped.
#[derive(Debug)]
pub struct Counted<T> {
    inner: T,
    _permit: OwnedSemaphorePermit,
}

impl Counted<TcpStream> {
    /// The client's address, when the socket still knows it.
    pub fn peer_address(&self) -> Option<std::net::SocketAddr> {
        self.inner.peer_addr().ok()
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(context, buffer)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(context, buffer)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(context)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl Connected for Counted<TcpStream> {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

/// The HTTP port's plain listener, under the same cap.
pub struct CountedListener {
    pub listener: TcpListener,
    pub limit: ConnectionLimit,
}

impl axum::serve::Listener for CountedListener {
    type Io = Counted<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let connection = self.limit.accept(&self.listener).await;
        let address = connection
            .peer_address()
            .unwrap_or_else(|| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
        (connection, address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_the_cap_the_next_connection_waits_until_one_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let limit = ConnectionLimit::new(1);
        assert_eq!(limit.max(), 1);
        let _first_client = TcpStream::connect(address).await.unwrap();
        let _second_client = TcpStream::connect(address).await.unwrap();
        let first = limit.accept(&listener).await;
        let waiting =
            tokio::time::timeout(Duration::from_millis(100), limit.accept(&listener)).await;
        assert!(waiting.is_err(), "the second waits while the first is open");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), limit.accept(&listener)).await;
        assert!(second.is_ok(), "and is accepted once the first closes");
    }
}
