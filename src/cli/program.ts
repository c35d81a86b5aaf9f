import { Command, CommanderError, Option } from 'commander';
import { InputError } from './input';
import { EXIT, packageVersion } from './meta';

/**
 * The commands and their options (commander). Each command's work lives in commands.ts, loaded only when a command
 * runs, so that `--help` and usage errors stay fast.
 */

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The facts about the target cluster, for validate, explain and render. */
function clusterOptions(command: Command, pools: boolean): Command {
  if (pools) {
    command
      .option('--windows-pool <name>', 'the cluster has a Windows node pool of this name (CLUSTER_WINDOWS_NODE_POOL); repeatable', collect)
      .option('--vmas-pool <name>', 'the cluster has an Availability Set node pool of this name (CLUSTER_VMAS_NODE_POOL); repeatable', collect);
  }
  if (pools) {
    command
      .option('--istio', 'the cluster runs the Istio-based service mesh add-on (ISTIO_SERVICE_ENTRY_NEEDED)')
      .option('--monitoring', 'the cluster runs the monitoring add-on (MONITORING_TRUSTED_CA)');
  }
  return command
    .option('--service-cidr <cidr>', "the cluster's service CIDR (AKS adds it to NO_PROXY)")
    .option('--pod-cidr <cidr>', "the cluster's pod CIDR (AKS adds it to NO_PROXY)")
    .option('--node-subnet-cidr <cidr>', "a node subnet's CIDR (AKS adds it to NO_PROXY); repeatable", collect)
    .option('--api-server-fqdn <fqdn>', "the API server's FQDN (AKS adds it to NO_PROXY)")
    .option('--cluster-file <file>', 'the JSON that az aks show prints for the cluster: node pools, network and current proxy config');
}

const kindOption = (): Option =>
  new Option('--kind <kind>', 'what the file is (default: detected)').choices(['auto', 'cli', 'arm', 'arm-template', 'az-show']).default('auto');

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const commands = (): typeof import('./commands') => require('./commands') as typeof import('./commands');
  const program = new Command('aks-proxy-config')
    .description(
      'Validate, explain, render and diff AKS HTTP proxy configs offline, with the rules of the aks-proxy-config service.\n' +
        'Exit codes: 0 valid, 1 a finding at or above --fail-on (default: error), 2 usage or unreadable input.',
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  clusterOptions(
    program
      .command('validate')
      .description(
        'Validate configs: the az aks --http-proxy-config file, an ARM fragment or managedClusters resource\n' +
          '(properties.httpProxyConfig) or the output of az aks show (detected). "-" reads stdin.',
      )
      .argument('<files...>', 'files to validate, or - for stdin')
      .addOption(new Option('--json', "print the service's /v1/validate answer (an array of { file, ... } for several files)").conflicts('sarif'))
      .addOption(new Option('--sarif', 'print SARIF 2.1.0 (GitHub code scanning, Azure DevOps)').conflicts('json'))
      .option('-o, --output <file>', 'write the report to a file instead of stdout')
      .addOption(new Option('--fail-on <severity>', 'exit 1 on a finding of this severity or worse').choices(['error', 'warning', 'info']).default('error'))
      .addOption(kindOption())
      .option('--server <url>', 'validate with a running service instead (token in AKS_PROXY_CONFIG_TOKEN)')
      .option('--cluster <name>', 'with --server: apply the rules of this cluster as the service knows it'),
    true,
  ).action(async (files: string[], options: Record<string, unknown>) => {
    code = await commands().validateCommand(files, options);
  });

  clusterOptions(
    program
      .command('explain')
      .description('For each URL and each HTTP client (Go, curl, Python urllib and requests, Node undici, Ruby): proxy or direct, and why')
      .argument('<file>', 'the config file, or - for stdin')
      .requiredOption('--url <urls...>', 'the URLs a pod calls (up to 50)')
      .addOption(new Option('--json', "print the service's POST /v1/explain answer").conflicts('markdown'))
      .addOption(new Option('--markdown', 'print Markdown (for chat or a pull request comment)').conflicts('json'))
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .addOption(kindOption()),
    false,
  ).action(async (file: string, options: Record<string, unknown>) => {
    code = await commands().explainCommand(file, options);
  });

  clusterOptions(
    program
      .command('render')
      .description('Render a valid config the way the service hands out an approved version')
      .argument('<file>', 'the config file, or - for stdin')
      .addOption(new Option('--format <format>', 'what to render').choices(['cli', 'arm', 'bicep', 'terraform', 'az', 'istio']).makeOptionMandatory())
      .requiredOption('--name <cluster>', "the cluster's name")
      .requiredOption('--resource-group <group>', "the cluster's resource group")
      .option('--subscription <id>', "the cluster's subscription id (az)")
      .option('--proxy-address <ips...>', 'the IP addresses behind the proxy host names (istio)')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .addOption(kindOption()),
    true,
  ).action(async (file: string, options: Record<string, unknown>) => {
    code = await commands().renderCommand(file, options);
  });

  program
    .command('diff')
    .description("What changes from OLD to NEW, as the service's diff of two versions (OLD is v1 and NEW v2 unless told)")
    .argument('<old>', 'the config before')
    .argument('<new>', 'the config after')
    .addOption(new Option('--json', "print the service's diff answer").conflicts('markdown'))
    .addOption(new Option('--markdown', 'print Markdown (for chat or a pull request comment)').conflicts('json'))
    .option('--name <cluster>', 'the cluster name the Markdown heading shows', 'cluster')
    .option('--from-version <n>', 'the version number OLD stands for', '1')
    .option('--to-version <n>', 'the version number NEW stands for', '2')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(kindOption())
    .action(async (oldFile: string, newFile: string, options: Record<string, unknown>) => {
      code = await commands().diffCommand(oldFile, newFile, options);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof InputError) {
      process.stderr.write(`aks-proxy-config: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  return code;
}
