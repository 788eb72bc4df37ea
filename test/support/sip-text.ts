// Reading raw SIP text in tests.

/** The To header's tag of a message as sip.js and early-ringing.ts write it (`To: ...;tag=X`). */
export const toTagOf = (message: string): string | undefined => /\r\nTo: [^\r]*;tag=([^;\r]+)\r\n/.exec(message)?.[1];
