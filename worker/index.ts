// The Worker's entry: the Hono app as the fetch handler, and the Durable Object class it binds.
import { createApp } from './app.js';

export { DashboardSessions } from './dashboard/session-store.js';
export { OrgDirectory } from './orgs/org-directory.js';
export { PbxQueue } from './pbx-queue/pbx-queue.js';
export { PbxRegistry } from './registry/pbx-registry.js';
export default createApp();
