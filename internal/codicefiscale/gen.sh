#!/bin/sh
# Regenerates places_gen.go from the pinned release of the npm package
# codice-fiscale-js. Run through `go generate` in this directory.
#
# The download (npm pack) is kept here and the transformation in
# internal/gen, which checks the tarball against the pinned integrity hash,
# so the generated file depends only on that exact release.
set -eu

pkg=codice-fiscale-js
version=2.4.0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
go run ./internal/gen -tgz "$tmp/$pkg-$version.tgz" -out places_gen.go
