import { Injectable } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { badRequest } from '../common/service-error';
import { explain, explainAsWritten, explainBudgetProblem, type ExplainResult, urlProblem } from '../domain/explain';
import type { Finding } from '../domain/proxy-config';
import { holdsKeyMaterial } from '../domain/redact';
import { ValidateService } from '../validate/validate.service';
import type { VersionRef } from '../versions/version-ref.pipe';
import { VersionsService } from '../versions/versions.service';

/** What each HTTP client does with a URL under a proxy config: a config sent with the request, or a stored version. */
@Injectable()
export class ExplainService {
  constructor(
    private readonly validation: ValidateService,
    private readonly clusters: ClustersService,
    private readonly versions: VersionsService,
  ) {}

  /**
   * A config as sent (optionally in a cluster's context): per URL and client, with the validation's findings. A URL
   * that is not an absolute http(s) URL is answered per URL (`{ url, error }`), not refused.
   */
  async forConfig(config: unknown, urls: string[], clusterName: string | undefined): Promise<ExplainResult & { findings: Finding[] }> {
    // bounded before any work: (URLs × noProxy entries), see MAX_EXPLAIN_PAIRS
    const noProxy = (config as { noProxy?: unknown }).noProxy;
    const budget = explainBudgetProblem(urls.length, Array.isArray(noProxy) ? noProxy.length : 0);
    if (budget) throw badRequest(budget);
    const context = clusterName ? await this.clusters.contextByName(clusterName) : null;
    const validation = this.validation.run(config, context);
    // The config as written, not validation's normalized one (which drops entries such as "*" or "*.svc.example"):
    // the answer is what each client does with exactly this NO_PROXY; the findings say what AKS would refuse.
    const result = explainAsWritten(config, validation.normalized, urls, context?.network);
    return { ...result, findings: validation.findings };
  }

  /** A stored version for the given URLs; API.md: a URL that is not an absolute http(s) URL is 400 naming it. */
  async forVersion(clusterName: string, ref: VersionRef, urls: string[]): Promise<ExplainResult> {
    const invalid = urls.map((url) => ({ url, problem: urlProblem(url) })).filter((u) => u.problem !== null);
    if (invalid.length > 0) {
      // Named as given, unless it holds key material, which no answer ever echoes.
      const shown = (url: string) => (holdsKeyMaterial(url) ? '(a value holding key material)' : JSON.stringify(url));
      const [first] = invalid;
      throw badRequest(
        `url ${shown(first!.url)} cannot be explained: ${first!.problem}${invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : ''}.`,
        { invalidParams: invalid.map((u) => ({ name: 'url', value: holdsKeyMaterial(u.url) ? undefined : u.url, reason: u.problem })) },
      );
    }
    const { config, cluster } = await this.versions.configFor(clusterName, ref);
    const budget = explainBudgetProblem(urls.length, config.noProxy?.length ?? 0);
    if (budget) throw badRequest(budget);
    return explain(config, urls, cluster.network);
  }
}
