// Case (3) of bench/scale: the OTP queue wait with a 200,000-recipient CAMPAIGN
// backlog against none, on PostgreSQL — bench/ledger's case (d) method
// (otpWaitPairs), here against one gateway and SCALE_OTP_WORKERS workers on a
// database of their own. The OTP is its own pg-boss job in the OTP queue; each
// worker keeps one of its dispatch slots for that queue.
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { otpWaitPairs } from '../ledger/otp-case.js';
import { startInstallation } from './installation.js';

export async function otpCase(k, report, postgres) {
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  let installation;
  try {
    installation = await startInstallation({
      label: 'OTP',
      workers: k.otpWorkers,
      gateways: 1,
      postgres,
      poolSize: k.poolSize,
      sandboxUrl: sandbox.url,
      connections: k.connections,
      logLevel: k.logLevel,
      dispatch: k.dispatch,
      reports: k.reports,
    });
    await otpWaitPairs(k, report, {
      tag: '(3)',
      setup: `${installation.describe()}, dispatch concurrency ${k.dispatch?.concurrency ?? 4} a worker (one unit kept for OTPs)`,
      url: installation.urls[0],
      apiKey: installation.apiKey,
      admin,
      eventLoop: {
        column: 'event-loop delay p99 / max ms: gateway; workers (worst)',
        reset: () => installation.resetEventLoops(),
        read: async () => {
          const { gateways, workers } = await installation.eventLoops();
          return `${gateways.p99Ms} / ${gateways.maxMs}; ${workers.p99Ms} / ${workers.maxMs}`;
        },
      },
    });
  } finally {
    if (installation) {
      const codes = await installation.stop();
      report.check(
        '(3) the gateway and workers exited cleanly and logged no error',
        codes.every((c) => c === 0) && installation.errors.length === 0,
        `exit ${codes.join(', ')}${installation.errors.length ? `; ${installation.errors.join(' | ')}` : ''}`,
      );
    }
    await admin.close();
    await sandbox.stop();
  }
}
