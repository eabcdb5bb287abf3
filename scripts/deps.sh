# Installs what Purser needs to build (and, with `test`, to run its tests), only what is missing.
# Sourced by run-app.sh and test.sh; safe to run again.

set -euo pipefail

# Builds are kept outside the clone, so a fresh clone or a CI re-run is not a cold build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/purser-target}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_apt_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      say "Installing Rust (rustup)"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# The real kubectl checks that Purser's Kubernetes API test server speaks the protocol real
# clients use. It is not in Debian's archive; it comes from Kubernetes' own packages.
ensure_kubectl() {
  command -v kubectl >/dev/null 2>&1 && return 0
  say "kubectl is missing. Install it from https://kubernetes.io/docs/tasks/tools/ (any 1.27-1.33), then run this again."
  exit 1
}

# moto (a real AWS-protocol server) in its own virtualenv, for the AWS tests.
ensure_moto() {
  local venv="$HOME/.cache/purser-venv"
  [ -x "$venv/bin/moto_server" ] && return 0
  say "Installing moto (local AWS server for the tests) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'moto[server]>=5.1,<6'
}

# check-jsonschema (with GitHub's workflow schema built in), to check the release workflow,
# which cannot run here.
ensure_workflow_check() {
  local venv="$HOME/.cache/purser-venv"
  [ -x "$venv/bin/check-jsonschema" ] && return 0
  say "Installing check-jsonschema (checks the release workflow) into $venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'check-jsonschema>=0.29,<1'
}

# ensure_deps [test]
ensure_deps() {
  local want_tests="${1:-}"
  case "$(uname -s)" in
    Linux)
      if command -v apt-get >/dev/null 2>&1; then
        ensure_apt_packages build-essential pkg-config curl libwebkit2gtk-4.1-dev libayatana-appindicator3-1
        if [ "$want_tests" = test ]; then
          # poppler-utils (pdftotext, pdfinfo, pdftoppm) reads the meeting report back as a person would.
          ensure_apt_packages xvfb xdotool webkit2gtk-driver gnome-keyring libsecret-tools dbus-daemon dbus-bin \
            python3-venv poppler-utils fonts-dejavu-core
          # node runs the page's unit tests (node --test); Debian's own is recent enough.
          command -v node >/dev/null 2>&1 || ensure_apt_packages nodejs
        fi
      else
        say "Not a Debian/Ubuntu system: install WebKitGTK 4.1 development files yourself (see README)."
      fi
      ;;
    Darwin)
      xcode-select -p >/dev/null 2>&1 || {
        say "Install the Xcode command line tools first: xcode-select --install"
        exit 1
      }
      ;;
  esac
  ensure_rust
  if [ "$want_tests" = test ] && [ "$(uname -s)" = Linux ]; then
    command -v tauri-driver >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/tauri-driver" ] || {
      say "Installing tauri-driver (WebDriver bridge for the end-to-end tests)"
      cargo install tauri-driver --locked
    }
    export PATH="$HOME/.cargo/bin:$PATH"
    command -v cargo-deny >/dev/null 2>&1 || {
      say "Installing cargo-deny (checks the dependency tree's licences, bans and sources)"
      cargo install cargo-deny --locked
    }
    ensure_moto
    ensure_kubectl
    ensure_workflow_check
  fi
}

