// What every component reaches: the state, the api, and `run` (a command call that never throws and
// shows its typed error in the notice area).
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useMemo, useRef, useState } from 'preact/hooks';
import type { CommandArgs, CommandName, CommandResult, PhoneApi } from '../../shared/commands.js';
import type { PhoneError, Result } from '../../shared/errors.js';
import type { PhoneState } from '../../shared/state.js';

export interface CommandError {
  id: number;
  command: CommandName;
  error: PhoneError;
}

export interface RunOptions {
  /** Do not put a failure into the notice area (the caller shows it itself). */
  quiet?: boolean;
}

export type Run = <K extends CommandName>(name: K, args: CommandArgs<K>, options?: RunOptions) => Promise<Result<CommandResult<K>>>;

export interface PhoneContextValue {
  api: PhoneApi;
  state: PhoneState;
  connected: boolean;
  run: Run;
  commandErrors: CommandError[];
  dismissCommandError: (id: number) => void;
}

const PhoneContext = createContext<PhoneContextValue | null>(null);

export function usePhone(): PhoneContextValue {
  const value = useContext(PhoneContext);
  if (!value) throw new Error('usePhone outside PhoneProvider');
  return value;
}

/** Command calling and its error list; lives above the state so it survives the state's absence. */
export function useCommandRunner(api: PhoneApi): Pick<PhoneContextValue, 'run' | 'commandErrors' | 'dismissCommandError'> {
  const [commandErrors, setCommandErrors] = useState<CommandError[]>([]);
  const nextId = useRef(1);

  const run = useCallback<Run>(
    async (name, args, options) => {
      let result: Result<CommandResult<typeof name>>;
      try {
        result = await api.invoke(name, args);
      } catch (e) {
        result = { ok: false, error: { code: 'internal', why: { kind: 'internal', detail: e instanceof Error ? e.message : String(e) } } };
      }
      if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
        result = { ok: false, error: { code: 'internal', why: { kind: 'malformed-frame' } } };
      }
      if (!result.ok && !options?.quiet) {
        const error = result.error;
        const id = nextId.current++;
        // Keep the last few; the same error twice in a row shows once.
        const same = JSON.stringify(error.why);
        setCommandErrors((prev) => [...prev.filter((e) => JSON.stringify(e.error.why) !== same), { id, command: name, error }].slice(-4));
      }
      return result;
    },
    [api],
  );

  const dismissCommandError = useCallback((id: number) => setCommandErrors((prev) => prev.filter((e) => e.id !== id)), []);
  return { run, commandErrors, dismissCommandError };
}

export function PhoneProvider(props: { value: PhoneContextValue; children: ComponentChildren }) {
  const v = props.value;
  const memo = useMemo(() => v, [v.api, v.state, v.connected, v.run, v.commandErrors, v.dismissCommandError]);
  return <PhoneContext.Provider value={memo}>{props.children}</PhoneContext.Provider>;
}
