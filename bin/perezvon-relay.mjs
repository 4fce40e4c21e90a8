#!/usr/bin/env node
// The `perezvon-relay` command: runs relay/main.ts through tsx's loader (no build step to forget).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
register('tsx/esm', pathToFileURL('./'));
await import('../relay/main.ts');
