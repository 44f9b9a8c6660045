import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERTIFICATE_PROBLEM, CertificateTrustError, coordinatorFetch } from '@orquesta/launch';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCertificate, loadOrCreateCertificate, TlsCertificateError } from '../auth/tls-certificate.js';
import { ApiError, CoordinatorClient, InsecureCoordinatorError } from '../client/coordinator-client.js';
import { InMemoryCluster } from '../testing/in-memory-cluster.js';
import { buildApi } from './api.js';
import { localBackend } from './api-backend.js';

const TOKEN = 'ab'.repeat(32);
const dirs: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-tls-'));
  dirs.push(dir);
  return dir;
}

/** The API over HTTPS with a certificate made in `dir`, on `port` (0: any). */
async function tlsApi(dir: string, port = 0) {
  const identity = await loadOrCreateCertificate(join(dir, 'tls.crt'), join(dir, 'tls.key'));
  const cluster = new InMemoryCluster(':memory:');
  const app = buildApi({ coordinator: localBackend(cluster.coordinator), store: cluster.store, controlPort: 7071, token: TOKEN, tls: identity });
  const url = await app.listen({ host: '127.0.0.1', port });
  closers.push(async () => {
    await app.close();
    cluster.store.close();
  });
  return { url, identity };
}

/** A server in the coordinator's place with a certificate of its own: it counts the requests it gets. */
async function impostor(port: number) {
  const identity = await loadOrCreateCertificate(join(tempDir(), 'tls.crt'), join(tempDir(), 'tls.key'));
  const seen: string[] = [];
  const server: HttpsServer = createHttpsServer({ cert: identity.cert, key: identity.key }, (request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(r).closeAllConnections()));
  return { seen, identity };
}

const problemOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CertificateTrustError);
  return { problem: (error as CertificateTrustError).problem, message: (error as Error).message };
};

describe("the API's certificate", () => {
  it('is made once beside the database (key mode 0600) and kept; a key that is not its own is refused', async () => {
    const dir = tempDir();
    const made = await loadOrCreateCertificate(join(dir, 'tls.crt'), join(dir, 'tls.key'), ['10.9.8.7', 'coordinator.example']);
    expect(made.created).toBe(true);
    expect(statSync(join(dir, 'tls.key')).mode & 0o777).toBe(0o600);
    const x509 = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
    expect(made.fingerprint).toBe(x509.fingerprint256);
    expect(x509.subjectAltName).toMatch(/DNS:localhost.*DNS:coordinator\.example.*IP Address:127\.0\.0\.1.*IP Address:10\.9\.8\.7/);
    const again = await loadOrCreateCertificate(join(dir, 'tls.crt'), join(dir, 'tls.key'));
    expect([again.created, again.fingerprint]).toEqual([false, made.fingerprint]);

    const other = tempDir();
    await loadOrCreateCertificate(join(other, 'tls.crt'), join(other, 'tls.key'));
    expect(() => loadCertificate(join(dir, 'tls.crt'), join(other, 'tls.key'))).toThrow(/is not the private key of the certificate/);
    writeFileSync(join(other, 'junk.crt'), 'not a certificate');
    expect(() => loadCertificate(join(other, 'junk.crt'), join(other, 'tls.key'))).toThrow(TlsCertificateError);
  });
});

describe('a client of the HTTPS API', () => {
  it('pins the certificate on first use, and refuses a substituted one without sending the token', async () => {
    const dir = tempDir();
    const { url, identity } = await tlsApi(dir);
    const knownFile = join(tempDir(), 'known-coordinators.json');
    const told: string[] = [];
    const client = () => new CoordinatorClient(url, TOKEN, coordinatorFetch({ knownFile, log: (line) => told.push(line) }));
    expect((await client().list()).total).toBe(0);
    expect(told).toEqual([expect.stringContaining(`on first use: SHA-256 ${identity.fingerprint}`)]);
    expect(JSON.parse(readFileSync(knownFile, 'utf8'))).toEqual({ [url]: { certificate: identity.fingerprint, since: expect.any(String) } });
    // Pinned: nothing more to say, on a second connection of the same client too (no TLS session resumption, which would show no certificate).
    const same = client();
    await same.list();
    expect((await Promise.all([same.list(), same.list()])).map((page) => page.total)).toEqual([0, 0]);
    expect(told).toHaveLength(1);

    // Another server takes the port: the client refuses it after the handshake, before the request.
    const port = Number(new URL(url).port);
    await closers.shift()?.();
    const fake = await impostor(port);
    const refused = await problemOf(client().submit('name: x', 'x.yaml'));
    expect(refused.problem).toBe(CERTIFICATE_PROBLEM.changed);
    expect(refused.message).toContain(`but ${identity.fingerprint} was pinned for it`);
    expect(fake.seen).toEqual([]);
  });

  it('takes an expected fingerprint or a CA instead of pinning, and refuses any other certificate', async () => {
    const dir = tempDir();
    const { url, identity } = await tlsApi(dir);
    const knownFile = join(tempDir(), 'known.json');
    const withFingerprint = (fingerprint: string) => new CoordinatorClient(url, TOKEN, coordinatorFetch({ knownFile, fingerprint }));
    expect((await withFingerprint(identity.fingerprint.replace(/:/g, '').toLowerCase()).list()).total).toBe(0);
    const other = await loadOrCreateCertificate(join(tempDir(), 'tls.crt'), join(tempDir(), 'tls.key'));
    expect((await problemOf(withFingerprint(other.fingerprint).list())).problem).toBe(CERTIFICATE_PROBLEM.notPinned);
    expect(() => withFingerprint('SHA256:abc')).toThrow(/must be a SHA-256 fingerprint/);

    const withCa = (pem: string) => new CoordinatorClient(url, TOKEN, coordinatorFetch({ knownFile, ca: { pem, file: 'ca.pem' } }));
    expect((await withCa(identity.cert).list()).total).toBe(0);
    const untrusted = await problemOf(withCa(other.cert).list());
    expect(untrusted.problem).toBe(CERTIFICATE_PROBLEM.untrusted);
    expect(untrusted.message).toMatch(/ca\.pem does not vouch for/);
    expect(() => readFileSync(knownFile)).toThrow(/ENOENT/); // nothing was pinned
  });

  it('plain HTTP to the TLS port gets a 400 naming the https URL; HTTPS to a plain HTTP port is named as such', async () => {
    const { url } = await tlsApi(tempDir());
    const plainUrl = url.replace('https:', 'http:');
    const answer = await fetch(`${plainUrl}/api/experiments`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      error: { code: 'tls_required', message: `this coordinator speaks HTTPS only: use ${url} (plain HTTP would carry tokens in clear text)` },
    });
    const viaClient = await new CoordinatorClient(plainUrl, TOKEN).list().catch((e: unknown) => e);
    expect(viaClient).toBeInstanceOf(ApiError);
    expect((viaClient as ApiError).code).toBe('tls_required');

    const plain: HttpServer = createHttpServer((_request, response) => response.end('[]'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => plain.close(r).closeAllConnections()));
    const httpsToPlain = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const refused = await problemOf(new CoordinatorClient(httpsToPlain, TOKEN, coordinatorFetch({ knownFile: join(tempDir(), 'k.json') })).list());
    expect(refused.problem).toBe(CERTIFICATE_PROBLEM.notTls);
    expect(refused.message).toMatch(/does not speak TLS \(a coordinator started with --insecure-http\?/);
  });

  it('never sends a token over plain HTTP to another host', async () => {
    const error = await new CoordinatorClient('http://10.255.255.1:7070', TOKEN).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsecureCoordinatorError);
    expect((error as Error).message).toMatch(/refusing to send the API token in clear text to http:\/\/10\.255\.255\.1:7070/);
  });
});
