#!/bin/sh
# Assembles the root filesystem of purser-guard's image from a built binary, on the machine
# (or CI runner) that built it: the stripped binary, the C library and loader it links (as
# ldd names them, so the same script serves amd64 and arm64), the CA bundle for Cost
# Explorer's TLS, and passwd/group naming the non-root user 65532 the CronJob runs as.
# Nothing else: no shell, no package manager. The Dockerfile beside it copies this folder
# onto `scratch`; the image test runs a check inside it as a pod would.
#
#   root.sh BINARY ROOT      (ROOT is replaced)
set -eu

if [ "$#" -ne 2 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/purser-guard ROOT-FOLDER" >&2
  exit 2
fi
binary=$1
root=$2

rm -rf "$root"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$binary" "$root/usr/local/bin/purser-guard"
chmod 0755 "$root/usr/local/bin/purser-guard"
strip "$root/usr/local/bin/purser-guard"

# A dynamic glibc binary (this toolchain has no musl target): its libraries and loader,
# each at the path it is linked against. glibc 2.34 and later resolve hosts from files and
# DNS without NSS modules.
libraries=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
if [ -z "$libraries" ]; then
  echo "$0: ldd named no libraries for $binary" >&2
  exit 1
fi
for library in $libraries; do
  mkdir -p "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
done

cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' \
  > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
