import { describe, expect, it } from 'vitest';
import { decideLink, linkFromArgv, parseLink } from '../../../main/desktop/links.js';
import { emptyPhoneState } from '../../support/phone-state.js';
import { call } from './harness.js';

describe('tel: and sip: links', () => {
  it('decodes tel: links into a number, dropping separators and parameters', () => {
    expect(parseLink('tel:+7%20(912)%20345-67-89')).toBe('+79123456789');
    expect(parseLink('tel:8-912-345-67-89;phone-context=+7')).toBe('89123456789');
    expect(parseLink('TEL://1002')).toBe('1002');
    expect(parseLink('callto:+79123456789')).toBe('+79123456789');
  });

  it('keeps sip: addresses, decoded, without header parameters', () => {
    expect(parseLink('sip:1002@pbx.example')).toBe('sip:1002@pbx.example');
    expect(parseLink('sips:%31002@pbx.example?subject=x')).toBe('sips:1002@pbx.example');
  });

  it('refuses what is no link or no number', () => {
    for (const bad of ['https://evil.example', 'tel:', 'tel:abc', 'tel:%', 'tel:12%0A34', 'sip:', 'sip:a b@c', 'file:///etc/passwd', '--config']) {
      expect(parseLink(bad), bad).toBeNull();
    }
  });

  it('finds the link in a launch argv (the first launch and a second instance alike)', () => {
    expect(linkFromArgv(['--no-sandbox', '--config', '/x.json', 'tel:+79123456789'])).toBe('+79123456789');
    expect(linkFromArgv(['.', '--flag'])).toBeNull();
  });

  it('asks unless the setting says at once, and always asks with a call up', () => {
    const base = emptyPhoneState();
    expect(decideLink('1002', base)).toEqual({ kind: 'confirm', target: '1002' });
    const atOnce = { ...base, settings: { ...base.settings, dialLinksAtOnce: true } };
    expect(decideLink('1002', atOnce)).toEqual({ kind: 'dial', target: '1002' });
    for (const state of ['active', 'held', 'dialing', 'early'] as const) {
      expect(decideLink('1002', { ...atOnce, calls: [call('a', { state })] }).kind, state).toBe('confirm');
    }
    expect(decideLink('1002', { ...atOnce, calls: [call('a', { state: 'ringing' })] }).kind).toBe('dial');
  });
});
