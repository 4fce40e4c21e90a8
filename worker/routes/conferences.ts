// Conference API under an API key of the PBX: conference groups (CRUD), assemblies (POST, GET,
// re-dial) and rooms (who is in them, and their permanent external participant rule).
// Every body is validated with the shared schemas before the queue sees it; a refusal creates nothing.
import { Hono } from 'hono';
import { z } from 'zod';
import { conferenceGroupInput, conferenceRequest, externalParticipantInput, redialRequest, roomName } from '../../shared/conferences.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow, readJson } from '../http/body.js';
import { requireApiKey } from '../http/pbx.js';
import { numberProblem } from '../http/number-problem.js';
import { HttpProblem, notFound } from '../http/problem.js';

const GROUP_ID = /^grp_[A-Za-z0-9_-]{16}$/;
const CONFERENCE_ID = /^cnf_[A-Za-z0-9_-]{16}$/;
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const conferenceRoutes = new Hono<AppEnv>();

const groupId = (raw: string): string => {
  if (!GROUP_ID.test(raw)) throw notFound('conference group');
  return raw;
};

const room = (raw: string): string => {
  const parsed = roomName.safeParse(raw);
  if (!parsed.success) throw new HttpProblem(404, 'not_found', 'room not found: a room is 1 to 20 digits', 'room');
  return parsed.data;
};

const codeTaken = (): HttpProblem => new HttpProblem(409, 'conflict', 'another group already uses this code', 'code');

conferenceRoutes.get('/conference-groups', async (c) => {
  const { stub } = await requireApiKey(c);
  return c.json({ groups: await stub.conferenceGroups() });
});

conferenceRoutes.post('/conference-groups', async (c) => {
  const { stub } = await requireApiKey(c);
  const { value } = await readJson(c, conferenceGroupInput);
  const result = await stub.saveConferenceGroup(value, null);
  switch (result.kind) {
    case 'ok':
      return c.json(result.group, 201);
    case 'code-taken':
      throw codeTaken();
    case 'number-refused':
      throw numberProblem(result);
    case 'not-found':
      throw notFound('PBX');
  }
});

conferenceRoutes.get('/conference-groups/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  const group = await stub.conferenceGroup(groupId(c.req.param('id')));
  if (group === null) throw notFound('conference group');
  return c.json(group);
});

conferenceRoutes.put('/conference-groups/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = groupId(c.req.param('id'));
  const { value } = await readJson(c, conferenceGroupInput);
  const result = await stub.saveConferenceGroup(value, id);
  switch (result.kind) {
    case 'ok':
      return c.json(result.group);
    case 'code-taken':
      throw codeTaken();
    case 'number-refused':
      throw numberProblem(result);
    case 'not-found':
      throw notFound('conference group');
  }
});

conferenceRoutes.delete('/conference-groups/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  if (!(await stub.deleteConferenceGroup(groupId(c.req.param('id'))))) throw notFound('conference group');
  return c.body(null, 204);
});

conferenceRoutes.post('/conferences', async (c) => {
  const { stub } = await requireApiKey(c);
  const { value } = await readJson(c, conferenceRequest);
  const result = await stub.createConference(value);
  switch (result.kind) {
    case 'created':
      return c.json(result.conference, 202);
    case 'no-group':
      throw new HttpProblem(422, 'validation_failed', 'no conference group with this id or code', 'group');
    case 'no-members':
      throw new HttpProblem(422, 'validation_failed', 'nobody to dial: every member is the caller', 'members');
    case 'number-refused':
      throw numberProblem(result);
  }
});

conferenceRoutes.get('/conferences', async (c) => {
  const { stub } = await requireApiKey(c);
  const { limit } = parseOrThrow(listQuery, c.req.query());
  return c.json({ conferences: await stub.listConferences(limit) });
});

conferenceRoutes.get('/conferences/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = c.req.param('id');
  const conference = CONFERENCE_ID.test(id) ? await stub.getConference(id) : null;
  if (conference === null) throw notFound('conference');
  return c.json(conference);
});

conferenceRoutes.post('/conferences/:id/redial', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = c.req.param('id');
  if (!CONFERENCE_ID.test(id)) throw notFound('conference');
  const { value } = await readJson(c, redialRequest);
  const result = await stub.redialConference(id, value.members);
  if (result === null) throw notFound('conference');
  return c.json({ ...result.view, requeued: result.requeued }, 202);
});

conferenceRoutes.get('/rooms/:room', async (c) => {
  const { stub } = await requireApiKey(c);
  return c.json(await stub.roomState(room(c.req.param('room'))));
});

conferenceRoutes.put('/rooms/:room/external-participant', async (c) => {
  const { stub } = await requireApiKey(c);
  const target = room(c.req.param('room'));
  const { value } = await readJson(c, externalParticipantInput);
  const result = await stub.putRoomRule(target, value);
  if (result.kind === 'number-refused') throw numberProblem(result);
  if (result.kind === 'no-pbx') throw notFound('PBX');
  return c.json(result.rule);
});

conferenceRoutes.get('/rooms/:room/external-participant', async (c) => {
  const { stub } = await requireApiKey(c);
  const state = await stub.roomState(room(c.req.param('room')));
  if (state.rule === null) throw notFound('external participant rule');
  return c.json(state.rule);
});

conferenceRoutes.delete('/rooms/:room/external-participant', async (c) => {
  const { stub } = await requireApiKey(c);
  if (!(await stub.deleteRoomRule(room(c.req.param('room'))))) throw notFound('external participant rule');
  return c.body(null, 204);
});
