import { KeyObject, verify, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { crc32 } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PayPalUnavailable, PayPalWebhookRejected } from './paypal.errors';

const MAX_CERT_BYTES = 64 * 1024;
const MAX_CACHED = 16;
const FETCH_TIMEOUT_MS = 5000;

type Headers = Record<string, string | string[] | undefined>;

class CertificateRefused extends Error {}

/**
 * Verifies a PayPal webhook locally, as PayPal documents it: an RSA-SHA256
 * signature over `transmissionId|transmissionTime|webhookId|crc32(body)`,
 * checked with the certificate named by PAYPAL-CERT-URL. That certificate is
 * fetched only from the configured prefixes (PayPal's own hosts, over TLS,
 * redirects refused), must be PayPal's message verification certificate (its
 * subject's CN, as PayPal's reference code requires), must chain through the
 * certificates served with it to a trusted root, and is cached by URL until
 * the first certificate of its chain expires.
 *
 * A replayed event passes this check; that is harmless, because every event
 * is handled idempotently (dedupe on PayPal's capture, refund or dispute id).
 */
@Injectable()
export class PayPalWebhookVerifier {
  private readonly certificates = new Map<string, Promise<{ key: KeyObject; validTo: number }>>();
  private roots: X509Certificate[] | undefined;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** The trust anchors: PAYPAL_CERT_CA_FILE's, or Node's bundled roots; read once. */
  private trustedRoots(): X509Certificate[] {
    this.roots ??= (this.config.paypal?.certRoots ?? rootCertificates).map(
      (pem) => new X509Certificate(pem),
    );
    return this.roots;
  }

  /** Resolves when the body is a genuine event for our webhook id; throws PayPalWebhookRejected otherwise. */
  async verify(headers: Headers, body: Buffer): Promise<void> {
    const webhookId = this.config.paypal?.webhookId;
    if (!webhookId) throw new Error('verify() called without PayPal configured');
    const transmissionId = single(headers['paypal-transmission-id']);
    const time = single(headers['paypal-transmission-time']);
    const signature = single(headers['paypal-transmission-sig']);
    const certUrl = single(headers['paypal-cert-url']);
    const algorithm = single(headers['paypal-auth-algo']);
    if (!transmissionId || !time || !signature || !certUrl || !algorithm)
      throw new PayPalWebhookRejected('The PayPal signature headers are missing.');
    if (algorithm !== 'SHA256withRSA')
      throw new PayPalWebhookRejected('Only SHA256withRSA signatures are accepted.');
    if (!this.isTrusted(certUrl))
      throw new PayPalWebhookRejected('The signing certificate is not from a trusted source.');

    const key = await this.publicKey(certUrl);
    const message = `${transmissionId}|${time}|${webhookId}|${crc32(body)}`;
    const signatureBytes = Buffer.from(signature, 'base64');
    let valid = false;
    try {
      valid = verify('sha256', Buffer.from(message), key, signatureBytes);
    } catch {
      valid = false;
    }
    if (!valid) throw new PayPalWebhookRejected('The signature does not match the event.');
  }

  /**
   * Exactly as written, under a configured prefix: the URL must be its own
   * normal form (no "..", no "%2e" games), carry no credentials, query or
   * fragment, and the prefixes end in "/" so a look-alike host cannot match.
   */
  private isTrusted(certUrl: string): boolean {
    let url: URL;
    try {
      url = new URL(certUrl);
    } catch {
      return false;
    }
    if (url.href !== certUrl || url.username || url.password || url.search || url.hash)
      return false;
    if (/%2e|%2f|%5c/i.test(url.pathname)) return false;
    return (this.config.paypal?.certUrlPrefixes ?? []).some((prefix) => certUrl.startsWith(prefix));
  }

  private async publicKey(certUrl: string): Promise<KeyObject> {
    const now = Date.now();
    let entry = this.certificates.get(certUrl);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      if (!cached || cached.validTo <= now) {
        this.certificates.delete(certUrl);
        entry = undefined;
      }
    }
    if (!entry) {
      if (this.certificates.size >= MAX_CACHED) this.certificates.clear();
      const loading = this.load(certUrl);
      this.certificates.set(certUrl, loading);
      // A failed load is not kept: the next event tries again.
      loading.catch(() => {
        if (this.certificates.get(certUrl) === loading) this.certificates.delete(certUrl);
      });
      entry = loading;
    }
    try {
      return (await entry).key;
    } catch (error) {
      if (error instanceof CertificateRefused) throw new PayPalWebhookRejected(error.message);
      throw new PayPalUnavailable(
        'The signing certificate could not be fetched; nothing was changed. PayPal will retry.',
      );
    }
  }

  private async load(certUrl: string): Promise<{ key: KeyObject; validTo: number }> {
    // Once more on a failure that names no certificate problem: a connection
    // reused from the pool may have been closed by the other side meanwhile.
    const pem = await fetchPem(certUrl).catch((error: unknown) => {
      if (error instanceof CertificateRefused) throw error;
      return fetchPem(certUrl);
    });
    let chain: X509Certificate[];
    try {
      // The first certificate is the one that signs; the others are its issuers, in order.
      chain = (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
        (block) => new X509Certificate(block),
      );
    } catch {
      throw new CertificateRefused('The signing certificate cannot be read.');
    }
    const [leaf] = chain;
    if (!leaf) throw new CertificateRefused('The signing certificate cannot be read.');
    const now = Date.now();
    for (const certificate of chain) {
      if (!(Date.parse(certificate.validFrom) <= now && now < Date.parse(certificate.validTo)))
        throw new CertificateRefused('The signing certificate is not valid now.');
    }
    const names = commonNames(leaf.subject);
    if (!names.some((name) => this.config.paypal?.certCommonNames.includes(name)))
      throw new CertificateRefused(
        "The signing certificate is not PayPal's message verification certificate.",
      );
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!issuedBy(chain[i], chain[i + 1]))
        throw new CertificateRefused('The signing certificate chain is broken.');
    }
    const last = chain[chain.length - 1];
    const anchored = this.trustedRoots().some(
      (root) => root.fingerprint256 === last.fingerprint256 || issuedBy(last, root),
    );
    if (!anchored)
      throw new CertificateRefused('The signing certificate does not chain to a trusted root.');
    return {
      key: leaf.publicKey,
      validTo: Math.min(...chain.map((c) => Date.parse(c.validTo))),
    };
  }
}

/** True when `issuer` may issue certificates and signed this one. */
function issuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return issuer.ca && certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The CN values of an X.509 subject as Node writes it ("CN=…\nO=…"). */
function commonNames(subject: string): string[] {
  return subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** GET over the network, no redirects, a size cap; a 4xx means the URL names no certificate. */
async function fetchPem(url: string): Promise<string> {
  const response = await fetch(url, {
    redirect: 'error',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (response.status >= 400 && response.status < 500)
    throw new CertificateRefused('The signing certificate does not exist.');
  if (!response.ok) throw new Error(`certificate source answered ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_CERT_BYTES)
    throw new CertificateRefused('The signing certificate is too large.');
  const text = await response.text();
  if (text.length > MAX_CERT_BYTES)
    throw new CertificateRefused('The signing certificate is too large.');
  return text;
}
