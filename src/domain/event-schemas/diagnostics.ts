/** The in-class diagnostics: network reports (summarised or raw) and device checks. */
import { z } from 'zod';
import { inClassEvent, jsonData, text, uid } from './common.js';

export const networkSchema = inClassEvent(
  'network',
  {
    uid: uid().optional(),
    data: jsonData('An already summarised 5-minute report (localIP, socket, good, …), pushed unchanged as "Data"'),
  },
  'A network report, already summarised',
);

// Exactly these fields: network-report.ts folds them into the 5-minute "Net" message.
export const networkSampleSchema = inClassEvent(
  'network_sample',
  {
    uid: uid(),
    rttMs: z.number().min(0).max(60_000).describe('Round-trip time, milliseconds'),
    lossPct: z.number().min(0).max(100).describe('Packet loss, percent'),
    quality: z.enum(['good', 'normal', 'bad', 'poor', 'not_reach']).describe('Network quality'),
    cpuLevel: z.enum(['low', 'medium', 'high', 'busy']).describe('CPU load level'),
    socket: z.enum(['udp', 'tcp']).optional().describe('Transport in use'),
    localIp: text(64).optional().describe("The client's local IP address"),
  },
  'One raw network measurement, aggregated into the 5-minute "Net" report',
);

export const deviceCheckSchema = inClassEvent(
  'device_check',
  { data: jsonData('The check result (OperatingSystem, CPU, NetworkDelay, …), pushed unchanged as "Data"') },
  'A device check in class',
);
