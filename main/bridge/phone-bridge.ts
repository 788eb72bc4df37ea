// The contract's implementation: validates every command against its schema, runs it, and hands out
// PhoneState. Carriers (Electron IPC, the web host's WebSocket) only move bytes to and from here.
import * as v from 'valibot';
import type { CommandArgs, CommandName, CommandResult } from '../../shared/commands.js';
import { fail, type Result } from '../../shared/errors.js';
import type { PhoneState } from '../../shared/state.js';
import { commandSchemas, isCommandName } from './command-schemas.js';

export type CommandHandlers = {
  [K in CommandName]: (args: CommandArgs<K>) => Promise<Result<CommandResult<K>>> | Result<CommandResult<K>>;
};

export interface StateSource {
  current(): PhoneState;
  subscribe(listener: (state: PhoneState) => void): () => void;
}

export interface BridgeLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export class PhoneBridge {
  constructor(
    private readonly handlers: CommandHandlers,
    private readonly state: StateSource,
    private readonly logger: BridgeLogger = console,
  ) {}

  currentState(): PhoneState {
    return this.state.current();
  }

  subscribe(listener: (state: PhoneState) => void): () => void {
    return this.state.subscribe(listener);
  }

  /** Runs one command from an untrusted sender. Never throws: every failure is a typed error. */
  async dispatch(name: unknown, args: unknown): Promise<Result<unknown>> {
    if (!isCommandName(name)) {
      return fail('invalid-command', { kind: 'unknown-command', command: String(name).slice(0, 80) });
    }
    const parsed = v.safeParse(commandSchemas[name], args ?? {});
    if (!parsed.success) {
      const issue = parsed.issues[0]!;
      const field = v.getDotPath(issue) ?? undefined;
      return fail('invalid-command', { kind: 'bad-argument', command: name, field: field ?? null, issue: issue.message }, field);
    }
    try {
      const handler = this.handlers[name] as (a: unknown) => Promise<Result<unknown>> | Result<unknown>;
      return await handler(parsed.output);
    } catch (error) {
      this.logger.error(`command ${name} failed`, error);
      return fail('internal', { kind: 'internal', detail: `${name}: ${(error as Error)?.message ?? String(error)}` });
    }
  }
}
