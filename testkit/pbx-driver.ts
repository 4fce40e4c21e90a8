// One PBX for whole-system scenarios, whichever is behind it: the AMI simulator, a fresh instance of the
// real-Asterisk kit, or an admin's own staging PBX ($PEREZVON_PBX_AMI). A scenario written against this
// interface runs on each of them where the behaviour is the same (test/scenarios/). The relay reaches
// the PBX through a cuttable TCP hop (a network drop on demand); an AMI observer watches the PBX.
// Invariant: close() stops exactly what this driver started (never a staging PBX).
import { answers, busy, congested, rings, startAmiSimulator, unallocated, type AmiSimulator } from '../sim/index.js';
import { AmiObserver } from './ami-observer.js';
import { KIT_AMI_LOGIN, startPbx, type PbxInstance } from './pbx-kit.js';
import type { AmiEndpoint } from './system.js';
import { fileURLToPath } from 'node:url';
import { startTcpCut, type TcpCut, type WireTap } from './tcp-cut.js';

/** The far ends the lane adds to the kit's dialplan (start.sh --extra; README "The real-PBX lane"). */
export const LANE_DIALPLAN = fileURLToPath(new URL('./dialplan/lane.conf', import.meta.url));

export type PbxKind = 'simulator' | 'asterisk';

export interface PbxDriver {
  readonly kind: PbxKind;
  /** What the relay connects to: the PBX through the cuttable hop. */
  readonly ami: AmiEndpoint;
  /** The PBX's own AMI address (the observer's, and bench/'s baseline clients'). */
  readonly target: AmiEndpoint;
  readonly observer: AmiObserver;
  /** A phone `from` dials `exten` in `context` (an employee dialling a room, an outside caller into a queue). Resolves with the call's Uniqueid. */
  dial(from: string, exten: string, context: string): Promise<string>;
  /** Hangs up a channel (by name or Uniqueid) as its phone would. */
  hangup(channelOrUniqueid: string): Promise<void>;
  /** The relay's hop to the PBX: `cut()` is a network drop (connections die, none accepted until `restore()`). */
  readonly link: TcpCut;
  close(): Promise<void>;
}

/**
 * The numbers both PBXes treat the same way: the kit's dialplan (../shared/pbx/README.md) plus the lane's
 * own far ends (testkit/dialplan/lane.conf), which the simulator driver scripts to match.
 */
export const LANE_NUMBERS = {
  /** Employees: answer after 1 s and talk 30 s (the kit's `_1XX`), longer than any scenario needs them. */
  operator: '101',
  operator2: '102',
  operator3: '103',
  /** Rings 3 s, answers, talks 3 s. */
  operatorSlowAnswer: '150',
  /** Rings and never answers. */
  operatorNoAnswer: '200',
  /** Rings 1 s, answers, talks 3 s, hangs up. */
  customerShortCall: '+79991000001',
  /** Rings 4 s, answers, talks 3 s: its ringing must never count as conversation. */
  customerSlowAnswer: '+79991000002',
  /** Rings 1 s, answers, stays on the line (an external participant; the relay must end it). */
  customerStays: '+79991000006',
  customerBusy: '+79990000002',
  customerCongested: '+79990000003',
  customerRingsForever: '+79990000004',
  customerUnallocated: '+79990000005',
} as const;

/** Seconds of the lane's scripted far ends, shared by the simulator driver and lane.conf. */
export const LANE_TIMES = { operatorSlowAnswer: { ringSec: 3, talkSec: 3 }, shortCall: { ringSec: 1, talkSec: 3 }, slowAnswer: { ringSec: 4, talkSec: 3 } } as const;

/** Options of every driver: `tap` reads the relay's AMI wire (bench/). */
export interface DriverOptions {
  tap?: () => WireTap;
}

async function withCut(kind: PbxKind, target: AmiEndpoint, options: DriverOptions, parts: { observer: AmiObserver; dial: PbxDriver['dial']; hangup: PbxDriver['hangup']; close: () => Promise<void> }): Promise<PbxDriver> {
  const cut: TcpCut = await startTcpCut(target, options.tap);
  return {
    kind, observer: parts.observer, dial: parts.dial, hangup: parts.hangup,
    ami: { ...target, host: '127.0.0.1', port: cut.port },
    target,
    link: cut,
    async close() {
      await parts.observer.close();
      await cut.close();
      await parts.close();
    },
  };
}

/** The simulator, scripted like the kit's dialplan on real time (timeScale 1: its clock is the real PBX's). */
export async function simulatorDriver(options: DriverOptions = {}): Promise<PbxDriver & { sim: AmiSimulator }> {
  const n = LANE_NUMBERS;
  const t = LANE_TIMES;
  const sim = await startAmiSimulator({
    timeScale: 1,
    phones: {
      [n.operator]: answers({ ringMs: 1000, holdMs: 30_000 }), [n.operator2]: answers({ ringMs: 1000, holdMs: 30_000 }), [n.operator3]: answers({ ringMs: 1000, holdMs: 30_000 }),
      [n.operatorSlowAnswer]: answers({ ringMs: t.operatorSlowAnswer.ringSec * 1000, holdMs: t.operatorSlowAnswer.talkSec * 1000 }),
      [n.operatorNoAnswer]: rings(),
      [n.customerShortCall]: answers({ ringMs: t.shortCall.ringSec * 1000, holdMs: t.shortCall.talkSec * 1000 }),
      [n.customerSlowAnswer]: answers({ ringMs: t.slowAnswer.ringSec * 1000, holdMs: t.slowAnswer.talkSec * 1000 }),
      [n.customerStays]: answers({ ringMs: 1000, holdMs: 600_000 }),
      [n.customerBusy]: busy(), [n.customerCongested]: congested(), [n.customerRingsForever]: rings(), [n.customerUnallocated]: unallocated(),
    },
  });
  const target = { host: sim.host, port: sim.port, username: 'relay', secret: 'relaysecret' };
  const observer = await AmiObserver.connect(sim.host, sim.port, target);
  const driver = await withCut('simulator', target, options, {
    observer,
    dial: (from, exten, context) => Promise.resolve(sim.dial(from, exten, context)),
    hangup: (c) => Promise.resolve(sim.hangup(c)),
    close: () => sim.close(),
  });
  return Object.assign(driver, { sim });
}

/** A fresh instance of the kit's Asterisk with the lane's dialplan added (`extra`). */
export async function asteriskDriver(options: DriverOptions & { extra?: string } = {}): Promise<PbxDriver & { instance: PbxInstance }> {
  const instance = await startPbx(options.extra === undefined ? {} : { extra: options.extra });
  try {
    return Object.assign(await endpointDriver({ host: instance.host, port: instance.port, ...KIT_AMI_LOGIN }, options, () => instance.stop()), { instance });
  } catch (e) {
    await instance.stop();
    throw e;
  }
}

/** A PBX someone else runs (a staging PBX, `PEREZVON_PBX_AMI=ami://user:secret@host:port`); never stopped by us. */
export async function endpointDriver(target: AmiEndpoint, options: DriverOptions = {}, stop: () => Promise<void> = () => Promise.resolve()): Promise<PbxDriver> {
  const observer = await AmiObserver.connect(target.host, target.port, target);
  return withCut('asterisk', target, options, {
    observer,
    dial: (from, exten, context) => observer.dial(from, exten, context),
    hangup: (c) => observer.hangup(c),
    close: stop,
  });
}

/** Parses `ami://user:secret@host:port` (the relay's AMI_URL form). */
export function parseAmiUrl(url: string): AmiEndpoint {
  const u = new URL(url);
  if (u.protocol !== 'ami:' || u.hostname === '' || u.port === '') throw new Error('PEREZVON_PBX_AMI must look like ami://user:secret@host:port');
  return { host: u.hostname, port: Number(u.port), username: decodeURIComponent(u.username), secret: decodeURIComponent(u.password) };
}

/** The real PBX of the lane and of `npm run bench -- --pbx real`: $PEREZVON_PBX_AMI (a staging PBX), else a fresh kit instance. */
export function realPbxDriver(options: DriverOptions = {}): Promise<PbxDriver> {
  const staging = process.env.PEREZVON_PBX_AMI;
  return staging === undefined ? asteriskDriver({ ...options, extra: LANE_DIALPLAN }) : endpointDriver(parseAmiUrl(staging), options);
}
