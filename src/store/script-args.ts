import { Packr } from 'msgpackr';

/**
 * Scripts that take many values (a batch of events, a batch of settles) get them as one
 * msgpack-packed structure (ARGV[1], read in Lua with `cmsgpack.unpack`) instead of fixed-width
 * positional blocks: each field has a name on both sides, and strings travel as raw bytes, with no
 * escaping. Plain maps and arrays only (no msgpackr records), and no nulls (they would leave holes in
 * Lua arrays): absent strings are "".
 */
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** Packs a script's structured input for ARGV. */
export function packScriptInput(input: object): Buffer {
  return packr.pack(input);
}
