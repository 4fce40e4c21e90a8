// Conference groups of a PBX: a name, a service code and the members an assembly dials. Saving a
// group judges its members (extensions and outside numbers) by the PBX's numbering policy. Called by the queue's
// group RPC methods; assembly-desk.ts reads groups through the helpers below.
import { z } from 'zod';
import { conferenceMember, memberRetry, type ConferenceGroupInput, type ConferenceGroupView, type ConferenceMember, type MemberRetry } from '../../shared/conferences.js';
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import type { PbxSettings } from '../../shared/pbx.js';
import { newId } from '../auth/tokens.js';
import type { ConferenceStore, GroupRow } from './conference-store.js';
import { gateMembers, policyOf } from './number-gate.js';

export type GroupResult = { kind: 'ok'; group: ConferenceGroupView } | { kind: 'code-taken' } | NumberRefusal | { kind: 'not-found' };

const storedMembers = z.array(conferenceMember);

export class GroupDesk {
  constructor(
    private readonly store: ConferenceStore,
    private readonly settings: () => PbxSettings | undefined,
  ) {}

  save(input: ConferenceGroupInput, id: string | null, now: number): GroupResult {
    const settings = this.settings();
    const existing = id === null ? undefined : this.store.group(id);
    if (settings === undefined || (id !== null && existing === undefined)) return { kind: 'not-found' };
    const taken = this.store.groupByCode(input.code);
    if (taken !== undefined && taken.id !== id) return { kind: 'code-taken' };
    // Kept as given; an assembly judges the members again under the settings of its day.
    const judged = gateMembers(policyOf(settings), input.members);
    if (!judged.ok) return judged.refusal;
    const row: GroupRow = {
      id: existing?.id ?? newId('grp_'), code: input.code, name: input.name, caller_id_name: input.callerIdName ?? null,
      members: JSON.stringify(input.members), retry: input.retry === undefined ? null : JSON.stringify(input.retry), created_at: existing?.created_at ?? now, updated_at: now,
    };
    if (existing === undefined) this.store.insertGroup(row);
    else this.store.updateGroup(row);
    return { kind: 'ok', group: groupView(row) };
  }

  group(id: string): ConferenceGroupView | null {
    const row = this.store.group(id);
    return row === undefined ? null : groupView(row);
  }

  groups(): ConferenceGroupView[] {
    return this.store.groups().map(groupView);
  }

  delete(id: string): boolean {
    return this.store.deleteGroup(id);
  }
}

/** A stored group's members (validated again: a corrupted row must not reach the relay). */
export const groupMembers = (group: GroupRow): ConferenceMember[] => storedMembers.parse(JSON.parse(group.members));

export const groupRetry = (group: GroupRow | undefined): MemberRetry | undefined =>
  group?.retry == null ? undefined : memberRetry.parse(JSON.parse(group.retry));

const iso = (ms: number): string => new Date(ms).toISOString();

function groupView(row: GroupRow): ConferenceGroupView {
  const retry = groupRetry(row);
  return {
    id: row.id, name: row.name, code: row.code, ...(row.caller_id_name !== null ? { callerIdName: row.caller_id_name } : {}),
    members: groupMembers(row), ...(retry !== undefined ? { retry } : {}),
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}
