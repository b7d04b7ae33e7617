# syntax=docker/dockerfile:1
# paperboy's container image: a static-ish Go binary (cgo for go-sqlite3, built with FTS5)
# on a small glibc base, running as a non-root user with the database on the /data volume.
#
#   docker build -t paperboy .
#   docker run -d --name paperboy -v paperboy-data:/data --env-file paperboy.env paperboy
#
# See compose.yaml for a complete example and README.md ("Deploy") for what is verified how.

ARG GO_VERSION=1.26
ARG DEBIAN=trixie

FROM golang:${GO_VERSION}-${DEBIAN} AS build
# gcc and the libc headers come with the golang image; cgo is on by default.
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -tags sqlite_fts5 -trimpath -ldflags="-s -w" -o /out/paperboy ./cmd/paperboy

FROM debian:${DEBIAN}-slim
# ca-certificates: HTTPS to Slack, Discord, arXiv, Hugging Face and the model.
# wget: the HEALTHCHECK's client (curl would pull in more libraries).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates wget tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin paperboy \
 && mkdir /data && chown paperboy:paperboy /data
COPY --from=build /out/paperboy /usr/local/bin/paperboy

USER paperboy
WORKDIR /data
VOLUME /data
# The database lives on the volume. The ops listener (/healthz, /readyz, /metrics) binds
# the container's loopback by default: the HEALTHCHECK runs inside the container. To let
# Prometheus scrape it from outside, set PAPERBOY_OPS_LISTEN=0.0.0.0:9090 and publish the
# port (compose.yaml publishes it on the host's loopback only).
ENV PAPERBOY_DB=/data/paperboy.db \
    PAPERBOY_OPS_LISTEN=127.0.0.1:9090
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:9090/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["paperboy"]
CMD ["run"]
