import { describe, it, expect } from 'vitest';
import { EVENT_TYPES, type EventType } from '../../src/domain/catalogue.js';
import {
  eventInputSchema,
  lessonSummaryEventSchema,
  normalizeEvent,
  normalizeLessonSummary,
  type ClassSchedule,
  type EventInput,
} from '../../src/domain/events.js';
import { CLASS_OVERTIME_S, completeBody, testPushBody, toWire, wirePrefix } from '../../src/domain/wire.js';

const ctx = { sid: 257, id: 'evt_1', nowS: 1562838000 };
const base = { sid: 257, classId: 51345, courseId: 18041431, actionTime: 1562838399, id: 'evt_1' } as const;

/** Serialises the wire of a posted event, so the expectations pin key order too. */
function wireJson(input: EventInput): string {
  return JSON.stringify(toWire(normalizeEvent(input, ctx)));
}

describe('toWire', () => {
  it('hands_up', () => {
    expect(wireJson({ ...base, type: 'hands_up', uid: 1002647, up: true })).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"hands up1002647","UID":1002647,"Handsup":true,"_id":"evt_1"}',
    );
  });

  it('reward', () => {
    expect(wireJson({ ...base, type: 'reward', uid: 1002647, times: 3, sourceUid: 1000001 })).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"SourceUID":1000001,"Color":"award1002647","UID":1002647,"Times":3,"_id":"evt_1"}',
    );
  });

  it('authorize', () => {
    expect(wireJson({ ...base, type: 'authorize', targetUid: 1002647, granted: false })).toBe(
      '{"SID":257,"Cmd":67371520,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":false,"_id":"evt_1"}',
    );
  });

  it('enter, with every optional field', () => {
    const input: EventInput = {
      ...base,
      type: 'enter',
      uid: 1002647,
      nickName: '小明',
      identity: 1,
      device: 3,
      clientId: 1,
      loginMobile: '13800000000',
      loginEmail: 'ming@example.com',
      allowEnterTime: 1562837800,
    };
    expect(wireJson(input)).toBe(
      '{"SID":257,"Cmd":67371107,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"NickName":"小明","Identity":1,"Device":3,"ClientID":1,"LoginMobile":"13800000000","LoginEmail":"ming@example.com","AllowEnterTime":1562837800,"_id":"evt_1"}',
    );
  });

  it('enter, optionals absent: ClientID defaults to 0, the rest are left out', () => {
    expect(wireJson({ type: 'enter', classId: 51345, uid: 1002647, nickName: 'Ming', identity: 3, device: 0 })).toBe(
      '{"SID":257,"Cmd":67371107,"ClassID":51345,"ActionTime":1562838000,"UID":1002647,"NickName":"Ming","Identity":3,"Device":0,"ClientID":0,"_id":"evt_1"}',
    );
  });

  it('exit', () => {
    expect(wireJson({ ...base, type: 'exit', uid: 1002647, identity: 1, reason: 60 })).toBe(
      '{"SID":257,"Cmd":67371111,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Identity":1,"ClientID":0,"Reason":60,"_id":"evt_1"}',
    );
  });

  it('kick_out', () => {
    expect(wireJson({ ...base, type: 'kick_out', targetUid: 1002647, durationS: 600, sourceUid: 0 })).toBe(
      '{"SID":257,"Cmd":67371523,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"SourceUID":0,"TargetUID":1002647,"Duration":600,"Operation":1,"_id":"evt_1"}',
    );
  });

  it('mute and unmute', () => {
    expect(wireJson({ ...base, type: 'mute', targetUid: 1002647, muted: true })).toBe(
      '{"SID":257,"Cmd":67371522,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'mute', targetUid: 1002647, muted: false })).toBe(
      '{"SID":257,"Cmd":67371522,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":1002647,"Operation":0,"_id":"evt_1"}',
    );
  });

  it('mute_all', () => {
    expect(wireJson({ ...base, type: 'mute_all', muted: true })).toBe(
      '{"SID":257,"Cmd":67371586,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":0,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'mute_all', muted: false })).toBe(
      '{"SID":257,"Cmd":67371586,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TargetUID":0,"Operation":0,"_id":"evt_1"}',
    );
  });

  it('stage up and down', () => {
    expect(wireJson({ ...base, type: 'stage', uid: 1002647, up: true })).toBe(
      '{"SID":257,"Cmd":67371521,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Operation":1,"_id":"evt_1"}',
    );
    expect(wireJson({ ...base, type: 'stage', uid: 1002647, up: false })).toBe(
      '{"SID":257,"Cmd":67371521,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Operation":0,"_id":"evt_1"}',
    );
  });
});

/**
 * Validates a body as it would arrive (defaults applied), normalises it and
 * serialises its wire; the lesson summary goes through its own schema.
 */
function wireOf(body: Record<string, unknown>, schedule?: ClassSchedule): string {
  if (body.type === 'lesson_summary') {
    return JSON.stringify(toWire(normalizeLessonSummary(lessonSummaryEventSchema.parse(body), ctx)));
  }
  const input = eventInputSchema.parse(body);
  return JSON.stringify(toWire(normalizeEvent(input, schedule ? { ...ctx, schedule } : ctx)));
}

/** The nine types pinned one by one above. */
type CoreType = 'hands_up' | 'reward' | 'authorize' | 'enter' | 'exit' | 'kick_out' | 'mute' | 'mute_all' | 'stage';

const school = { sid: 257, actionTime: 1562838399, id: 'evt_1' } as const;
const ming = { showName: 'Ming', uid: 1002647, identity: 1 };

/**
 * Every other catalogue type (keyed by type, so a new catalogue row without a
 * case does not compile): [posted body, the exact wire expected], by hand from
 * PROTOCOL.md §1.
 */
const cases: { [T in Exclude<EventType, CoreType>]: [Record<string, unknown>, string][] } = {
  camera_position: [
    [
      { ...base, type: 'camera_position', channel: 1, onTop: true, area: { y2: 600, x2: 500, y1: 20, x1: 10 }, uid: 1002647 },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"webcamPosition1002647","UID":1002647,"Area":{"X1":10,"Y1":20,"X2":500,"Y2":600},"OnTop":1,"Channel":1,"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'camera_position', sourceUid: 1000001, uid: 1002647, area: { x1: 0, y1: 0, x2: 1, y2: 1 }, onTop: false, channel: 0 },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"SourceUID":1000001,"Color":"webcamPosition1002647","UID":1002647,"Area":{"X1":0,"Y1":0,"X2":1,"Y2":1},"OnTop":0,"Channel":0,"_id":"evt_1"}',
    ],
  ],
  selector: [
    [
      { ...base, type: 'selector', participants: [ming], allItems: 'A,B,C,D', correctItems: 'A,C', curState: 1, qSentTime: 1562838000, phase: 'question' },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"standaloneSelectorToolglobalData","QSentTime":1562838000,"CurState":1,"CorrectItems":"A,C","AllItems":"A,B,C,D","Participants":[{"ShowName":"Ming","Uid":1002647,"Identity":1}],"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'selector', phase: 'answer', uid: 1002647, lastCommitTime: 1562838010, recvQuestionTime: 1562838001, selectedItem: 'A', commited: true, qCollectTime: 1562838060 },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"standaloneSelectorTool1002647","UID":1002647,"QCollectTime":1562838060,"Commited":true,"SelectedItem":"A","RecvQuestionTime":1562838001,"LastCommitTime":1562838010,"_id":"evt_1"}',
    ],
  ],
  responder: [
    [
      { ...base, type: 'responder', phase: 'question', participants: [ming], endTime: 1562838100, fastestGuyName: 'Ming', fastestGuyTime: 1562838005, nId: 7, curState: 2 },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"standaloneResponderToolglobalData","CurState":2,"nId":7,"FastestGuyTime":1562838005,"FastestGuyName":"Ming","EndTime":1562838100,"Participants":[{"ShowName":"Ming","Uid":1002647,"Identity":1}],"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'responder', phase: 'answer', uid: 1002647 },
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"standaloneResponderTool1002647","UID":1002647,"_id":"evt_1"}',
    ],
  ],
  network: [
    [
      { ...base, type: 'network', uid: 1002647, data: { localIP: '10.0.0.2', socket: 'udp', good: 9, total: 10 } },
      '{"SID":257,"Cmd":"Net","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Data":{"localIP":"10.0.0.2","socket":"udp","good":9,"total":10},"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'network', data: { total: 1 } },
      '{"SID":257,"Cmd":"Net","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"total":1},"_id":"evt_1"}',
    ],
  ],
  network_sample: [
    [
      { ...base, type: 'network_sample', uid: 1002647, rttMs: 42, lossPct: 0.5, quality: 'not_reach', cpuLevel: 'busy', socket: 'tcp', localIp: '10.0.0.2' },
      '{"SID":257,"Cmd":"Net","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Data":{"localIP":"10.0.0.2","socket":"tcp","good":0,"normal":0,"bad":0,"poor":0,"notReach":1,"total":1,"avgDelay":42,"loss":0.5,"cpuLow":0,"cpuMedium":0,"cpuHigh":0,"cpuBusy":1,"cpuTotal":1},"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'network_sample', uid: 1002647, rttMs: 0, lossPct: 0, quality: 'good', cpuLevel: 'low' },
      '{"SID":257,"Cmd":"Net","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"UID":1002647,"Data":{"localIP":"","socket":"","good":1,"normal":0,"bad":0,"poor":0,"notReach":0,"total":1,"avgDelay":0,"loss":0,"cpuLow":1,"cpuMedium":0,"cpuHigh":0,"cpuBusy":0,"cpuTotal":1},"_id":"evt_1"}',
    ],
  ],
  device_check: [
    [
      { ...base, type: 'device_check', data: { OperatingSystem: 'macOS 14', CPU: 'M2', NetworkDelay: 30, ClientIP: '203.0.113.5' } },
      '{"SID":257,"Cmd":"Check","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"OperatingSystem":"macOS 14","CPU":"M2","NetworkDelay":30,"ClientIP":"203.0.113.5"},"_id":"evt_1"}',
    ],
  ],
  help: [
    [
      { ...base, type: 'help', userList: [1000001, 1000002], message: 'No sound', uid: 1002647 },
      '{"SID":257,"Cmd":"HelpInfo","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"UID":1002647,"Message":"No sound","UserList":[1000001,1000002]},"_id":"evt_1"}',
    ],
  ],
  class_extended: [
    [
      { ...base, type: 'class_extended', closeDelayS: 300, lengthS: 3900, startTime: 1562835600 },
      '{"SID":257,"Cmd":"ClassLen","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"StartTime":1562835600,"PrelectTimeLength":3900,"CloseClassDelay":300,"_id":"evt_1"}',
    ],
  ],
  recording_started: [
    [
      { ...base, type: 'recording_started', data: { Live: 1, Record: 1 } },
      '{"SID":257,"Cmd":"LiveDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Live":1,"Record":1},"_id":"evt_1"}',
    ],
  ],
  blackboard_image: [
    [
      { ...base, type: 'blackboard_image', url: 'https://img.example.com/b.png' },
      '{"SID":257,"Cmd":"EdbImg","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Url":"https://img.example.com/b.png","GroupId":0,"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'blackboard_image', groupId: 3, url: 'https://img.example.com/b.png' },
      '{"SID":257,"Cmd":"EdbImg","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Url":"https://img.example.com/b.png","GroupId":3,"_id":"evt_1"}',
    ],
  ],
  live_login: [
    [
      { ...base, type: 'live_login', nickname: 'Ming', loginTime: 1562838000, telephone: '138****0000' },
      '{"SID":257,"Cmd":"LiveWebLogin","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"138****0000","LoginTime":1562838000,"Nickname":"Ming"},"_id":"evt_1"}',
    ],
  ],
  live_reserve: [
    [
      { ...base, type: 'live_reserve', reserveTime: 1562830000, telephone: '13800000000' },
      '{"SID":257,"Cmd":"LiveReserve","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"13800000000","ReserveTime":1562830000},"_id":"evt_1"}',
    ],
  ],
  live_view: [
    [
      { ...base, type: 'live_view', clientType: 1, ip: '203.0.113.5', lookTime: 600, inTime: 1562838000, nickname: 'Ming', telephone: '13800000000' },
      '{"SID":257,"Cmd":"LiveDataDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"13800000000","Nickname":"Ming","Intime":1562838000,"LookTime":600,"IP":"203.0.113.5","ClientType":1},"_id":"evt_1"}',
    ],
  ],
  live_like: [
    [
      { ...base, type: 'live_like', time: 1562838100, telephone: '13800000000' },
      '{"SID":257,"Cmd":"LiveLike","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"13800000000","Time":1562838100},"_id":"evt_1"}',
    ],
  ],
  live_goods_click: [
    [
      { ...base, type: 'live_goods_click', goodName: 'Workbook', goodNum: 'G-17', time: 1562838100, nickname: 'Ming', telephone: '13800000000' },
      '{"SID":257,"Cmd":"LiveGoodsClickDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"13800000000","Nickname":"Ming","Time":1562838100,"GoodNum":"G-17","GoodName":"Workbook"},"_id":"evt_1"}',
    ],
  ],
  chat_picture: [
    [
      { ...base, type: 'chat_picture', time: 1562838100, url: 'https://img.example.com/c.jpg', uid: 1002647 },
      '{"SID":257,"Cmd":"ChatPicture","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"UID":1002647,"Url":"https://img.example.com/c.jpg","Time":1562838100},"_id":"evt_1"}',
    ],
  ],
  lesson_summary: [
    [
      {
        ...base,
        id: 'end_257_51345',
        type: 'lesson_summary',
        data: { awardEnd: { '1002647': { Total: 2 } } },
        realCloseTime: 1562839000,
        closeTime: 1562840400,
        startTime: 1562835600,
      },
      '{"SID":257,"Cmd":"End","ClassID":51345,"CourseID":18041431,"StartTime":1562835600,"CloseTime":1562840400,"RealCloseTime":1562839000,"Data":{"awardEnd":{"1002647":{"Total":2}}},"_id":"end_257_51345"}',
    ],
    [
      { type: 'lesson_summary', classId: 51345, startTime: 1562835600, closeTime: 1562840400, data: {} },
      '{"SID":257,"Cmd":"End","ClassID":51345,"StartTime":1562835600,"CloseTime":1562840400,"Data":{},"_id":"evt_1"}',
    ],
  ],
  rating: [
    [
      {
        ...base,
        type: 'rating',
        comments: {
          '1002647': { account: '13800000000', s2t: { comment: 'Great', score: 5 } },
          '1002648': { s2t: { score: 5, comment: 'Clear' }, t2s: { comment: 'Well done', score: 4 }, account: 'ming@example.com' },
        },
        tuid: 1000001,
      },
      '{"SID":257,"Cmd":"Rating","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"TUID":1000001,"Comments":{"1002647":{"Account":"13800000000","S2T":{"Comment":"Great","Score":5}},"1002648":{"Account":"ming@example.com","T2S":{"Comment":"Well done","Score":4},"S2T":{"Comment":"Clear","Score":5}}},"_id":"evt_1"}',
    ],
  ],
  recording_file: [
    [
      { ...base, type: 'recording_file', cidExt: '51345_1', size: 1048576, fileId: 77, duration: 3600, vet: 1562839200, vst: 1562835600, vUrl: 'https://video.example.com/1.mp4' },
      '{"SID":257,"Cmd":"Record","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"VUrl":"https://video.example.com/1.mp4","VST":1562835600,"VET":1562839200,"Duration":3600,"FileId":77,"Size":1048576,"CIDExt":"51345_1","_id":"evt_1"}',
    ],
    [
      { ...base, type: 'recording_file', vUrl: 'https://video.example.com/1.mp4', vst: 1562835600, vet: 1562839200, duration: 3600, fileId: 77, size: 1048576 },
      '{"SID":257,"Cmd":"Record","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"VUrl":"https://video.example.com/1.mp4","VST":1562835600,"VET":1562839200,"Duration":3600,"FileId":77,"Size":1048576,"_id":"evt_1"}',
    ],
  ],
  recording_uploaded: [
    [
      { ...base, type: 'recording_uploaded', size: 1048576, fileId: 77, duration: 3600, vUrl: 'https://video.example.com/1.mp4' },
      '{"SID":257,"Cmd":"Upload","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"VUrl":"https://video.example.com/1.mp4","Duration":3600,"FileId":77,"Size":1048576,"_id":"evt_1"}',
    ],
  ],
  edu_answers: [
    [
      {
        ...base,
        type: 'edu_answers',
        data: { type: 1, startTime: 1562836000, endTime: 1562836300, questionList: [{ index: 1, rightAnswer: 'A', studentAnswers: [{ nickname: 'Ming', answer: 'B' }] }] },
      },
      '{"SID":257,"Cmd":"EduDt","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"type":1,"startTime":1562836000,"endTime":1562836300,"questionList":[{"index":1,"rightAnswer":"A","studentAnswers":[{"nickname":"Ming","answer":"B"}]}]},"_id":"evt_1"}',
    ],
  ],
  replay_web: [
    [
      { ...base, type: 'replay_web', telephone: '13800000000', nickname: 'Ming', inTime: 1562900000, lookTime: 60, ip: '203.0.113.5', clientType: 'web' },
      '{"SID":257,"Cmd":"ReplayDataDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"Telephone":"13800000000","Nickname":"Ming","Intime":1562900000,"LookTime":60,"IP":"203.0.113.5","ClientType":"web"},"_id":"evt_1"}',
    ],
  ],
  replay_client: [
    [
      { ...base, type: 'replay_client', latestDetails: { triggerType: 1 }, totalLookValidTime: 900, validWatchCount: 2, totalDuration: 1200, uid: 1002647 },
      '{"SID":257,"Cmd":"ClientPlaybackDataDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"UID":1002647,"TotalDuration":1200,"ValidWatchCount":2,"TotalLookVaildTime":900,"LatestDetails":{"TriggerType":1}},"_id":"evt_1"}',
    ],
    [
      { ...base, type: 'replay_client', uid: 1002647, totalDuration: 0, validWatchCount: 0, totalLookValidTime: 0 },
      '{"SID":257,"Cmd":"ClientPlaybackDataDetail","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Data":{"UID":1002647,"TotalDuration":0,"ValidWatchCount":0,"TotalLookVaildTime":0},"_id":"evt_1"}',
    ],
  ],
  chat_history: [
    [
      { ...base, type: 'chat_history', timeStamp: 1562840000, url: 'https://files.example.com/chat.zip' },
      '{"SID":257,"Cmd":"ChatContent","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Url":"https://files.example.com/chat.zip","ChatTime":1562840000,"_id":"evt_1"}',
    ],
  ],
  file_converted: [
    [
      { ...school, type: 'file_converted', data: { FileId: 9, Status: 1 } },
      '{"SID":257,"Cmd":"FileCov","ActionTime":1562838399,"Data":{"FileId":9,"Status":1},"_id":"evt_1"}',
    ],
  ],
  device_check_outside: [
    [
      { ...school, type: 'device_check_outside', data: { CPU: 'M2' }, uid: 1002647 },
      '{"SID":257,"Cmd":"UserCheck","ActionTime":1562838399,"UID":1002647,"Data":{"CPU":"M2"},"_id":"evt_1"}',
    ],
  ],
  account_closed: [
    [
      { ...school, type: 'account_closed', uid: 1002647, data: {} },
      '{"SID":257,"Cmd":"AccountCancellation","ActionTime":1562838399,"UID":1002647,"Data":{},"_id":"evt_1"}',
    ],
  ],
  phone_changed: [
    [
      { ...school, type: 'phone_changed', uid: 1002647, data: { Telephone: '13900000000' } },
      '{"SID":257,"Cmd":"ReplacePhoneNumber","ActionTime":1562838399,"UID":1002647,"Data":{"Telephone":"13900000000"},"_id":"evt_1"}',
    ],
  ],
  sub_account_set: [
    [
      { ...school, type: 'sub_account_set', data: { Account: 'ming' } },
      '{"SID":257,"Cmd":"setSubAccount","ActionTime":1562838399,"Data":{"Account":"ming"},"_id":"evt_1"}',
    ],
  ],
};

describe('toWire: every other catalogue type', () => {
  it('has cases for every catalogue type not pinned above', () => {
    const core: CoreType[] = ['hands_up', 'reward', 'authorize', 'enter', 'exit', 'kick_out', 'mute', 'mute_all', 'stage'];
    expect([...core, ...Object.keys(cases)].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(Object.entries(cases))('%s', (_type, list) => {
    for (const [body, expected] of list) expect(wireOf(body)).toBe(expected);
  });
});

describe('toWire: schedule decoration', () => {
  const schedule = { startTime: 1562835600, closeTime: 1562839200 };

  it('adds StartTime and CloseTime (with the 20-minute overtime) after ClassID/CourseID', () => {
    expect(CLASS_OVERTIME_S).toBe(1200);
    expect(wireOf({ ...base, type: 'hands_up', uid: 1002647, up: true }, schedule)).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"StartTime":1562835600,"CloseTime":1562840400,"ActionTime":1562838399,"Color":"hands up1002647","UID":1002647,"Handsup":true,"_id":"evt_1"}',
    );
    expect(wireOf({ type: 'mute_all', classId: 51345, muted: true, sourceUid: 0 }, schedule)).toBe(
      '{"SID":257,"Cmd":67371586,"ClassID":51345,"StartTime":1562835600,"CloseTime":1562840400,"ActionTime":1562838000,"SourceUID":0,"TargetUID":0,"Operation":1,"_id":"evt_1"}',
    );
  });

  it('decorates after-class types too', () => {
    expect(wireOf({ ...base, type: 'recording_uploaded', vUrl: 'https://v.example.com/1.mp4', duration: 1, fileId: 2, size: 3 }, schedule)).toBe(
      '{"SID":257,"Cmd":"Upload","ClassID":51345,"CourseID":18041431,"StartTime":1562835600,"CloseTime":1562840400,"ActionTime":1562838399,"VUrl":"https://v.example.com/1.mp4","Duration":1,"FileId":2,"Size":3,"_id":"evt_1"}',
    );
  });

  it('leaves class_extended (its own StartTime) and school-level types alone', () => {
    expect(wireOf({ ...base, type: 'class_extended', startTime: 1562835600, lengthS: 3900, closeDelayS: 300 }, schedule)).toBe(
      '{"SID":257,"Cmd":"ClassLen","ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"StartTime":1562835600,"PrelectTimeLength":3900,"CloseClassDelay":300,"_id":"evt_1"}',
    );
    expect(wireOf({ ...school, type: 'account_closed', data: {} }, schedule)).toBe(
      '{"SID":257,"Cmd":"AccountCancellation","ActionTime":1562838399,"Data":{},"_id":"evt_1"}',
    );
  });

  it('survives a round trip through JSON, as the outbox stores it', () => {
    const event = normalizeEvent(eventInputSchema.parse({ ...base, type: 'stage', uid: 1002647, up: true }), { ...ctx, schedule });
    const stored = JSON.parse(JSON.stringify(event)) as typeof event;
    // Key order is part of the wire contract (PROTOCOL.md §1): compare the serialised bodies.
    expect(JSON.stringify(toWire(stored))).toBe(JSON.stringify(toWire(event)));
    expect(Object.keys(toWire(stored))).toEqual(['SID', 'Cmd', 'ClassID', 'CourseID', 'StartTime', 'CloseTime', 'ActionTime', 'UID', 'Operation', '_id']);
    expect(toWire(stored).CloseTime).toBe(1562840400);
  });
});

describe('wirePrefix + completeBody', () => {
  const wire = toWire(normalizeEvent({ ...base, type: 'hands_up', uid: 1002647, up: true }, ctx));

  it('appends TimeStamp and SafeKey to the serialised wire', () => {
    const prefix = wirePrefix(wire);
    expect(prefix.endsWith('}')).toBe(false);
    const body = completeBody(prefix, 1562838400, '0123456789abcdef0123456789abcdef');
    expect(body).toBe(
      '{"SID":257,"Cmd":67375105,"ClassID":51345,"CourseID":18041431,"ActionTime":1562838399,"Color":"hands up1002647","UID":1002647,"Handsup":true,"_id":"evt_1","TimeStamp":1562838400,"SafeKey":"0123456789abcdef0123456789abcdef"}',
    );
    expect(JSON.parse(body)).toEqual({ ...wire, TimeStamp: 1562838400, SafeKey: '0123456789abcdef0123456789abcdef' });
  });

  it('reuses one prefix for many attempts', () => {
    const prefix = wirePrefix(wire);
    const first = JSON.parse(completeBody(prefix, 100, 'a')) as Record<string, unknown>;
    const second = JSON.parse(completeBody(prefix, 200, 'b')) as Record<string, unknown>;
    expect([first.TimeStamp, first.SafeKey, second.TimeStamp, second.SafeKey]).toEqual([100, 'a', 200, 'b']);
  });

  it('handles an empty wire and refuses a timestamp that is not an integer', () => {
    expect(JSON.parse(completeBody(wirePrefix({}), 1, 'k'))).toEqual({ TimeStamp: 1, SafeKey: 'k' });
    expect(() => completeBody('{"a":1', Number.NaN, 'k')).toThrow(RangeError);
    expect(() => completeBody('{"a":1', 1.5, 'k')).toThrow(RangeError);
  });
});

describe('testPushBody', () => {
  it('is exactly the ClassIn registration test', () => {
    expect(testPushBody(123456, 123456789, 'abc123')).toBe(
      '{"SID":123456,"Cmd":"Test","Msg":"Register test.","SafeKey":"abc123","TimeStamp":123456789}',
    );
  });
});
