// Reading and cancelling jobs: GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}, and GET /status for
// the relay/AMI health of the PBX. All under an API key of that PBX.
import { Hono } from 'hono';
import { jobListQuery } from '../../shared/jobs.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow } from '../http/body.js';
import { requireApiKey } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';

const JOB_ID = /^job_[A-Za-z0-9_-]{16}$/;

export const jobRoutes = new Hono<AppEnv>();

jobRoutes.get('/jobs', async (c) => {
  const { stub } = await requireApiKey(c);
  const query = parseOrThrow(jobListQuery, c.req.query());
  return c.json(await stub.listJobs(query));
});

jobRoutes.get('/jobs/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = c.req.param('id');
  const job = JOB_ID.test(id) ? await stub.getJob(id) : null;
  if (job === null) throw notFound('job');
  return c.json(job);
});

jobRoutes.delete('/jobs/:id', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = c.req.param('id');
  const result = JOB_ID.test(id) ? await stub.cancelJob(id) : ({ kind: 'not-found' } as const);
  switch (result.kind) {
    case 'not-found':
      throw notFound('job');
    case 'not-cancellable':
      throw new HttpProblem(409, 'not_cancellable', `the job is ${result.job.status === 'running' ? 'connected' : result.job.status} and can no longer be cancelled`);
    case 'cancelled':
      return c.json(result.job, 200);
    case 'cancelling':
      return c.json(result.job, 202);
  }
});

jobRoutes.get('/status', async (c) => {
  const { stub } = await requireApiKey(c);
  return c.json(await stub.status());
});
