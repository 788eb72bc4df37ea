// The lint allow-list (LAYERS in eslint.config.js) refuses what the house rules forbid and lets the
// real wiring through: each case lints a line of code as if it stood in that file.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'house/layers').map((m) => m.message);
}

describe('the layer allow-list', () => {
  it.each([
    ['main/store/call-history.ts', "import { SqliteDispatchData } from '../directory/dispatch-data.js';", /main\/store\/ may not import main\/directory\/dispatch-data/],
    ['main/calls/call-centre.ts', "import type { UserAgent } from 'sip.js';", /main\/calls\/ may not import sip\.js/],
    ['main/calls/call-centre.ts', "import { SipTelephony } from '../sip/telephony.js';", /may not import main\/sip\/telephony/],
    ['main/sip/telephony.ts', "import { MediaEngine } from '../media/engine.js';", /may not import main\/media\/engine/],
    ['main/media/rtp.ts', "import type { CallCentre } from '../calls/call-centre.js';", /may not import main\/calls\/call-centre/],
    ['main/media/audio/port.ts', "import { DispatchStore } from '../../store/dispatch-store.js';", /main\/media\/ may not import main\/store/],
    ['main/bridge/phone-bridge.ts', "import { app } from 'electron';", /electron at run time/],
    ['main/app/core.ts', "import { app } from 'electron';", /electron at run time/],
    ['renderer/App.tsx', "import { readFileSync } from 'node:fs';", /renderer\/ may not import node:fs/],
    ['renderer/App.tsx', "import type { PhoneState } from '../main/bridge/phone-bridge.js';", /renderer\/ may not import main\/bridge/],
    ['shared/state.ts', "import * as v from 'valibot';", /shared\/ may not import valibot/],
    ['main/directory/dispatch-data.ts', "const m = await import('../sip/log.js');", /may not import main\/sip\/log/],
    ['main/desktop/tray.ts', "import { startPhoneCore } from '../app/core.js';", /main\/desktop\/ may not import main\/app\/core/],
    ['main/store/call-history.ts', "import type { SipCallLeg } from '../sip/call-leg.js';", /main\/store\/ may not import main\/sip/],
    ['main/presence/own-status.ts', "export const x = 1;", /main\/presence\/ is a room of main\/ that LAYERS .* does not list/],
    ['test/unit/desktop/tray.test.ts', "import { Tray } from 'electron';", /electron at run time/],
  ])('refuses in %s: %s', async (file, code, message) => {
    expect(await layerErrors(file, code)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['main/directory/dispatch-data.ts', "import { DispatchStore } from '../store/dispatch-store.js';"],
    ['main/store/import.ts', "import { normaliseNumber } from '../numbers/phone-numbers.js';"],
    ['main/sip/call-leg.ts', "import type { CallLeg } from '../calls/ports.js';\nimport type { MediaControls } from '../media/contract.js';"],
    ['main/media/audio/port.ts', "import { encodeUlaw } from '../g711.js';\nimport type { Timestamp } from '../../../shared/domain.js';"],
    ['main/bridge/ipc-carrier.ts', "import type { IpcMain } from 'electron';"],
    ['main/app/electron.ts', "import { app } from 'electron';\nimport { startPhoneCore } from './core.js';\nimport { CallCentre } from '../calls/call-centre.js';"],
    ['main/desktop/electron-adapters.ts', "import { Tray } from 'electron';\nimport type { PhoneBridge } from '../bridge/phone-bridge.js';"],
    ['renderer/App.tsx', "import { h } from 'preact';\nimport type { PhoneState } from '../shared/state.js';"],
    ['test/unit/anything.test.ts', "import { SipTelephony } from '../../main/sip/telephony.js';\nimport type { BrowserWindow } from 'electron';"],
  ])('lets through in %s: %s', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
