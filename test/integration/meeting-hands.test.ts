import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admin, createSchool, waitFor } from '../helpers/harness.js';
import { bit, call, meetingHarness, refused, str, type MeetingRoom } from '../helpers/meeting.js';
import { ACK, Receiver } from '../helpers/receiver.js';

const me = z.object({ user: z.object({ userId: str, uid: z.number().int(), enableAudio: bit, enableVideo: bit }) });
const done = z.literal(true);
type Person = { token: string; userId: string; uid: number };

/**
 * Raise a hand to speak as the clients use it (Web `sendApply`/`sendInvite`, Android `apply`/`invite`
 * with ApplyReq/InviteReq, iOS `audienceAction`/`hostAction`): apply, invite, accept, reject; an
 * accepted request takes a co-host seat (10007 when full, default limits); a linked school receives
 * each step as `hands_up` / `stage` events, in order.
 */
describe('raise a hand: invite, apply, accept, reject, and the school sees hands_up / stage', () => {
  const sid = 5151;
  const classId = 808;
  const receiver = new Receiver();
  let m: MeetingRoom;
  let roomId: string;
  let host: Person;
  const kids: Person[] = [];

  beforeAll(async () => {
    await receiver.start();
    receiver.reply = () => ({ body: ACK });
    m = await meetingHarness('mhands', {}, { workers: true, sids: [sid] });
    await createSchool(m.h.app, sid, receiver.url);
    await waitFor('school active', async () => (await request(m.h.app).get(`/v1/schools/${sid}`).set(admin)).body.status === 'active');
    const startS = Math.floor(Date.now() / 1000) - 60;
    await request(m.h.app).put(`/v1/schools/${sid}/classes/${classId}`).set(m.auth).send({ courseId: 7, startTime: startS, closeTime: startS + 3600 }).expect(200);
    // The school's classroom server links the room (classId); the clients join it as they are.
    const teacher = await request(m.h.app).post(`/conf/v1/apps/${m.appId}/room/entry`).set(m.auth)
      .send({ roomName: 'Hands', roomUuid: 'hands-room', userName: 'teacher', userUuid: 'h-teacher', role: 'host', classId }).expect(200);
    roomId = teacher.body.data.roomId as string;
    host = await person(teacher.body.data.userToken as string);
    for (let i = 0; i < 5; i++) {
      const e = await call(m, 'post', '/entry', undefined, { userName: `kid${i}`, userUuid: `h-kid${i}`, roomName: 'Hands', roomUuid: 'hands-room', password: '', enableVideo: 0, enableAudio: 0 }, z.object({ roomId: str, userToken: str }));
      kids.push(await person(e.userToken));
    }
  });
  afterAll(async () => {
    await m.h.close();
    await receiver.stop();
  });

  async function person(token: string): Promise<Person> {
    const { user } = await call(m, 'get', `/${roomId}`, token, undefined, me);
    return { token, userId: user.userId, uid: user.uid };
  }
  const apply = (who: Person, type: number, action: number) => call(m, 'post', `/${roomId}/user/${host.userId}/audience/apply`, who.token, { type, action }, done);
  const invite = (who: Person, type: number, action: number) => call(m, 'post', `/${roomId}/user/${who.userId}/host/invite`, host.token, { type, action }, done);
  const flags = async (who: Person) => (await call(m, 'get', `/${roomId}`, who.token, undefined, me)).user;

  it('applies, rejects, accepts and invites with the clients\' type/action; the co-host limit holds (10007)', async () => {
    const [k0, k1, k2, k3, k4] = kids as [Person, Person, Person, Person, Person];
    await apply(k0, 1, 1); // k0 raises a hand for audio
    await invite(k0, 1, 2); // the host rejects it
    await apply(k0, 2, 1); // asks for video
    await invite(k0, 2, 1); // the host accepts: video on, on stage
    expect(await flags(k0)).toMatchObject({ enableVideo: 1, enableAudio: 0 });
    await invite(k1, 1, 1); // the host invites k1 to speak
    await apply(k1, 1, 2); // k1 declines
    expect((await flags(k1)).enableAudio).toBe(0);
    await invite(k1, 1, 1);
    await apply(k1, 1, 1); // k1 accepts this time
    await invite(k2, 1, 1);
    await call(m, 'post', `/${roomId}/user/${k2.userId}`, k2.token, { enableAudio: 1 }, done); // the Web accepts by turning it on
    expect(await flags(k1)).toMatchObject({ enableAudio: 1 });
    expect(await flags(k2)).toMatchObject({ enableAudio: 1 });
    // Three audience members on stage: with the host's seat, the small class's 4 are taken.
    await apply(k3, 1, 1);
    await refused(m, 'post', `/${roomId}/user/${k3.userId}/host/invite`, host.token, { type: 1, action: 1 }, 10007);
    await refused(m, 'post', `/${roomId}/user/${k4.userId}/host/invite`, k3.token, { type: 1, action: 1 }, 10010);
    await call(m, 'post', `/${roomId}/user/${k0.userId}/exit`, k0.token, undefined, done); // a seat frees up
    await invite(k3, 1, 1);
    expect(await flags(k3)).toMatchObject({ enableAudio: 1 });
  });

  it('reaches the linked school as hands_up / stage events, in order', async () => {
    const [k0, k1, k2, k3] = kids as [Person, Person, Person, Person];
    const expected: [string, number, boolean][] = [
      ['hands_up', k0.uid, true], ['hands_up', k0.uid, false], ['hands_up', k0.uid, true], ['hands_up', k0.uid, false], ['stage', k0.uid, true],
      ['stage', k1.uid, true], ['stage', k2.uid, true], ['hands_up', k3.uid, true], ['hands_up', k3.uid, false], ['stage', k3.uid, true],
    ];
    const steps = await waitFor('every hand and stage step pushed', () => {
      const got = receiver.events().filter((p) => p.body.Cmd === 67375105 && 'Handsup' in p.body || p.body.Cmd === 67371521)
        .map((p): [string, number, boolean] => (p.body.Cmd === 67371521 ? ['stage', p.body.UID as number, p.body.Operation === 1] : ['hands_up', p.body.UID as number, p.body.Handsup as boolean]));
      return got.length >= expected.length ? got : undefined;
    }, 20_000);
    expect(steps).toEqual(expected);
  });
});
