/**
 * Room announcements and recovery: a member whose connection drops is
 * announced leaving (`disconnect`); when its session is resumed it is
 * announced back (`resume`), so the other members' view ends right. A
 * stale copy closed by a resume announces no departure: the session has
 * not left.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RoomChange, Switchyard } from '../../src/index.js';
import { connect, dropTcp, grantOf, positionsOf, resume, serveWithRecovery } from '../recovery/support.js';
import { eventually } from '../support/socket-harness.js';
import type { WsTestClient } from '../support/ws-test-client.js';

const opened: Array<{ close(): Promise<unknown> }> = [];
after(async () => {
  for (const item of opened.reverse()) await item.close();
});

async function start(): Promise<{ app: Switchyard; url: string; changes: RoomChange[] }> {
  const changes: RoomChange[] = [];
  const served = await serveWithRecovery({}, (app) => {
    app.room('lobby', { announce: true });
    app.roomChanges$.subscribe((change) => changes.push(change));
  });
  opened.push(served.app);
  return { ...served, changes };
}

async function client(url: string, user: string): Promise<WsTestClient> {
  const connected = await connect(url, user);
  opened.push(connected);
  return connected;
}

/** The room.joined and room.left events a client got, as `kind user`. */
function announcements(client: WsTestClient): string[] {
  return client.frames.flatMap((frame) => {
    if (frame.kind !== 'event' || (frame.type !== 'room.joined' && frame.type !== 'room.left')) return [];
    return [`${frame.type} ${(frame.payload as { member: { userId: string } }).member.userId}`];
  });
}

describe('room announcements across a resume (recovery on)', { timeout: 30_000 }, () => {
  it('announces a dropped member leaving, then back when its session resumes', async () => {
    const { app, url, changes } = await start();
    const bob = await client(url, 'bob');
    await bob.exchange('test.join', { room: 'lobby' });
    const alice = await client(url, 'alice');
    await alice.exchange('test.join', { room: 'lobby' });
    await eventually(() => announcements(bob).includes('room.joined alice'), 5000, 'bob to hear alice join');
    const { token } = grantOf(alice);
    const positions = positionsOf(alice);
    await dropTcp(alice, app, 'lobby');
    await eventually(() => announcements(bob).includes('room.left alice'), 5000, 'bob to hear alice leave');

    const again = await client(url, 'alice');
    const { result } = await resume(again, token, positions);
    assert.equal(result.recovered, true);
    await eventually(() => announcements(bob).length === 3, 5000, 'bob to hear alice back');
    assert.deepEqual(announcements(bob), ['room.joined alice', 'room.left alice', 'room.joined alice']);
    assert.deepEqual(
      changes.filter((change) => change.member.userId === 'alice').map(({ kind, reason }) => `${kind} ${reason}`),
      ['joined join', 'left disconnect', 'joined resume'],
    );
    assert.deepEqual(announcements(again), [], 'the member is not told of its own return');
  });

  it('announces no departure for a stale copy a resume closes, only the return', async () => {
    const { url, changes } = await start();
    const bob = await client(url, 'bob');
    await bob.exchange('test.join', { room: 'lobby' });
    const alice = await client(url, 'alice');
    await alice.exchange('test.join', { room: 'lobby' });
    await eventually(() => announcements(bob).includes('room.joined alice'), 5000, 'bob to hear alice join');
    // A half-open socket the client gave up on: still open on the server when the client resumes.
    const again = await client(url, 'alice');
    const { result } = await resume(again, grantOf(alice).token, positionsOf(alice));
    assert.equal(result.recovered, true);
    await eventually(() => announcements(bob).length === 2, 5000, 'bob to hear alice back');
    await eventually(() => changes.filter((change) => change.member.userId === 'alice').length === 2, 5000, 'both changes');
    assert.deepEqual(announcements(bob), ['room.joined alice', 'room.joined alice'], 'no room.left between');
    assert.deepEqual(
      changes.filter((change) => change.member.userId === 'alice').map(({ kind, reason }) => `${kind} ${reason}`),
      ['joined join', 'joined resume'],
    );
  });
});
