#!/usr/bin/env node
// The `perezvon-relay` command: runs relay/main.ts through tsx's loader API (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../relay/main.ts');
