# hub-manager: the two commands a newcomer needs are `make demo` and `make test`.
DOTNET    ?= dotnet
CONFIG    ?= Release
ARTIFACTS := artifacts
REVISION  := $(shell git rev-parse --short HEAD 2>/dev/null)
# Exported for test/run-tests. Recipes are plain commands, so make runs them without a shell in
# between and its SIGTERM reaches them (make passes SIGTERM to its children).
export DOTNET CONFIG
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: deps build publish test demo deb bench soak method-order clean

# The Debian packages the tests and the demo need that a new machine lacks (apt-get; root). Both
# `make test` and `make demo` start with it; it returns at once when everything is there.
deps:
	test/install-deps

build:
	$(DOTNET) build HubManager.slnx -c $(CONFIG)

# One native file, artifacts/hub-manager. Trim/AOT warnings are errors (TreatWarningsAsErrors).
publish:
	$(DOTNET) publish src/HubManager/HubManager.csproj -c Release -o $(ARTIFACTS)/publish -p:SourceRevisionId=$(REVISION)
	install -m 0755 $(ARTIFACTS)/publish/hub-manager $(ARTIFACTS)/hub-manager
	@ls -l $(ARTIFACTS)/hub-manager

# Unit tests, plus integration tests that drive artifacts/hub-manager in a real systemd sandbox (root).
# Interrupted (Ctrl-C, SIGTERM) or not, it leaves no sandbox running.
test: deps publish
	test/run-tests

# Boots a sandbox with a demo hub and the manager on 127.0.0.1:3081; Ctrl-C tears it down.
demo: deps publish
	test/sandbox/demo

# The Debian package, artifacts/hub-manager_<version>_amd64.deb (dpkg-deb; no debhelper needed).
deb: publish
	packaging/build-deb

# Not part of make test: the manager against what it replaces (systemctl/journalctl spawns, bare
# Kestrel, Node/Express, curl | tar), in a real systemd sandbox; writes BENCHMARKS.md. Root, ~6 min.
bench: publish
	$(DOTNET) publish test/bench/BareKestrel/BareKestrel.csproj -c Release -o $(ARTIFACTS)/bench/bare-kestrel
	test/bench/run

# Not part of make test: ten minutes of hostile input (header bombs, connection floods, stalled followers,
# a hostile NAS...) between normal requests against the packaged manager; its figures go into BENCHMARKS.md.
soak: publish
	test/bench/soak

# Not part of the build: re-measures which methods start-up and GET /status run and rewrites
# src/HubManager/hub-manager.order (the layout that keeps idle RSS low). Root; run after large changes.
method-order: publish
	test/bench/method-order

clean:
	rm -rf $(ARTIFACTS) TestResults
	$(DOTNET) clean HubManager.slnx -c $(CONFIG) >/dev/null
