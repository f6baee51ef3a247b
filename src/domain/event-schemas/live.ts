/** The live page's types: viewers logging in, reserving, watching, liking, clicking products. */
import { code, inClassEvent, nickname, telephone, text, unixS, viewingShape } from './common.js';

export const liveLoginSchema = inClassEvent(
  'live_login',
  {
    telephone: telephone(),
    loginTime: unixS().describe('When the viewer logged in, unix seconds'),
    nickname: nickname(),
  },
  'A viewer logs in to the live page',
);

export const liveReserveSchema = inClassEvent(
  'live_reserve',
  { telephone: telephone(), reserveTime: unixS().describe('When the viewer reserved, unix seconds') },
  'A viewer reserves the live broadcast',
);

export const liveViewSchema = inClassEvent('live_view', viewingShape, 'A live viewing detail');

export const liveLikeSchema = inClassEvent(
  'live_like',
  { telephone: telephone(), time: unixS().describe('When, unix seconds') },
  'A viewer likes the live broadcast',
);

export const liveGoodsClickSchema = inClassEvent(
  'live_goods_click',
  {
    telephone: telephone(),
    nickname: nickname(),
    time: unixS().describe('When, unix seconds'),
    goodNum: code().describe('The product number'),
    goodName: text(512).describe('The product name'),
  },
  'A viewer clicks a product on the live page',
);
