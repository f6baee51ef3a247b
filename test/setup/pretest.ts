/** `npm test`'s pretest step: the dashboard's end-to-end test needs a Chromium; get one if missing. */
import { ensureChromium } from './chromium.js';

try {
  ensureChromium();
} catch (error) {
  console.error(`classbell tests: could not get a Chromium for the dashboard test: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
