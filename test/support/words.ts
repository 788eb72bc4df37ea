// The core's facts in English words (the renderer's dictionary), so tests can read a notice or an error the
// way a dispatcher with the English UI would.
import type { PhoneError } from '../../shared/errors.js';
import type { Notice } from '../../shared/state.js';
import { en } from '../../renderer/i18n/en.js';
import { errorText, noticeText } from '../../renderer/i18n/index.js';

export const noticeEn = (n: Notice | undefined): string => (n ? noticeText(n.what, en) : '');
export const errorEn = (e: PhoneError): string => errorText(e, en);
