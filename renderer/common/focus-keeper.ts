// The focus is never left on the page: when the element that had it leaves the screen (a call panel's button
// when the call ends, the intake form's button when the form closes, a pop-up's close button), the
// fallback (the phone book search) takes it, so the dispatcher's next key reaches a field.
import { useEffect } from 'preact/hooks';

export function useFocusKeeper(fallback: () => HTMLElement | null): void {
  useEffect(() => {
    let last: Element | null = null;
    const onFocusIn = (ev: FocusEvent) => {
      last = ev.target instanceof Element ? ev.target : null;
    };
    // Only when the focused element itself went: a click on an empty spot of the page is left alone.
    const rescue = () => {
      if (last === null || last.isConnected) return;
      last = null;
      const now = document.activeElement;
      if (now === null || now === document.body) fallback()?.focus();
    };
    const observer = new MutationObserver(rescue);
    observer.observe(document.body, { childList: true, subtree: true });
    document.addEventListener('focusin', onFocusIn);
    return () => {
      observer.disconnect();
      document.removeEventListener('focusin', onFocusIn);
    };
  }, []);
}
