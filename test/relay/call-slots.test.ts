// The relay's one call gate (relay/call-slots.ts): never more calls than the lower of its capacity
// and the PBX's limit, waiting calls served oldest first, and its own calls counted for the queue.
import { describe, expect, it } from 'vitest';
import { CallSlots } from '../../relay/call-slots.js';

describe('call slots', () => {
  it('gives out no more slots than the lower of the relay capacity and the PBX limit', () => {
    const slots = new CallSlots(4);
    slots.setPbxLimit(2);
    const a = slots.tryTake();
    const b = slots.tryTake();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(slots.tryTake()).toBeUndefined();
    a?.();
    a?.(); // a second release gives back nothing more
    expect(slots.inUse).toBe(1);
    expect(slots.tryTake()).toBeDefined();
    expect(slots.tryTake()).toBeUndefined();
  });

  it('serves waiting calls oldest first as slots come back, and an offer never jumps the line', async () => {
    const slots = new CallSlots(1);
    const first = slots.tryTake();
    const order: string[] = [];
    const second = slots.take().then((release) => (order.push('member'), release));
    const third = slots.take(true).then((release) => (order.push('external'), release));
    expect(slots.tryTake()).toBeUndefined(); // a callback offer is refused while others wait
    first?.();
    (await second)();
    (await third)();
    expect(order).toEqual(['member', 'external']);
    expect(slots.inUse).toBe(0);
  });

  it('counts its own calls, holding or waiting, and says when that count changes', async () => {
    const slots = new CallSlots(1);
    let changes = 0;
    slots.on('change', () => changes++);
    const held = slots.tryTake();
    const waiting = slots.take(true);
    expect(slots.ownCalls).toBe(1);
    held?.();
    const release = await waiting;
    expect(slots.ownCalls).toBe(1);
    release();
    expect(slots.ownCalls).toBe(0);
    expect(changes).toBe(2);
  });
});
