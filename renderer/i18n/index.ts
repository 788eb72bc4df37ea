import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Locale } from '../../shared/domain.js';
import type { PhoneError } from '../../shared/errors.js';
import type { NoticeWhat } from '../../shared/facts.js';
import { en, type Strings } from './en.js';
import { ru } from './ru.js';

export type { Strings };
export const dictionaries: Record<Locale, Strings> = { ru, en };
export const DEFAULT_LOCALE: Locale = 'ru';

export const I18nContext = createContext<{ locale: Locale; t: Strings }>({ locale: DEFAULT_LOCALE, t: ru });

export function useT(): Strings {
  return useContext(I18nContext).t;
}

export function useLocale(): Locale {
  return useContext(I18nContext).locale;
}

/** A notice in the dispatcher's language, from its facts. */
export function noticeText(what: NoticeWhat, t: Strings): string {
  return (t.facts.notices[what.kind] as (w: NoticeWhat) => string)(what);
}

/** A command's error in the dispatcher's language, from its facts. */
export function errorText(error: PhoneError, t: Strings): string {
  return (t.facts.errors[error.why.kind] as (w: PhoneError['why']) => string)(error.why);
}
