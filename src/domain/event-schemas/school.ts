/** The school-level types: no class, no course; each carries its message's "Data" unchanged. */
import { schoolEvent } from './common.js';

export const fileConvertedSchema = schoolEvent('file_converted', 'A file conversion result');
export const deviceCheckOutsideSchema = schoolEvent(
  'device_check_outside',
  'A device check outside the classroom',
);
export const accountClosedSchema = schoolEvent('account_closed', 'An account is closed');
export const phoneChangedSchema = schoolEvent('phone_changed', "A user's phone number changes");
export const subAccountSetSchema = schoolEvent('sub_account_set', 'A sub-account is set');
