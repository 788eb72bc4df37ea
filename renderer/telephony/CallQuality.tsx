// The call's quality figure (media's E-model estimate), shown only when it is fair or poor: a good
// line needs no words, a bad one tells the dispatcher why the caller is hard to hear.
import type { MediaStats } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';

export function CallQuality(props: { media: MediaStats | null }) {
  const t = useT();
  const m = props.media;
  if (!m || (m.quality !== 'fair' && m.quality !== 'poor') || m.mos === null) return null;
  const loss = Math.max(m.lossPercent ?? 0, m.remoteLossPercent ?? 0);
  return (
    <span class={`badge badge-quality-${m.quality}`} data-testid="call-quality" data-quality={m.quality} title={t.callQualityDetail(m.mos, loss, m.rttMs)}>
      {t.callQuality[m.quality]}
    </span>
  );
}
