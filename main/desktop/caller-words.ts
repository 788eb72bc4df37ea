// Who is calling, in the dispatcher's words: the tray menu and the notifications both say it this way.
import type { Call, CallerIdentity } from '../../shared/domain.js';
import type { DesktopWords } from './words.js';

/** What a call's notification says (the NotificationPort shows it). */
export interface NotificationContent {
  title: string;
  body: string;
  /** Label of the Answer action, where the platform shows actions. */
  answerLabel: string;
}

export function callerName(w: DesktopWords, identity: CallerIdentity, number: string): string {
  switch (identity.kind) {
    case 'driver':
      return w.caller.driver(identity.name, identity.callsign);
    case 'employee':
      return w.caller.employee(identity.name);
    case 'client':
      return w.caller.client(identity.name);
    case 'new-client':
      return w.caller.newClient;
    case 'unknown':
      return number || w.caller.unknown;
  }
}

/** Title says who; the body gives the number and what the dispatcher needs before answering. */
export function notificationContent(w: DesktopWords, call: Call): NotificationContent {
  const who = call.identity.kind === 'unknown' ? w.caller.unknown : callerName(w, call.identity, call.number);
  const facts: string[] = [call.number || w.notification.noNumber];
  if (call.identity.kind === 'driver' && call.identity.currentOrder) facts.push(w.notification.currentOrder(call.identity.currentOrder.number));
  if (call.identity.kind === 'client' && call.identity.unfinishedOrders.length > 0) {
    facts.push(w.notification.unfinishedOrders(call.identity.unfinishedOrders.length));
  }
  return { title: w.notification.incomingTitle(who), body: facts.join(' · '), answerLabel: w.notification.answer };
}
