/**
 * The `samsa` command. Each subcommand lands with its issue; until then the
 * command says plainly what is not there yet and exits non-zero.
 */
import { SAMSA_VERSION } from '../version.ts';

const USAGE = `usage: samsa <command>

commands:
  start       run a broker (not there yet: it arrives with the single-node broker)
  version     print the version
  help        print this help`;

/** Exit code 2 is for usage errors, as with Kafka's tools. */
const EXIT_USAGE = 2;
const EXIT_UNAVAILABLE = 69;

export function main(argv: string[]): number {
  const command = argv[0] ?? 'help';
  switch (command) {
    case 'help': case '--help': case '-h':
      console.log(USAGE);
      return 0;
    case 'version': case '--version': case '-V':
      console.log(SAMSA_VERSION);
      return 0;
    case 'start':
      console.error('samsa: the broker is not there yet; this build has the protocol codecs and record batches only');
      return EXIT_UNAVAILABLE;
    default:
      console.error(`samsa: unknown command '${command}' (try 'samsa help')`);
      return EXIT_USAGE;
  }
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
