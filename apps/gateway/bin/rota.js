#!/usr/bin/env node
// The `rota` command. A committed file that loads the build, rather than the build
// itself, so that installing before building links the command without a warning.
import '../dist/cli/rota.js';
