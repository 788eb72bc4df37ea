// A component drawn again only when one of its props changed (shallow), like React.memo. Not preact/compat's:
// importing compat re-wires every onChange of the page into onInput.
import { Component, h, type FunctionComponent } from 'preact';

function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const key in a) if (key !== 'children' && a[key] !== b[key]) return false;
  for (const key in b) if (!(key in a)) return false;
  return a['children'] === undefined && b['children'] === undefined;
}

export function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props as Record<string, unknown>, next as Record<string, unknown>);
    }
    override render(props: P) {
      return h(render, props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
