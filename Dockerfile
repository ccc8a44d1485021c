# syntax=docker/dockerfile:1
# Multi-stage build: echarts from npm, the Go binary with cgo (SQLite), then a
# small runtime image that runs as a non-root user with its data on a volume.

FROM node:20-bookworm-slim AS assets
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/web/node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/insights ./cmd/insights

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata wget \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/insights --create-home insights
COPY --from=build /out/insights /usr/local/bin/insights
USER insights
WORKDIR /var/lib/insights
VOLUME ["/var/lib/insights"]
ENV INSIGHTS_ADDR=0.0.0.0:8080 \
    INSIGHTS_DB=/var/lib/insights/insights.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
# serve applies pending migrations before it listens.
ENTRYPOINT ["/usr/local/bin/insights"]
CMD ["serve"]
