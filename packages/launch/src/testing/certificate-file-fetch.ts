/**
 * For tests that start `orquesta serve`: a fetch that verifies the coordinator against the certificate
 * it makes on first start (`file`, its tls.crt), as the CLI's `--ca` does. Until the file holds a whole
 * certificate, calls fail, so a test polling for the coordinator simply tries again.
 */
import { readFileSync } from 'node:fs';
import { coordinatorFetch, type CoordinatorFetch } from '../trust/coordinator-fetch.js';

export function certificateFileFetch(file: string): CoordinatorFetch {
  let fetcher: CoordinatorFetch | undefined;
  return async (url, init) => {
    if (fetcher === undefined) {
      const pem = readFileSync(file, 'utf8');
      if (!pem.includes('-----END CERTIFICATE-----')) throw new Error(`${file} is not written yet`);
      fetcher = coordinatorFetch({ ca: { pem, file }, knownFile: `${file}.unused-known.json` });
    }
    return fetcher(url, init);
  };
}
