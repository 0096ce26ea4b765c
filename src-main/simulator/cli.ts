/**
 * `npm run simulate -- [flags]` → `tsx src-main/simulator/cli.ts`. Exit codes: 0 after a clean
 * stop (duration reached, SIGINT or SIGTERM), 1 when the broker cannot be reached or the run
 * fails, 2 on bad flags or an unknown scenario.
 */
import { parseSimulatorArgs, usage, UsageError } from './args';
import { runScenario, summaryLine, type RunningSimulation } from './run';
import { isKartingInvocation, runKartingCli } from './scenarios/karting';

async function main(): Promise<number> {
  // Karting serves feeds (WebSocket and TCP) rather than publishing over MQTT.
  if (isKartingInvocation(process.argv.slice(2))) return runKartingCli(process.argv.slice(2));
  let command;
  try {
    command = parseSimulatorArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`simulate: ${err.message}`);
      console.error('Run with --help for the flags.');
      return err.exitCode;
    }
    throw err;
  }
  if (command.help) {
    console.log(usage());
    return 0;
  }
  const { help: _help, ...options } = command;

  let sim: RunningSimulation | null = null;
  let interrupted = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      // Ctrl-C reaches the whole process group and tsx relays it too: ignore that echo, but a
      // deliberate second signal (after a second) means "stop now".
      if (Date.now() - firstSignalAt < 1000) return;
      console.error(`simulate: ${signal} again, exiting now`);
      process.exit(1);
    }
    interrupted = true;
    firstSignalAt = Date.now();
    if (sim) void sim.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    sim = await runScenario({ ...options, log: (line) => console.log(line) });
  } catch (err) {
    if (interrupted) return 0;
    console.error(`simulate: ${(err as Error).message}`);
    return 1;
  }
  const s = sim.stats();
  const duration = options.durationS !== undefined ? `${options.durationS} s` : 'until Ctrl-C';
  console.log(
    `simulate: scenario ${s.scenario} on ${s.brokerUrl}, seed ${s.seed}, ` +
      `${s.channels.clients} clients, ${duration}`,
  );
  if (interrupted) void sim.stop();
  await sim.done;
  console.log(summaryLine(sim.stats()));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`simulate: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
