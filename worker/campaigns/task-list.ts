// The PBX's task table (GET /tasks): campaigns, conference assemblies and missed-call recalls as
// rows of one shape (kind, target, list size, succeeded/total, done/total), the table a PBX admin
// knows from autodial panels. Pure: each desk's views in, rows out.
import type { TaskView } from '../../shared/campaigns.js';
import type { ConferenceView, MemberStatus } from '../../shared/conferences.js';
import type { MissedCallView } from '../../shared/missed-calls.js';

/** Member states after which nothing more happens to the member by itself. */
const MEMBER_DONE: ReadonlySet<MemberStatus> = new Set(['joined', 'left', 'busy', 'no-answer', 'failed', 'unknown']);
const MEMBER_SUCCEEDED: ReadonlySet<MemberStatus> = new Set(['joined', 'left']);

export function assemblyTask(c: ConferenceView): TaskView {
  const done = c.members.filter((m) => MEMBER_DONE.has(m.status) && m.nextAttemptAt === null).length;
  return {
    kind: 'conference-assembly', id: c.id, name: c.room, state: done === c.members.length ? 'done' : 'running', target: `room ${c.room}`,
    size: c.members.length, succeeded: c.members.filter((m) => MEMBER_SUCCEEDED.has(m.status)).length, done,
  };
}

export function missedCallTask(m: MissedCallView): TaskView {
  return {
    kind: 'missed-call-recall', id: m.id, name: m.number, state: m.status, target: m.target,
    size: 1, succeeded: m.status === 'called' ? 1 : 0, done: m.status === 'pending' ? 0 : 1,
  };
}
