#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources without a build (oclif loads src/commands in development mode).
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
