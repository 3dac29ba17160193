#!/usr/bin/env bash
# Regenerates everything generated from the contract:
#   - the Go code for plugin.proto (pluginv1/);
#   - goplugin/*.proto, go-plugin's own services (broker, controller,
#     stdio), copied from the go-plugin version that sdk/go.mod pins: they
#     are part of the wire, but Go reaches them only inside go-plugin, and
#     a plugin in another language needs them as .proto files;
#   - the Python modules of the example plugin examples/plugins/python-motd
#     (gen/): plugin.proto, goplugin/*.proto and health/v1/health.proto.
# Needs Debian's protobuf-compiler and python3-grpc-tools (apt-get install
# protobuf-compiler python3-grpc-tools); the Go plugins come from the
# module proxy at the versions pinned here.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN=$bin go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
GOBIN=$bin go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
PATH=$bin:$PATH protoc --go_out=. --go_opt=module=github.com/switchboard-xmpp/switchboard/sdk/proto \
	--go-grpc_out=. --go-grpc_opt=module=github.com/switchboard-xmpp/switchboard/sdk/proto \
	plugin.proto

goplugin=$(cd .. && go list -m -f '{{.Dir}}' github.com/hashicorp/go-plugin)
for f in grpc_broker grpc_controller grpc_stdio; do
	install -m 0644 "$goplugin/internal/plugin/$f.proto" goplugin/
done

# Debian's protoc writes the message modules: the protoc inside
# python3-grpc-tools is older than Debian's python3-protobuf accepts.
# grpc_tools writes the service stubs.
py=../../examples/plugins/python-motd/gen
protos=(plugin.proto goplugin/*.proto health/v1/health.proto)
rm -rf "$py"
mkdir -p "$py"
protoc --python_out="$py" "${protos[@]}"
/usr/bin/python3 -m grpc_tools.protoc -I. --grpc_python_out="$py" "${protos[@]}"
