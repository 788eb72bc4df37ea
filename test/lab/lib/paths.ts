// Where the lab lives, and bringing it up from tests (lab.mjs does the real work).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Kamailio's address: 127.0.0.1, or the server side's address in test/lab/netns.mjs (DP_LAB_SIP_HOST). */
export const SIP_HOST = process.env.DP_LAB_SIP_HOST ?? '127.0.0.1';
export const SIP_PORT = 5060;
export const SIP_TLS_PORT = 5061;
/** Every lab user authenticates with this password. */
export const LAB_PASSWORD = 'secret';

export interface LabPaths {
  repo: string;
  lab: string;
  labCli: string;
  peersDir: string;
  kamailioCtl: string;
  /** Value for the PULSE_SERVER environment variable of every audio client. */
  pulseServer: string;
  tlsCa: string;
  audio: {
    /** 600 s, 440 Hz, 8 kHz mono s16 */
    tone440: string;
    /** 600 s, 1000 Hz */
    tone1000: string;
    /** 60 s, 440 Hz: for load tests (baresip loads the whole file per call) */
    tone440short: string;
    /** 60 s, 440 Hz, u-law: for sipp rtp_stream */
    tone440ulaw: string;
    /** espeak-ng sentence (may be missing if espeak-ng is not installed) */
    speech: string;
  };
  sipp: { uacInvite: string; uasAnswer: string; scannerBurst: string };
}

export function labPaths(): LabPaths {
  const repo = path.resolve(HERE, '..', '..', '..');
  // netns.mjs gives the server side its own lab (its own Kamailio, PulseAudio, fixtures): DP_LAB_DIR.
  const lab = process.env.DP_LAB_DIR ?? path.join(repo, '.lab');
  const audio = path.join(lab, 'audio');
  return {
    repo,
    lab,
    labCli: path.join(repo, 'test', 'lab', 'lab.mjs'),
    peersDir: path.join(lab, 'peers'),
    kamailioCtl: path.join(lab, 'kamailio_ctl'),
    pulseServer: `unix:${path.join(lab, 'pulse', 'native')}`,
    tlsCa: path.join(lab, 'tls', 'ca.pem'),
    audio: {
      tone440: path.join(audio, 'tone440.wav'),
      tone1000: path.join(audio, 'tone1000.wav'),
      tone440short: path.join(audio, 'tone440-60s.wav'),
      tone440ulaw: path.join(audio, 'tone440-ulaw.wav'),
      speech: path.join(audio, 'speech.wav'),
    },
    sipp: {
      uacInvite: path.join(repo, 'test', 'lab', 'sipp', 'uac-invite.xml'),
      uasAnswer: path.join(repo, 'test', 'lab', 'sipp', 'uas-answer.xml'),
      scannerBurst: path.join(repo, 'test', 'lab', 'sipp', 'scanner-burst.xml'),
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node test/lab/lab.mjs <args>`. */
export function labCli(args: string[], timeoutMs = 300_000): Promise<CliResult> {
  const p = labPaths();
  return new Promise((resolve) => {
    execFile(process.execPath, [p.labCli, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let upOnce: Promise<void> | undefined;

/** Bring Kamailio + PulseAudio + fixtures up (idempotent; once per process unless they died). */
export async function ensureLab(): Promise<void> {
  const p = labPaths();
  if (upOnce) {
    await upOnce;
    const st = await labCli(['status']);
    if (st.code === 0 && fs.existsSync(p.audio.tone440)) return;
  }
  upOnce = (async () => {
    const r = await labCli(['up']);
    if (r.code !== 0) throw new Error(`lab.mjs up failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  })();
  try {
    await upOnce;
  } catch (e) {
    upOnce = undefined;
    throw e;
  }
}
