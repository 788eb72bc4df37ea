// Does the screen fit? Measured in the page, not guessed from a screenshot: every element the selector finds
// must lie inside the viewport and inside every ancestor that clips (overflow other than visible), and no
// such ancestor may scroll sideways (a table that scrolls sideways at this width has a cut column).
import type { Locator } from '@playwright/test';

export interface ClippedElement {
  what: string;
  rect: { left: number; right: number; top: number; bottom: number };
  by: string;
}

/** Elements under `root` matching `selector` that are cut by the viewport or by a clipping ancestor. */
export async function clippedElements(root: Locator, selector: string): Promise<ClippedElement[]> {
  return root.evaluate((rootEl, sel) => {
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const out: Array<{ what: string; rect: { left: number; right: number; top: number; bottom: number }; by: string }> = [];
    const vw = document.documentElement.clientWidth;
    const slack = 0.5;
    for (const el of Array.from(rootEl.querySelectorAll(sel))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not drawn
      const rect = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      if (r.left < -slack || r.right > vw + slack) {
        out.push({ what: describe(el), rect, by: 'viewport (width)' });
        continue;
      }
      for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const ar = a.getBoundingClientRect();
        const sideways = a.scrollWidth > a.clientWidth + 1 && style.overflowX !== 'visible';
        if (sideways || r.left < ar.left - slack || r.right > ar.right + slack) {
          out.push({ what: describe(el), rect, by: `${describe(a)}${sideways ? ' (scrolls sideways)' : ''}` });
          break;
        }
      }
    }
    return out;
  }, selector);
}

/** Elements whose own text does not fit their box (ellipsis or hidden overflow cut it). */
export async function cutTexts(root: Locator, selector: string): Promise<string[]> {
  return root.evaluate((rootEl, sel) => {
    const out: string[] = [];
    for (const el of Array.from(rootEl.querySelectorAll(sel)) as HTMLElement[]) {
      if (el.offsetWidth === 0) continue;
      const style = getComputedStyle(el);
      if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) out.push((el.textContent ?? '').trim());
    }
    return out;
  }, selector);
}
