// What the tray, the notifications and the desktop's dialogs say, in Russian and English. They are worded here
// from PhoneState and typed facts (shared/), never from sentences of the core. test/unit/desktop/words.test.ts
// walks every key in both languages.
import type { Locale, RegistrationState } from '../../shared/domain.js';

export const APP_NAME = 'Dispatch Phone';

/** Russian plural forms: 1 вызов, 2 вызова, 5 вызовов (11-14 take the many form). */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}

const en = {
  tray: {
    offline: (why: string) => `${APP_NAME}: offline (${why})`,
    online: `${APP_NAME}: online`,
    onBreak: `${APP_NAME}: on a break`,
    ringing: (n: number) => (n === 1 ? '1 incoming call' : `${n} incoming calls`),
    inCall: (who: string) => `In a call with ${who}`,
    inCallAndRinging: (who: string, n: number) => `In a call with ${who}; ${n} waiting`,
  },
  registration: {
    unregistered: 'not registered',
    registering: 'registering',
    wrongCredentials: 'wrong user name or password',
    unreachable: 'server unreachable',
    serverError: (code: number) => `server error ${code}`,
    notConfigured: 'no SIP account set up',
  },
  menu: {
    answer: (who: string) => `Answer ${who}`,
    answerNobody: 'Answer (nobody is calling)',
    hangup: (who: string) => `Hang up ${who}`,
    hangupNobody: 'Hang up (no call)',
    breakOn: 'Take a break',
    breakOff: 'Back online',
    show: 'Show the window',
    quit: 'Quit',
  },
  caller: {
    driver: (name: string, callsign: string | null) => (callsign ? `Driver ${name} (${callsign})` : `Driver ${name}`),
    employee: (name: string) => name,
    client: (name: string | null) => (name ? `Client ${name}` : 'Client'),
    newClient: 'New client',
    unknown: 'Unknown caller',
  },
  notification: {
    incomingTitle: (who: string) => `Incoming call: ${who}`,
    unfinishedOrders: (n: number) => (n === 1 ? '1 unfinished order' : `${n} unfinished orders`),
    currentOrder: (number: string) => `order №${number}`,
    noNumber: 'number withheld',
    answer: 'Answer',
  },
  quit: {
    title: 'A call is up',
    message: (n: number) => (n === 1 ? 'Quitting ends the call you are on.' : `Quitting ends your ${n} calls.`),
    detail: 'The caller will hear the line drop.',
    confirm: 'End the call and quit',
    cancel: 'Stay',
  },
};

export type DesktopWords = typeof en;

const ru: DesktopWords = {
  tray: {
    offline: (why) => `${APP_NAME}: не в сети (${why})`,
    online: `${APP_NAME}: в сети`,
    onBreak: `${APP_NAME}: перерыв`,
    ringing: (n) => `${n} ${ruPlural(n, 'входящий вызов', 'входящих вызова', 'входящих вызовов')}`,
    inCall: (who) => `Разговор: ${who}`,
    inCallAndRinging: (who, n) => `Разговор: ${who}; ждут ещё ${n}`,
  },
  registration: {
    unregistered: 'нет регистрации',
    registering: 'регистрация…',
    wrongCredentials: 'неверное имя пользователя или пароль',
    unreachable: 'сервер недоступен',
    serverError: (code) => `ошибка сервера ${code}`,
    notConfigured: 'учётная запись SIP не настроена',
  },
  menu: {
    answer: (who) => `Ответить: ${who}`,
    answerNobody: 'Ответить (никто не звонит)',
    hangup: (who) => `Завершить: ${who}`,
    hangupNobody: 'Завершить (нет разговора)',
    breakOn: 'Уйти на перерыв',
    breakOff: 'Вернуться с перерыва',
    show: 'Показать окно',
    quit: 'Выход',
  },
  caller: {
    driver: (name, callsign) => (callsign ? `Водитель ${name} (${callsign})` : `Водитель ${name}`),
    employee: (name) => name,
    client: (name) => (name ? `Клиент ${name}` : 'Клиент'),
    newClient: 'Новый клиент',
    unknown: 'Неизвестный абонент',
  },
  notification: {
    incomingTitle: (who) => `Входящий вызов: ${who}`,
    unfinishedOrders: (n) => `${n} ${ruPlural(n, 'незавершённый заказ', 'незавершённых заказа', 'незавершённых заказов')}`,
    currentOrder: (number) => `заказ №${number}`,
    noNumber: 'номер скрыт',
    answer: 'Ответить',
  },
  quit: {
    title: 'Идёт разговор',
    message: (n) => (n === 1 ? 'Выход завершит текущий разговор.' : `Выход завершит ${n} ${ruPlural(n, 'разговор', 'разговора', 'разговоров')}.`),
    detail: 'Абонент услышит обрыв связи.',
    confirm: 'Завершить и выйти',
    cancel: 'Остаться',
  },
};

export const desktopWords: Record<Locale, DesktopWords> = { ru, en };

export function wordsFor(locale: Locale): DesktopWords {
  return desktopWords[locale] ?? ru;
}

/** Why the phone is offline, in a few words. */
export function registrationWords(w: DesktopWords, registration: RegistrationState, configured: boolean): string {
  if (!configured) return w.registration.notConfigured;
  switch (registration.kind) {
    case 'unregistered':
      return w.registration.unregistered;
    case 'registering':
      return w.registration.registering;
    case 'registered':
      return '';
    case 'wrong-credentials':
      return w.registration.wrongCredentials;
    case 'unreachable':
      return w.registration.unreachable;
    case 'server-error':
      return w.registration.serverError(registration.code);
  }
}
