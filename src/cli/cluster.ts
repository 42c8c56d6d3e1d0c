/**
 * `samsa cluster --nodes 3 --data-dir DIR`: a local development cluster of
 * real processes (each broker and controller), printing the bootstrap list,
 * until Ctrl-C. Running it again on the same directory restarts the same
 * cluster with its data.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT_USAGE } from './common.ts';
import { LocalCluster } from './local-cluster.ts';
import { io } from './io.ts';

const NODES_MAX = 9;

export function register(program: Command): void {
  program.command('cluster')
    .description('run a local cluster of N broker+controller processes (development)')
    .option('-n, --nodes <count>', 'number of nodes (1-9)', '3')
    .option('-d, --data-dir <dir>', 'root directory for the nodes\' data', './cluster-data')
    .option('--verbose', 'print every node\'s log lines')
    .exitOverride()
    .action(async (flags: { nodes: string; dataDir: string; verbose?: boolean }) => {
      const nodes = Number(flags.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX) {
        io().err(`samsa: --nodes expects 1-${NODES_MAX}, got '${flags.nodes}'`);
        io().exitCode = EXIT_USAGE;
        return;
      }
      let cluster: LocalCluster;
      try {
        cluster = await LocalCluster.start({
          nodes, dataDir: flags.dataDir,
          log: flags.verbose === true ? (id, line) => io().err(`[node ${id}] ${line}`) : undefined,
          onUnexpectedExit: (id, how) => io().err(`samsa: node ${id} exited (${how}); the other nodes keep running`),
        });
      } catch (e) {
        io().err(`samsa: cannot start the cluster: ${(e as Error).message}`);
        io().exitCode = 1;
        return;
      }
      io().out(`samsa cluster of ${nodes} nodes ready; data in ${resolve(flags.dataDir)}`);
      for (const n of cluster.plan) {
        const metrics = n.metricsPort === undefined ? '' : `, metrics http://127.0.0.1:${n.metricsPort}/metrics`;
        const console = n.consolePort === undefined ? '' : `, console http://127.0.0.1:${n.consolePort}/`;
        io().out(`  node ${n.id}: broker 127.0.0.1:${n.port}, controller 127.0.0.1:${n.controllerPort}${metrics}${console}`);
      }
      io().out(`bootstrap servers: ${cluster.bootstrap}`);
      // Never released: a second Ctrl-C while the nodes stop finds no listener and ends the process at once.
      await new Promise<void>((resolve) => io().onStop(resolve));
      await cluster.stop();
      io().err('samsa: cluster stopped');
    });
}
