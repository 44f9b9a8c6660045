/**
 * The API's TLS certificate: the one given (`--tls-cert/--tls-key`), or else a self-signed one made on
 * first start beside the database (`tls.crt`, `tls.key` mode 0600), like the token file, and kept: its
 * SHA-256 fingerprint is what clients pin (`orquesta serve` prints it). ECDSA P-256, ten years, named
 * for localhost, this host's name and every address of its interfaces (so `--ca tls.crt` also verifies).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsIdentity {
  /** PEM. */
  readonly cert: string;
  /** PEM. */
  readonly key: string;
  /** SHA-256 of the certificate, `AB:CD:...` (Node's fingerprint256). */
  readonly fingerprint: string;
  readonly certFile: string;
  /** True when this call made the certificate. */
  readonly created: boolean;
}

/** A certificate or key file that cannot be read, made, or does not hold a matching pair. */
export class TlsCertificateError extends Error {
  override readonly name = 'TlsCertificateError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** @throws {TlsCertificateError} */
export function loadCertificate(certFile: string, keyFile: string): TlsIdentity {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new TlsCertificateError(`cannot read the TLS certificate or key: ${(error as Error).message}`, { cause: error });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new TlsCertificateError(`${certFile} holds no PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new TlsCertificateError(`${keyFile} holds no PEM private key: ${(error as Error).message}`, { cause: error });
  }
  if (!matches) throw new TlsCertificateError(`${keyFile} is not the private key of the certificate in ${certFile}`);
  if (Date.parse(x509.validTo) < Date.now()) throw new TlsCertificateError(`the certificate in ${certFile} expired on ${x509.validTo}`);
  return { cert, key, fingerprint: x509.fingerprint256, certFile, created: false };
}

/** @throws {TlsCertificateError} */
export async function loadOrCreateCertificate(certFile: string, keyFile: string, extraNames: readonly string[] = []): Promise<TlsIdentity> {
  if (existsSync(certFile) || existsSync(keyFile)) return loadCertificate(certFile, keyFile);
  const names = certificateNames(extraNames);
  let made;
  try {
    made = await generate([{ name: 'commonName', value: `orquesta coordinator ${hostname()}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))],
        },
      ],
    });
  } catch (error) {
    throw new TlsCertificateError(`cannot make a TLS certificate: ${(error as Error).message}`, { cause: error });
  }
  try {
    mkdirSync(dirname(certFile), { recursive: true });
    mkdirSync(dirname(keyFile), { recursive: true });
    // The key first, exclusively: two servers starting at once do not overwrite each other's.
    writeFileSync(keyFile, made.private, { mode: 0o600, flag: 'wx' });
    writeFileSync(certFile, made.cert, { flag: 'wx' });
  } catch (error) {
    throw new TlsCertificateError(`cannot write the TLS certificate to ${certFile}: ${(error as Error).message}`, { cause: error });
  }
  return { ...loadCertificate(certFile, keyFile), created: true };
}

/** localhost, this host's name, the extra names, and every interface address (IPv6 link-local left out). */
function certificateNames(extra: readonly string[]): { dns: string[]; ips: string[] } {
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const dns = new Set<string>(['localhost', hostname()]);
  for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) if (!a.address.startsWith('fe80')) ips.add(a.address);
  for (const name of extra) {
    if (name === '' || name === '0.0.0.0' || name === '::') continue;
    (/^[\d.]+$|:/.test(name) ? ips : dns).add(name);
  }
  return { dns: [...dns], ips: [...ips] };
}
