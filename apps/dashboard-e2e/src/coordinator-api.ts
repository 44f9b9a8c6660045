/**
 * fetch for the API of a coordinator whose token file is in DIR: `orquesta serve` makes its self-signed
 * certificate there (DIR/tls.crt) on first start, and this verifies against it (as the CLI's `--ca`
 * does). Until the file holds a whole certificate, calls fail (a test polling for the coordinator tries again).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coordinatorFetch, type CoordinatorFetch } from '@orquesta/launch';

export function apiFetch(dir: string): CoordinatorFetch {
  const file = join(dir, 'tls.crt');
  let fetcher: CoordinatorFetch | undefined;
  return async (url, init) => {
    if (fetcher === undefined) {
      const pem = readFileSync(file, 'utf8');
      if (!pem.includes('-----END CERTIFICATE-----')) throw new Error(`${file} is not written yet`);
      fetcher = coordinatorFetch({ ca: { pem, file }, knownFile: join(dir, 'unused-known.json') });
    }
    return fetcher(url, init);
  };
}
