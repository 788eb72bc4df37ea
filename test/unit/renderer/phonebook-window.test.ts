// The phone book draws only the rows in view (renderer/telephony/PhoneBook.tsx): which rows, for a scroll.
import { describe, expect, it } from 'vitest';
import { ENTRY_ROW_PX, visibleWindow } from '../../../renderer/telephony/PhoneBook.js';

describe('the phone book window', () => {
  it('before the list has a height, draws the first rows', () => {
    expect(visibleWindow(50, 0, 0)).toEqual({ first: 0, end: 24 });
    expect(visibleWindow(3, 0, 0)).toEqual({ first: 0, end: 3 });
  });

  it('at the top: the rows in view and two more', () => {
    // 515 px show 17 whole rows and part of the 18th.
    expect(visibleWindow(50, 0, 515)).toEqual({ first: 0, end: Math.ceil(515 / ENTRY_ROW_PX) + 2 });
  });

  it('scrolled: two rows before the first in view, two after the last', () => {
    const top = 20 * ENTRY_ROW_PX + 7; // row 20 partly in view
    expect(visibleWindow(50, top, 300)).toEqual({ first: 18, end: Math.ceil((top + 300) / ENTRY_ROW_PX) + 2 });
  });

  it('never past the end, and nothing for no entries', () => {
    expect(visibleWindow(50, 45 * ENTRY_ROW_PX, 515)).toEqual({ first: 43, end: 50 });
    expect(visibleWindow(0, 0, 515)).toEqual({ first: 0, end: 0 });
    expect(visibleWindow(5, 900, 515)).toEqual({ first: 5, end: 5 });
  });
});
