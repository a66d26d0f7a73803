#!/bin/sh
# Regenerates nicknames.txt from the pinned releases of two npm packages of
# Italian first names. Run through `go generate` in this directory.
#
# The download (npm pack) is kept here and the transformation in
# internal/gen, which checks each tarball against its pinned integrity hash,
# so the list depends only on those exact releases.
set -eu

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$tmp" && npm pack --silent @zxcvbn-ts/language-it@3.0.2 gender-detection-from-name@1.11.5 >/dev/null)
go run ./internal/gen -zxcvbn "$tmp/zxcvbn-ts-language-it-3.0.2.tgz" \
	-gender "$tmp/gender-detection-from-name-1.11.5.tgz" -out nicknames.txt
