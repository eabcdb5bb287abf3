#!/bin/sh
# Builds purser-guard's image on this machine, with no network: the release binary (or the
# one given), its root folder (src-tauri/guard-job/image/root.sh), then the Dockerfile beside
# it with buildah (Debian's `apt-get install buildah`) or docker, saved as an OCI archive.
# Prints the image's unpacked size and the archive's bytes. The release workflow builds and
# pushes the published images itself (amd64 and arm64); this is for trying it, or a mirror.
#
#   scripts/guard-image.sh [--binary PATH] [--tag NAME] [OUT.oci.tar]
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
binary=""
tag="purser-guard:local"
out="purser-guard.oci.tar"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -*) echo "unknown flag $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done

if [ -z "$binary" ]; then
  (cd "$here" && cargo build --release --locked -p purser-guard)
  target=${CARGO_TARGET_DIR:-target}
  # Cargo reads a relative target folder from where it ran: here.
  case "$target" in /*) ;; *) target="$here/$target" ;; esac
  binary="$target/release/purser-guard"
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
"$here/src-tauri/guard-job/image/root.sh" "$binary" "$context/root"
dockerfile="$here/src-tauri/guard-job/image/Dockerfile"

if command -v buildah > /dev/null; then
  # vfs: works inside containers without overlay or fuse.
  buildah --storage-driver vfs bud --quiet -f "$dockerfile" -t "$tag" "$context" > /dev/null
  buildah --storage-driver vfs push --quiet "$tag" "oci-archive:$out:$tag"
elif command -v docker > /dev/null; then
  docker build --quiet -f "$dockerfile" -t "$tag" "$context" > /dev/null
  docker save "$tag" -o "$out"
else
  echo "no container builder: install buildah (apt-get install buildah) or docker" >&2
  exit 1
fi

unpacked=$(du -sb "$context/root" | cut -f1)
archive=$(wc -c < "$out")
echo "image $tag: $unpacked bytes unpacked, $archive bytes as $out"
