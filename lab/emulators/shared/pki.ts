/**
 * The lab's own certificate authority: one CA per basecamp, and server and
 * client certificates signed by it (ECDSA P-256). Vault and the Kubernetes
 * API serve HTTPS with these; kubeconfigs and VAULT_CACERT point at the CA.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_DAYS = 365;

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface ServerCertificateOptions {
  /** DNS names, for example `vault.vault.svc` and `localhost`. */
  dnsNames: string[];
  /** IP addresses, for example `127.0.0.1`. */
  ipAddresses: string[];
  commonName?: string;
}

export interface ClientCertificateOptions {
  /** The user name (Kubernetes reads the subject CN). */
  commonName: string;
  /** Group names (Kubernetes reads the subject O). */
  organizations?: string[];
}

/** Creates a new self-signed CA. */
export async function createCertificateAuthority(commonName = 'basecamp-lab CA'): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    notBefore: daysFromNow(-1),
    notAfter: daysFromNow(VALIDITY_DAYS * 10),
    keys: keys as CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as CryptoKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey as CryptoKey) };
}

/** Issues a TLS server certificate for the given names and addresses. */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  options: ServerCertificateOptions,
): Promise<IssuedCertificate> {
  const altNames = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  return issue(ca, `CN=${options.commonName ?? options.dnsNames[0] ?? 'server'}`, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(altNames),
  ]);
}

/** Issues a TLS client certificate (subject CN = user, O = groups). */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  options: ClientCertificateOptions,
): Promise<IssuedCertificate> {
  const organizations = (options.organizations ?? []).map((group) => `, O=${group}`).join('');
  return issue(ca, `CN=${options.commonName}${organizations}`, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}

async function issue(
  ca: CertificateAuthority,
  subject: string,
  extensions: x509.Extension[],
): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKeyPem(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subject,
    notBefore: daysFromNow(-1),
    notAfter: daysFromNow(VALIDITY_DAYS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey as CryptoKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ...extensions,
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey as CryptoKey) };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(body, 'base64'), ALGORITHM, true, [
    'sign',
  ]) as Promise<CryptoKey>;
}

function randomSerial(): string {
  // A positive serial: the first hex digit stays below 8.
  return `${Math.floor(Math.random() * 8)}${webcrypto.getRandomValues(new Uint8Array(15)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')}`;
}

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}
