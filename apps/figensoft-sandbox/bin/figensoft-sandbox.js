#!/usr/bin/env node
// The `figensoft-sandbox` command. A committed file that loads the build, rather than
// the build itself, so that installing before building links the command without a warning.
import '../dist/main.js';
