// Types of certificates.mjs, for the TypeScript tests that build on it (test/support/certificates.ts).
export type KeyType = 'rsa2048' | 'rsa1024' | 'ec';
export type Extension = 'ext_ca' | 'ext_ca_no_san' | 'ext_leaf' | 'ext_no_bc';

export declare const toBase64: (text: string) => string;

export declare class CertificateFactory {
  constructor(now?: Date);
  readonly now: Date;
  readonly dir: string;
  at(days: number): Date;
  run(...args: string[]): Buffer;
  read(file: string): string;
  readBytes(file: string): Buffer;
  key(name: string, type: KeyType): string;
  issue(
    name: string,
    options: { keyName: string; subject: string; ext: Extension; from: Date; to: Date; md?: string; issuer?: string },
  ): string;
  dispose(): void;
}

export declare function caBundle(
  count?: number,
  options?: { keys?: KeyType[]; subject?: string },
): { pems: string[]; pem: string; base64: string };
