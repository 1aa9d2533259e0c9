# PosBridge: the two commands of the README, and the steps they are made of.
#   make run    build and start the desktop app (demo mode on the built-in simulators until you connect real systems)
#   make test   every test: Rust (unit, contract, scenario), UI in headless Chromium, the real app under Xvfb
#   make dist   release installers in target/release/bundle: .deb, .rpm and .AppImage (15-25 min from scratch)
#   make dist-test   install the .deb in a throwaway root, check all three installers, start the AppImage under Xvfb
#   make bench-latency   time from a sale at the simulated till to its booking, and CCV reads while idle (a few minutes)
#   make bench-app   the release app's installer sizes, cold start, memory and CPU (prints a table)
# Both install what they need on a fresh Debian/Ubuntu machine first, and are quick when nothing changed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# Debian packages: to build the app (WebKitGTK 4.1, tray, D-Bus for the keyring) ...
APT_BUILD := build-essential pkg-config file libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev \
             libayatana-appindicator3-dev librsvg2-dev libxdo-dev
# ... to run it without a screen, with a keyring, and to drive it (tests).
APT_TEST := xvfb xauth dbus-x11 gnome-keyring webkit2gtk-driver fonts-dejavu-core chromium imagemagick
TAURI_DRIVER_VERSION := 2.1.0
CARGO_DENY_VERSION := 0.20.2

UI_SOURCES := $(shell find ui/src ui/public ui/tests/harness -type f 2>/dev/null) \
              ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json ui/package.json

# ... to make and check the installers (the AppImage is assembled from Debian's tools).
APT_DIST := squashfs-tools patchelf desktop-file-utils rpm libfuse2 xdotool x11-utils imagemagick
VERSION := $(shell python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
BUNDLE := target/release/bundle
APPIMAGE := $(BUNDLE)/appimage/PosBridge_$(VERSION)_amd64.AppImage

.PHONY: help run test apt-build apt-test apt-dist ui ui-harness rust-test ui-test keyring-test e2e lint bindings tauri-driver demo clean bench-chaos bench-latency audit cargo-deny dist dist-test bench-app

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

## The two commands ############################################################################

run: apt-build ui
	$(CARGO) build --locked -p posbridge-app
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  ./target/debug/posbridge-app; \
	else \
	  echo "No display here: starting PosBridge on a virtual display (Xvfb). Use a desktop session to see the window."; \
	  $(MAKE) --no-print-directory apt-test; \
	  tools/with-desktop.sh ./target/debug/posbridge-app; \
	fi

test: apt-build apt-test tauri-driver cargo-deny ui ui-harness lint audit rust-test keyring-test ui-test e2e
	@echo "All tests passed."

## Set-up ######################################################################################

# Installs only the packages that are missing, so a second run costs a dpkg query.
define apt_install
	missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

apt-build:
	@$(call apt_install,$(APT_BUILD))
	@command -v npm >/dev/null || { echo "Node.js 20.19+ with npm is needed (https://nodejs.org or your distribution)"; exit 1; }
	@command -v $(CARGO) >/dev/null || { echo "Rust is needed: https://rustup.rs"; exit 1; }

apt-test:
	@$(call apt_install,$(APT_TEST))

apt-dist:
	@$(call apt_install,$(APT_DIST))

# The test tools are built without their release profiles' fat LTO and single codegen unit (cargo
# deny's took most of the install's minutes): their speed does not matter, the build's does.
LEAN_INSTALL := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
                CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_STRIP=symbols

tauri-driver:
	@command -v tauri-driver >/dev/null || $(LEAN_INSTALL) $(CARGO) install --locked tauri-driver --version $(TAURI_DRIVER_VERSION)

cargo-deny:
	@command -v cargo-deny >/dev/null || $(LEAN_INSTALL) $(CARGO) install --locked cargo-deny --version $(CARGO_DENY_VERSION)

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build --silent
	@touch $@

ui/dist-harness/tests/harness/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build:harness --silent
	@touch $@

ui: ui/dist/index.html
ui-harness: ui/dist-harness/tests/harness/index.html

## The tests ###################################################################################

lint: ui
	$(CARGO) fmt --all -- --check
	cd ui && npm run check --silent

# What the dependencies bring: licences, bans, sources and RustSec advisories (cargo deny, see
# deny.toml; tools/deny.sh says which advisory database it could use), and the UI's production
# packages (npm audit).
audit: cargo-deny ui/node_modules/.package-lock.json
	tools/deny.sh
	tools/npm-audit.sh

# Every crate's tests, then the engine's stories once more against the other reading of what
# public sources contest (coding VAT rates as fractions, every private customer's prices incl. VAT),
# with the test binaries just built (tools/engine-readings.sh says why).
rust-test: ui
	$(CARGO) test --locked
	tools/engine-readings.sh

# The real OS keyring: gnome-keyring's Secret Service on a private D-Bus session.
keyring-test:
	tools/with-desktop.sh $(CARGO) test --locked -p engine --test keyring_secret_service -- --ignored

ui-test: ui-harness
	mkdir -p artifacts
	cd ui && npm test

# The built app, driven through tauri-driver on a headless desktop; screenshots in artifacts/.
e2e: ui tauri-driver
	$(CARGO) build --locked -p posbridge-app
	tools/with-desktop.sh tools/e2e.sh

## Installers ##################################################################################

# The .deb and .rpm from Tauri's bundler (the .deb also carries the `posbridge` CLI and its systemd
# user unit); the AppImage from the .deb by tools/build_appimage.py (Tauri's own AppImage step
# downloads its tools from GitHub). For a signed release, set POSBRIDGE_UPDATER_PUBKEY,
# POSBRIDGE_UPDATE_ENDPOINT and TAURI_SIGNING_PRIVATE_KEY (+ _PASSWORD): the installers then get
# updater signatures (.sig) and the app looks for updates (README, "Releases").
dist: apt-build apt-dist ui
	$(CARGO) build --locked --release -p cli
	python3 tools/dist_config.py target/dist/tauri.dist.json
	TAURI_APP_PATH=src-tauri ui/node_modules/.bin/tauri build --ci --bundles deb,rpm --config target/dist/tauri.dist.json
	python3 tools/build_appimage.py $(BUNDLE)/deb/PosBridge_$(VERSION)_amd64.deb $(APPIMAGE)
	@if [ -n "$${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then \
	  ui/node_modules/.bin/tauri signer sign --app-version $(VERSION) $(APPIMAGE); \
	fi
	@ls -l $(BUNDLE)/deb/*.deb $(BUNDLE)/rpm/*.rpm $(APPIMAGE)

# Needs the release build (`make dist`), so it is not part of `make test`.
dist-test: dist apt-test
	tools/dist-test.sh $(BUNDLE)/deb/PosBridge_$(VERSION)_amd64.deb $(BUNDLE)/rpm/PosBridge-$(VERSION)-1.x86_64.rpm $(APPIMAGE)

bench-app: dist apt-test
	tools/with-desktop.sh python3 tools/bench_app.py --bundle $(BUNDLE) --app target/release/posbridge-app --cli target/release/posbridge

## For developers ##############################################################################

# Regenerates ui/src/lib/bindings.ts from the Rust commands and events.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test --locked -p posbridge-app bindings_are_up_to_date

# From a sale at the simulated till to its booking (median, p95) and the CCV reads spent idle, on the real clock.
bench-latency:
	$(CARGO) bench --locked -p engine --bench sale_to_booking

# The chaos suite at benchmark size: 1,000 till sales, 50 kills; prints what it counted.
bench-chaos:
	$(CARGO) test --locked -p cli --test chaos -- --ignored --nocapture chaos_benchmark

clean:
	rm -rf ui/dist ui/dist-harness artifacts
	$(CARGO) clean
