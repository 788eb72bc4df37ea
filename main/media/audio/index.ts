import type { AudioBackendConfig, AudioDevicePort } from './port.js';
import { PulseCliAudio } from './pulse-cli.js';
import { NaudiodonAudio } from './naudiodon.js';
import { AudifyAudio } from './audify.js';
import { FileAudio } from './file.js';

/** Build the port named by config `audio.backend`. */
export function createAudioPort(config: AudioBackendConfig): AudioDevicePort {
  switch (config.backend) {
    case 'pulse':
      return new PulseCliAudio({ server: config.server, latencyMs: config.latencyMs, streams: config.streams });
    case 'portaudio':
      return new NaudiodonAudio({ latencyMs: config.latencyMs });
    case 'rtaudio':
      return new AudifyAudio();
    case 'file':
      return new FileAudio({ inputs: config.inputs, outputs: config.outputs, outputDir: config.outputDir }, 'file');
    case 'none':
      return new FileAudio({}, 'none');
  }
}
