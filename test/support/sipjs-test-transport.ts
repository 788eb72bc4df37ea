// The state plumbing every sip.js Transport needs; test transports add only how a message is sent.
import { EmitterImpl, TransportState, type Transport } from 'sip.js';

export abstract class TestTransport implements Transport {
  readonly protocol = 'UDP';
  state = TransportState.Disconnected;
  readonly stateChange = new EmitterImpl<TransportState>();
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  abstract send(message: string): Promise<void>;

  async connect(): Promise<void> {
    this.state = TransportState.Connected;
    this.stateChange.emit(this.state);
    this.onConnect?.();
  }

  async disconnect(): Promise<void> {
    this.state = TransportState.Disconnected;
    this.stateChange.emit(this.state);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  isConnected(): boolean {
    return this.state === TransportState.Connected;
  }
}
