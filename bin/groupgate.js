#!/usr/bin/env -S node --max-semi-space-size=4
// The published entry point runs the compiled CLI in this very process (the package ships dist/; a git checkout
// builds it through the `prepare` script), so SIGINT and SIGTERM reach `serve` directly, and `serve` also stops
// when its parent dies first: npx and npm run start it as npm -> sh -> node, and sh does not pass SIGTERM on.
// V8 would grow its young generation to 16 MB semi-spaces under load; 4 MB keeps a loaded server under 150 MB of RSS
// for a few percent more time in the scavenger (docs/performance.md). `npm start` and the benchmark pass it too.
import '../dist/cli/main.js';
