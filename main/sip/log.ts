// The little logger sip/ writes to; the composition root passes the app's logger, tests a silent one.
export interface SipLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLog: SipLog = { debug() {}, info() {}, warn() {}, error() {} };

export const consoleLog: SipLog = {
  debug: () => {},
  info: (m) => console.info(`[sip] ${m}`),
  warn: (m) => console.warn(`[sip] ${m}`),
  error: (m) => console.error(`[sip] ${m}`),
};
