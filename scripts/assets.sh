#!/bin/sh
# Regenerates the web UI's vendored browser assets from the versions
# pinned in web/package.json (and web/package-lock.json): uPlot, embedded
# in the binary, and axe-core, used by the browser tests only. The
# results are committed, so a clean clone builds and runs without Node.
set -eu
cd "$(dirname "$0")/.."
(cd web && npm ci --no-audit --no-fund --ignore-scripts)
vendor=internal/web/static/vendor
mkdir -p "$vendor" internal/web/browsertests/testdata
cp web/node_modules/uplot/dist/uPlot.iife.min.js "$vendor/uplot.min.js"
cp web/node_modules/uplot/dist/uPlot.min.css "$vendor/uplot.min.css"
cp web/node_modules/uplot/LICENSE "$vendor/uplot.LICENSE"
cp web/node_modules/axe-core/axe.min.js internal/web/browsertests/testdata/axe.min.js
cp web/node_modules/axe-core/LICENSE internal/web/browsertests/testdata/axe.LICENSE
echo "assets: uplot $(node -p 'require("./web/node_modules/uplot/package.json").version'), axe-core $(node -p 'require("./web/node_modules/axe-core/package.json").version')"
