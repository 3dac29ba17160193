#!/usr/bin/env bash
# Regenerates the Go code for plugin.proto. Needs Debian's protobuf-compiler
# (apt-get install protobuf-compiler); the Go plugins come from the module
# proxy at the versions pinned here.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN=$bin go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
GOBIN=$bin go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
PATH=$bin:$PATH protoc --go_out=. --go_opt=module=github.com/switchboard-xmpp/switchboard/sdk/proto \
	--go-grpc_out=. --go-grpc_opt=module=github.com/switchboard-xmpp/switchboard/sdk/proto \
	plugin.proto
