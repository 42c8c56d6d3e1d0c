/**
 * Live TLS listeners taking new key and trust stores without a restart, as
 * Kafka reloads a listener's SSL configs: when this node's dynamic broker
 * configs change (an AlterConfigs of `listener.name.<l>.ssl.keystore.location`,
 * even to the path it had, rewrites them), each TLS listener's settings are
 * built again from the effective config, files read anew, checked against the
 * live ones (tlsReloadRefusal) and installed with tls.Server#setSecureContext:
 * new connections get the new certificate, open ones keep theirs. A store that
 * does not load or is refused leaves the listener as it was, logged.
 */
import type { Server as TlsServer } from 'node:tls';
import type { BrokerConfig } from '../metadata/index.ts';
import { leafCertificate, listenerTlsSettings, tlsReloadRefusal, type TlsListenerSettings } from '../security/index.ts';

interface LiveTlsListener {
  readonly name: string;
  readonly server: TlsServer;
  settings: TlsListenerSettings;
}

export class TlsListeners {
  private readonly live: LiveTlsListener[];
  private readonly log: (line: string) => void;

  constructor(listeners: readonly { name: string; server: TlsServer; settings: TlsListenerSettings }[], log: (line: string) => void) {
    this.live = listeners.map((l) => ({ ...l }));
    this.log = log;
  }

  /** Why `config` cannot go live on some TLS listener, or null: what an AlterConfigs is refused with. */
  check(config: BrokerConfig): string | null {
    for (const l of this.live) {
      const next = this.build(config, l);
      if (typeof next === 'string') return next;
    }
    return null;
  }

  /** Installs each TLS listener's settings under `config`; one that fails to load or is refused stays as it was. */
  apply(config: BrokerConfig): void {
    for (const l of this.live) {
      const next = this.build(config, l);
      if (typeof next === 'string') {
        this.log(`keeping the TLS settings of listener ${l.name}: ${next}`);
        continue;
      }
      l.server.setSecureContext(next.serverOptions);
      const changed = next.certificateChain !== l.settings.certificateChain;
      l.settings = next;
      if (changed) {
        const cert = leafCertificate(next.certificateChain);
        this.log(`listener ${l.name} reloaded its TLS key store: certificate ${cert.subject.replace(/\n/g, ', ')} serial ${cert.serialNumber}`);
      }
    }
  }

  /** The listener's settings under `config`, checked against the live ones; or why not, in one line. */
  private build(config: BrokerConfig, l: LiveTlsListener): TlsListenerSettings | string {
    let next: TlsListenerSettings | null;
    try {
      next = listenerTlsSettings(config, l.name);
    } catch (e) {
      return `Validation of dynamic config update of SSL on listener ${l.name} failed: ${(e as Error).message}`;
    }
    if (next === null) return `listener ${l.name} no longer uses TLS`;
    let refusal: string | null;
    try {
      refusal = tlsReloadRefusal(l.settings, next);
    } catch (e) {
      refusal = (e as Error).message;
    }
    return refusal === null ? next : `Validation of dynamic config update of SSL on listener ${l.name} failed: ${refusal}`;
  }
}
