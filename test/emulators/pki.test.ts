import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
} from '../../lab/emulators/shared/pki.ts';

describe('pki', () => {
  it('server certificate verifies against the CA over TLS', async () => {
    const ca = await createCertificateAuthority();
    const server = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const client = await issueClientCertificate(ca, { commonName: 'admin', organizations: ['system:masters'] });
    const httpsServer = https.createServer(
      { cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
        res.end(JSON.stringify({ cn: peer.subject?.CN, o: peer.subject?.O }));
      },
    );
    httpsServer.listen(0, '127.0.0.1');
    await once(httpsServer, 'listening');
    const { port } = httpsServer.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    httpsServer.close();
    expect(JSON.parse(body)).toEqual({ cn: 'admin', o: 'system:masters' });
  });

  it('server certificate fails against another CA', async () => {
    const ca = await createCertificateAuthority();
    const other = await createCertificateAuthority('other');
    const server = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const httpsServer = https.createServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => res.end('x'));
    httpsServer.listen(0, '127.0.0.1');
    await once(httpsServer, 'listening');
    const { port } = httpsServer.address() as AddressInfo;
    const error = await new Promise<Error>((resolve) => {
      https.get({ host: '127.0.0.1', port, ca: other.certPem }, () => resolve(new Error('connected'))).on('error', resolve);
    });
    httpsServer.close();
    expect(error.message).toMatch(/self[- ]signed|unable to verify|unable to get local issuer/);
  });
});
