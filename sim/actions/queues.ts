// Queue actions: QueueStatus and QueueSummary (capture 09). Invariant: ActionID is the LAST header
// of every list item here (FACTS 7), and an unknown queue is an empty list, not an error.
import type { Fields } from '../frame';
import type { Handler } from './context';

const secs = (ms: number) => String(Math.floor(ms / 1000));

const queueStatus: Handler = (c) => {
  const want = c.get('Queue');
  const qs = c.engine.queues;
  const items: Array<[string, Fields]> = [];
  for (const q of qs.queues.values()) {
    if (want !== undefined && want !== '' && want !== q.name) continue;
    items.push(['QueueParams', [['Queue', q.name], ['Max', '0'], ['Strategy', 'ringall'], ['Calls', String(q.entries.length)], ['Holdtime', '0'],
      ['TalkTime', '0'], ['Completed', '0'], ['Abandoned', '0'], ['ServiceLevel', '0'], ['ServicelevelPerf', '0.0'], ['ServicelevelPerf2', '0.0'], ['Weight', '0']]]);
    for (const m of q.members) items.push(['QueueMember', [...qs.memberFields(q, m, 'Name'), ['Wrapuptime', '0']]]);
    for (const e of q.entries)
      items.push(['QueueEntry', [['Queue', q.name], ['Position', String(e.position)], ['Channel', e.ch.name], ['Uniqueid', e.ch.uniqueid],
        ['CallerIDNum', e.ch.cidNum], ['CallerIDName', e.ch.cidName], ['ConnectedLineNum', e.ch.connNum], ['ConnectedLineName', e.ch.connName],
        ['Wait', secs(Date.now() - e.joinedAt)], ['Priority', '0']]]);
  }
  c.list('Queue status will follow', items, 'QueueStatusComplete', false);
};

const queueSummary: Handler = (c) => {
  const want = c.get('Queue');
  const qs = c.engine.queues;
  const items: Array<[string, Fields]> = [];
  for (const q of qs.queues.values()) {
    if (want !== undefined && want !== '' && want !== q.name) continue;
    const oldest = q.entries[0];
    items.push(['QueueSummary', [['Queue', q.name], ['LoggedIn', String(q.members.length)], ['Available', String(q.members.filter((m) => qs.status(m.iface) === 1).length)],
      ['Callers', String(q.entries.length)], ['HoldTime', '0'], ['TalkTime', '0'], ['LongestHoldTime', oldest ? secs(Date.now() - oldest.joinedAt) : '0']]]);
  }
  c.list('Queue summary will follow', items, 'QueueSummaryComplete', false);
};

export const queueActions: Record<string, Handler> = { queuestatus: queueStatus, queuesummary: queueSummary };
