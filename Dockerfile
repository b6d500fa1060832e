# Multi-stage build of the claimcheck gRPC service.
# Build:  docker build -t claimcheck .
# Run:    docker run -p 50051:50051 -v claimcheck-data:/var/lib/claimcheck claimcheck

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits reuse the cached dependency layer.
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY benches benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src src
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/claimcheck --shell /usr/sbin/nologin claimcheck \
    && mkdir -p /var/lib/claimcheck \
    && chown claimcheck:claimcheck /var/lib/claimcheck
COPY --from=build /src/target/release/claimcheck /usr/local/bin/claimcheck
USER claimcheck
# Listening on all addresses needs a token file (CLAIMCHECK_AUTH_TOKENS) or
# CLAIMCHECK_ALLOW_UNAUTHENTICATED=true; the server refuses to start
# without one or the other.
ENV CLAIMCHECK_LISTEN=0.0.0.0:50051 \
    CLAIMCHECK_HTTP_LISTEN=0.0.0.0:8080 \
    CLAIMCHECK_DATA_DIR=/var/lib/claimcheck \
    RUST_LOG=info
VOLUME ["/var/lib/claimcheck"]
EXPOSE 50051 8080
STOPSIGNAL SIGTERM
# The service's own health check (grpc.health.v1); the store opens and
# rebuilds its index before the server listens, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["claimcheck", "health", "--server", "http://127.0.0.1:50051", "--timeout-seconds", "4"]
ENTRYPOINT ["claimcheck"]
CMD ["serve"]
