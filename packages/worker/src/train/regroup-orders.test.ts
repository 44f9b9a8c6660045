import { EventEmitter } from 'node:events';
import { parseLauncherMessage } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { PeerRecoveryError } from '../errors.js';
import { regroupOrders } from './regroup-orders.js';

describe('regroupOrders', () => {
  it('passes leave orders on, and resolves a join wait for that generation or a later one, also when the order came first', async () => {
    const source = new EventEmitter();
    const orders = regroupOrders(source, parseLauncherMessage);
    const left: number[] = [];
    orders.onLeave((g) => left.push(g));
    source.emit('message', { v: 1, type: 'regroup', generation: 1, phase: 'leave' });
    source.emit('message', { v: 2, type: 'regroup', generation: 1, phase: 'leave' }); // another version: ignored
    source.emit('message', 'garbage');
    expect(left).toEqual([1]);
    const waiting = orders.joined(1, 10_000, () => false);
    source.emit('message', { v: 1, type: 'regroup', generation: 2, phase: 'join' });
    await expect(waiting).resolves.toBeUndefined();
    await expect(orders.joined(2, 10_000, () => false)).resolves.toBeUndefined();
    // A join order that moves a rank names every rank's endpoint; a malformed list is not an order.
    const endpoints = ['tcp://a:29500', 'tcp://c:29500'];
    source.emit('message', { v: 1, type: 'regroup', generation: 3, phase: 'join', endpoints: ['tcp://a:1', 7] });
    source.emit('message', { v: 1, type: 'regroup', generation: 3, phase: 'join', endpoints });
    await expect(orders.joined(3, 10_000, () => false)).resolves.toEqual(endpoints);
  });

  it('gives up after the timeout, or at once when a stop is requested', async () => {
    const orders = regroupOrders(new EventEmitter(), parseLauncherMessage);
    await expect(orders.joined(1, 150, () => false)).rejects.toThrow(new PeerRecoveryError('no order to form process group 1 within 0 s'));
    await expect(orders.joined(1, 10_000, () => true)).rejects.toThrow(/asked to stop while waiting to form process group 1/);
  });
});
