// The CallerIdentifier port (calls/ asks it while a call rings) over any DispatchData.
import type { CallerIdentity } from '../../shared/domain.js';
import type { CallerIdentifier } from '../calls/ports.js';
import type { DispatchData } from './dispatch-data.js';

export class DirectoryCallerIdentifier implements CallerIdentifier {
  constructor(private readonly data: Pick<DispatchData, 'identify'>) {}

  async identify(number: string): Promise<CallerIdentity> {
    try {
      return await this.data.identify(number);
    } catch (error) {
      return { kind: 'unknown', reason: 'failed', detail: (error as Error).message };
    }
  }
}
