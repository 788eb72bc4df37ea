// Русские слова для фактов ядра (shared/facts.ts): уведомления, ошибки команд, причины. Та же форма, что
// у facts-en.ts (FactWords): словарь без какого-либо кода TypeScript не примет.
import type { CallEndReason, CallState, UnknownCallerReason } from '../../shared/domain.js';
import type { CallAction, Cause, FieldRule, LegOperation, NumberProblem } from '../../shared/facts.js';
import { makeFactWords, partyName, type FactWords } from './facts-en.js';

export const endReasonsRu: Record<CallEndReason, string> = {
  'hung-up-local': 'вы завершили звонок',
  'hung-up-remote': 'абонент положил трубку',
  'cancelled-by-caller': 'абонент не дождался',
  'answered-elsewhere': 'ответил другой диспетчер',
  rejected: 'отклонён',
  busy: 'занято',
  'no-answer': 'нет ответа',
  'not-found': 'номер не найден',
  transferred: 'переадресован',
  failed: 'сбой',
  'connection-lost': 'связь потеряна',
  'far-end-gone': 'абонент пропал: нет звука и ответа',
};

/** The SIP codes a dispatcher meets, in words; others are shown as "код SIP N". */
const SIP_WORDS: Record<number, string> = {
  400: 'неверный запрос',
  403: 'запрещено',
  404: 'номер не найден',
  405: 'метод не разрешён',
  408: 'нет ответа',
  480: 'абонент недоступен',
  481: 'нет такого вызова',
  484: 'неполный номер',
  486: 'занято',
  487: 'вызов отменён',
  488: 'формат не принят',
  491: 'встречный запрос',
  500: 'ошибка сервера',
  501: 'не поддерживается',
  502: 'ошибка шлюза',
  503: 'сервис недоступен',
  504: 'шлюз не ответил',
  600: 'занято везде',
  603: 'отклонено',
  604: 'номер не существует',
};

const operations: Record<LegOperation, string> = {
  answer: 'ответ',
  decline: 'отклонение',
  'hang-up': 'завершение',
  hold: 'удержание',
  resume: 'снятие с удержания',
  dtmf: 'тоновый набор',
  refer: 'переадресация',
  invite: 'вызов',
  mute: 'выключение микрофона',
  register: 'регистрация',
  'keep-alive': 'проверка связи',
};

const states: Record<CallState, string> = {
  ringing: 'ещё звонит',
  dialing: 'ещё не соединён',
  early: 'ещё не соединён',
  active: 'идёт разговор',
  held: 'на удержании',
  ended: 'завершён',
};

const actions: Record<CallAction, string> = {
  answer: 'принять',
  decline: 'отклонить',
  hold: 'поставить на удержание',
  resume: 'снять с удержания',
  mute: 'выключить микрофон',
  unmute: 'включить микрофон',
  dtmf: 'отправить тоны',
  transfer: 'переадресовать',
  connect: 'соединить',
  back: 'вернуть',
};

const causes: FactWords['causes'] = {
  sip: (c) => `${SIP_WORDS[c.code] ?? 'отказ'}, код SIP ${c.code}`,
  timeout: (c) => `нет ответа за ${c.seconds} с (${operations[c.operation]})`,
  'declined-by-dispatcher': () => 'отклонён диспетчером',
  'on-break': () => 'отклонён: диспетчер на перерыве',
  'caller-left-before-consultation': () => 'абонент положил трубку до консультации',
  'could-not-hold-other': (c) => `не удалось поставить на удержание: ${partyName(c.party)}`,
  'no-media': (c) => `нет звука от абонента ${c.seconds} с`,
  'session-refresh-failed': (c) => (c.code === null ? `сеанс не обновлён за ${c.seconds} с` : `обновление сеанса отклонено, код ${c.code}`),
  'connection-lost': () => 'связь потеряна',
  error: (c) => `техническая ошибка: ${c.detail}`,
};

const cause = (c: Cause | null, fallback = ''): string => (c ? causes[c.kind](c as never) : fallback);
const ended = (reason: CallEndReason, c: Cause | null): string => (c ? `${endReasonsRu[reason]} (${cause(c)})` : endReasonsRu[reason]);

const numberProblems: Record<NumberProblem, string> = {
  empty: 'Некуда звонить: введите номер или SIP-адрес.',
  'too-long': 'слишком длинно для номера или SIP-адреса.',
  'not-a-phone-number': 'не номер телефона: наберите цифры (например, +7 912 345-67-89, 8 912 345 67 89 или 1002) или SIP-адрес.',
  'sip-without-user': 'не SIP-адрес для звонка: нужен пользователь, например sip:1002@сервер.',
  'sip-bad-host': 'не содержит верного адреса сервера после «@».',
  'sip-bad-user': 'содержит символы, недопустимые в имени SIP-пользователя.',
};

const fieldRules: Record<FieldRule, string> = {
  required: 'обязательно',
  'too-long': 'слишком длинное',
  'not-a-phone-number': 'не номер телефона',
  'unknown-value': 'неизвестное значение',
  'bad-format': 'неверный формат',
  'not-text': 'должно быть текстом',
};

const fields: Record<string, string> = {
  pickupAddress: 'Адрес подачи',
  clientPhone: 'Телефон клиента',
  clientName: 'Имя клиента',
  destinationAddress: 'Адрес назначения',
  note: 'Примечание',
  order: 'Заказ',
};

const notFound: Record<string, string> = {
  order: 'Нет такого заказа',
  employee: 'Нет такого сотрудника',
  client: 'Нет такого клиента',
  notice: 'Уведомление уже закрыто',
  history: 'Нет такой записи в истории',
};

const unknownCaller: Record<UnknownCallerReason, string> = {
  identifying: 'определяется…',
  withheld: 'номер скрыт',
  'not-a-number': 'не номер телефона',
  failed: 'не удалось определить',
  unreadable: 'запись истории не читается',
};

export const factsRu: FactWords = makeFactWords({
  causes,
  operations,
  states,
  actions,
  numberProblems,
  fieldRules,
  unknownCaller,
  notices: {
    'call-failed': (n) => `${partyName(n.party)}: звонок не состоялся — ${ended(n.reason, n.cause)}`,
    'call-cut-off': (n) => `${partyName(n.party)}: разговор прервался — ${ended(n.reason, n.cause)}`,
    'answered-and-held': (n) => `${partyName(n.party)}: ответ получен, звонок поставлен на удержание — вы говорите по другой линии`,
    'transfer-failed': (n) =>
      `${partyName(n.party)}: переадресация на ${n.target} не удалась (${cause(n.cause, 'отказ')}). Абонент снова на линии с вами.`,
    'resume-failed': (n) => `${partyName(n.party)}: не удалось снять звонок с удержания (${cause(n.cause)})`,
    'hold-not-accepted': (n) =>
      `${partyName(n.party)}: звонок на удержании у вас, но другая сторона не приняла удержание (${cause(n.cause)}): абонент может слышать тишину.`,
    'resume-not-accepted': (n) =>
      `${partyName(n.party)}: звонок снова на линии у вас, но другая сторона этого не приняла (${cause(n.cause)}): абонент может вас не слышать.`,
    'connect-failed': (n) =>
      `Не удалось соединить абонентов: ${partyName(n.party)} и ${n.target ? partyName(n.target) : 'адресат переадресации'} (${cause(n.cause, 'отказ')}). ` +
      `Оба звонка остаются у вас${n.callerHeld ? '; абонент на удержании.' : '.'}`,
    'consultation-ended': (n) =>
      `${partyName(n.target)}: ${ended(n.reason, n.cause)}. ` +
      (n.callerHeld
        ? `${partyName(n.caller)} ждёт на удержании: снимите с удержания, чтобы продолжить разговор.`
        : `${partyName(n.caller)} по-прежнему на линии.`),
    'caller-left-consultation': (n) =>
      `${partyName(n.caller)}: абонент положил трубку во время консультации; разговор продолжается — ${partyName(n.target)}.`,
    'presence-not-sent': (n) =>
      `Не удалось сообщить серверу ваш статус (${n.detail}); ` +
      (n.presence === 'break' ? 'новые звонки здесь всё равно отклоняются, пока вы на перерыве.' : 'звонки здесь принимаются.'),
    'history-write-failed': (n) => `Не удалось записать историю звонков: ${n.detail}`,
    'internal-error': (n) => `Внутренняя ошибка: ${n.detail}`,
    // media
    'device-fallback': (n) =>
      `Устройство «${n.wanted}» не подключено. ${{ ring: 'Звонок', talk: 'Разговор', microphone: 'Микрофон' }[n.role]} — ` +
      `${n.using ? `на устройстве «${n.using}»` : 'на устройстве по умолчанию'}${n.midCall ? ': звук текущего разговора переведён туда' : ''}`,
  },
  errors: {
    'bad-argument': (e) => `Команда «${e.command}»: неверное значение${e.field ? ` поля ${e.field}` : ''}`,
    'malformed-frame': () => 'Сообщение не удалось прочитать',
    'unknown-command': (e) => `Неизвестная команда «${e.command}»`,
    'no-such-call': () => 'Такого звонка нет (возможно, он уже завершён)',
    'call-ended': (e) => (e.endReason ? `Звонок уже завершён (${endReasonsRu[e.endReason]})` : 'Звонок уже завершён'),
    'call-not-ready': (e) => `Нельзя ${actions[e.action]}: звонок ${states[e.state]}`,
    'already-in-progress': (e) => (e.action === 'answer' ? 'На звонок уже отвечают' : 'Переадресация этого звонка уже идёт'),
    'being-declined': () => 'Звонок уже отклоняется',
    'being-hung-up': () => 'Звонок уже завершается',
    'is-consultation': () => 'Это консультация: соедините абонентов или вернитесь к абоненту',
    'no-consultation': () => 'У этого звонка нет консультации: сначала начните условную переадресацию',
    'consultation-abandoned': () => 'Консультация отменена',
    'consultation-ended': () => 'Нельзя соединить: консультация уже завершена',
    'caller-gone': () => 'Абонента этой консультации уже нет на линии',
    'target-not-answered': () => 'Адресат ещё не ответил: соединяйте, когда консультация начнётся',
    'connecting-in-progress': () => 'Абоненты уже соединяются; дождитесь результата',
    'already-transferred': () => 'Абонент уже переадресован',
    'no-connection': () => 'У звонка нет соединения',
    'shutting-down': () => 'Телефон завершает работу',
    'not-registered': () => 'Нет регистрации на сервере телефонии: звонить сейчас нельзя',
    'invalid-number': (e) => (e.problem === 'empty' ? numberProblems.empty : `«${e.input}» ${numberProblems[e.problem]}`),
    'invalid-dtmf': () => 'Тоновый набор: только цифры 0–9, *, # и A–D',
    'operation-failed': (e) =>
      `Не удалось выполнить: ${operations[e.operation]}${e.party ? ` (${partyName(e.party)})` : ''} — ${cause(e.cause)}`,
    'not-found': (e) => notFound[e.what] ?? 'Не найдено',
    'invalid-field': (e) => `${fields[e.field] ?? e.field}: ${fieldRules[e.rule]}${e.max ? ` (не более ${e.max} символов)` : ''}.`,
    storage: (e) => `Не удалось сохранить или прочитать данные: ${e.detail}`,
    'stored-not-readable': () => 'Заказ сохранён, но прочитать его не удалось.',
    audio: (e) => `Неполадка звукового устройства: ${e.detail}`,
    'mic-test-during-call': () => 'Во время разговора микрофон проверить нельзя: он занят звонком',
    'mic-test-interrupted': () => 'Проверка микрофона прервана: начался звонок',
    'device-not-connected': (e) => `Устройство «${e.device}» не подключено: подключите его или выберите другое`,
    'mic-no-signal': (e) => `Микрофон не передал ни звука за ${e.seconds} с: его занимает другая программа или он неисправен`,
    unauthorized: () => 'Нет доступа',
    'core-unreachable': () => 'Нет связи с ядром телефона',
    'core-timeout': (e) => `Ядро телефона не ответило на команду «${e.command}»`,
    // desktop shell
    'account-change-during-call': () => 'Завершите разговоры, прежде чем менять учётную запись SIP',
    'account-not-editable': () => 'Здесь учётная запись SIP задаётся в файле настроек',
    internal: (e) => `Внутренняя ошибка: ${e.detail}`,
  },
  // desktop shell: why the settings opened on the SIP account (renderer/settings/account-attention.ts)
  accountAttention: {
    'no-account': () => 'Укажите учётную запись SIP, чтобы принимать звонки.',
    'password-missing': (a) =>
      a.why === 'no-keyring'
        ? 'Введите пароль SIP: на этом компьютере нет хранилища ключей, чтобы надёжно сохранить его, поэтому он запрашивается при каждом запуске.'
        : a.why === 'sealed-elsewhere'
          ? 'Введите пароль SIP ещё раз: сохранённый пароль не открывается на этом компьютере или под этой учётной записью.'
          : 'Введите пароль SIP: для этой учётной записи пароль не сохранён, поэтому телефон не зарегистрирован.',
    'credentials-refused': (a) => `Сервер не принял имя пользователя или пароль (${a.code}). Проверьте их, введите пароль и сохраните снова.`,
  },
});
