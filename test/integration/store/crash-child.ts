// Child process for crash.test.ts: opens the database, starts a call, answers it, says "ready" and
// waits to be killed with SIGKILL.
import { SqliteCallHistory } from '../../../main/store/call-history.js';
import { openDatabase } from '../../../main/store/database.js';

const path = process.argv[2]!;
const db = openDatabase(path);
const history = new SqliteCallHistory(db);
const startedAt = Date.now();
const facts = {
  callId: 'crash-call',
  direction: 'incoming' as const,
  number: '+79161230001',
  identity: { kind: 'new-client' as const },
  handledBy: '1001',
  startedAt,
  answeredAt: null,
  endedAt: null,
  heldCount: 0,
  endReason: null,
  transferredTo: null,
  endCause: null,
};
history.callStarted(facts);
history.callUpdated({ ...facts, answeredAt: startedAt + 1500 });
history.callUpdated({ ...facts, answeredAt: startedAt + 1500, heldCount: 1 });
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
