// Types of fuzz.mjs for the TypeScript test that imports it (test/fuzz.e2e.spec.ts).
export interface PlantedSecrets {
  values: string[];
  headerValues: string[];
  needles: string[];
}
export interface FuzzContext {
  clusters: string[];
  keyIds: string[];
  tokens: Record<string, string>;
  secrets: PlantedSecrets;
  prefix: string;
}
export interface FuzzAnswer {
  op: string;
  method: string;
  url: string;
  status: number;
  ms: number;
  [extra: string]: unknown;
}
export interface FuzzReport {
  requests: number;
  histogram: Record<string, number>;
  count5xx: number;
  serverErrors: FuzzAnswer[];
  notProblemCount: number;
  notProblem: FuzzAnswer[];
  echoCount: number;
  echoes: FuzzAnswer[];
  networkErrors: Array<Record<string, unknown>>;
  slowest: FuzzAnswer[];
}
export interface FuzzOperation {
  id: string;
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; required: boolean; schema: unknown }>;
  bodySchema: unknown;
  hasBody: boolean;
}
export function plantSecrets(): PlantedSecrets;
export function echoesSecret(text: string, secrets: PlantedSecrets): boolean;
export function loadOperations(doc: unknown): FuzzOperation[];
export function fuzzRequestArb(doc: unknown, ctx: FuzzContext): unknown;
export function fuzzRequests(
  doc: unknown,
  ctx: FuzzContext,
  options: { seed: number; count: number; batch?: number },
): Generator<{ op: string; method: string; url: string; headers: Record<string, string>; body?: string }>;
export function prepareFuzzContext(baseUrl: string, adminToken: string, options?: { prefix?: string; secrets?: PlantedSecrets }): Promise<FuzzContext>;
export function runFuzz(
  baseUrl: string,
  doc: unknown,
  ctx: FuzzContext,
  options: { seed: number; count: number; concurrency?: number; timeoutMs?: number; onProgress?: (n: number) => void },
): Promise<FuzzReport>;
export function verifyAudit(baseUrl: string, token: string): Promise<{ ok: boolean; events?: number; head?: string; [k: string]: unknown }>;
