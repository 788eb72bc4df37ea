// A modal window over the panel (history, settings): title, a close button, the content.
import type { ComponentChildren } from 'preact';
import { useT } from '../i18n/index.js';
import { keyName } from '../telephony/key-names.js';

export function Overlay(props: { title: string; testId: string; boxClass: string; onClose: () => void; children: ComponentChildren }) {
  const t = useT();
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={props.title} data-testid={`${props.testId}-panel`}>
      <div class={`overlay-box ${props.boxClass}`}>
        <header class="panel-head">
          <h2>{props.title}</h2>
          <button type="button" class="btn btn-small btn-ghost" data-testid={`${props.testId}-close`} aria-label={t.close} title={t.withKey(t.close, keyName('close-popups'))} onClick={props.onClose}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
