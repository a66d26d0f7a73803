#!/bin/sh
# Fetches the Swagger UI distribution from the npm registry, verifies it
# against the pinned integrity hash and copies the files the docs page
# serves into assets/swagger-ui. Run it with `go generate` after changing
# VERSION and INTEGRITY; commit the result so builds stay offline.
#
# The integrity hash of a new version comes from
#   npm view swagger-ui-dist@VERSION dist.integrity
# and is cross-checked against the registry on every run.
set -eu

VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==

# Files copied from the package. The standalone preset (top bar with a
# spec URL box) is not used, nor are the source maps.
FILES="
swagger-ui-bundle.js
swagger-ui-bundle.js.LICENSE.txt
swagger-ui.css
oauth2-redirect.html
oauth2-redirect.js
favicon-16x16.png
favicon-32x32.png
LICENSE
NOTICE
"

cd "$(dirname "$0")"
dest=assets/swagger-ui

registry=$(npm view "swagger-ui-dist@$VERSION" dist.integrity)
if [ "$registry" != "$INTEGRITY" ]; then
	echo "fetch.sh: registry integrity $registry differs from pinned $INTEGRITY" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tgz="$tmp/swagger-ui-dist-$VERSION.tgz"

got=sha512-$(node -e '
const fs = require("fs"), crypto = require("crypto");
process.stdout.write(crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
' "$tgz")
if [ "$got" != "$INTEGRITY" ]; then
	echo "fetch.sh: tarball integrity $got differs from pinned $INTEGRITY" >&2
	exit 1
fi

mkdir "$tmp/x"
tar -xzf "$tgz" -C "$tmp/x"

rm -rf "$dest"
mkdir -p "$dest"
for f in $FILES; do
	case "$f" in
	*.js | *.css)
		# Drop source map references: the maps are not shipped, and
		# browsers would request them.
		sed -e '/^[[:space:]]*\/\/[#@] sourceMappingURL=/d' \
			-e '/^[[:space:]]*\/\*[#@] sourceMappingURL=.*\*\/[[:space:]]*$/d' \
			"$tmp/x/package/$f" >"$dest/$f"
		;;
	*)
		cp "$tmp/x/package/$f" "$dest/$f"
		;;
	esac
done

printf 'swagger-ui-dist %s from the npm registry\nintegrity %s\n' "$VERSION" "$INTEGRITY" >"$dest/SOURCE"
