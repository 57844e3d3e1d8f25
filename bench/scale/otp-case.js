// Case (3) of bench/scale: the OTP queue wait with a 200,000-recipient CAMPAIGN
// backlog against none, on PostgreSQL — bench/ledger's case (d) method
// (otpWaitPairs), here against one gateway and SCALE_OTP_WORKERS workers on a
// database of their own. The OTP is its own pg-boss job in the OTP queue; each
// worker keeps one of its dispatch slots for that queue.
import pg from 'pg';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { otpWaitPairs } from '../ledger/otp-case.js';
import { startInstallation } from './installation.js';

/**
 * Where an OTP's wait went, from pg-boss's own times of the stream's OTP jobs (the
 * database's clock): queued (created → fetched by a worker) and held (fetched →
 * completed: claim, send, results); and how many OTPs a unit carried (the records
 * of one claim share its token).
 */
function otpJobFigures(postgres, installation) {
  const url = new URL(postgres.url);
  url.pathname = `/${installation.database}`;
  const query = async (text, values) => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const ms = (x) => (x === null ? '—' : Number(x).toFixed(0));
  return {
    before: async () => (await query('select now() as at'))[0].at,
    after: async (since) => {
      const [jobs] = await query(
        `select percentile_cont(0.5) within group (order by extract(epoch from started_on - created_on) * 1000) as q50,
                percentile_cont(0.99) within group (order by extract(epoch from started_on - created_on) * 1000) as q99,
                percentile_cont(0.5) within group (order by extract(epoch from completed_on - started_on) * 1000) as h50,
                percentile_cont(0.99) within group (order by extract(epoch from completed_on - started_on) * 1000) as h99
           from rota_queue.job where name = 'rota-otp' and created_on >= $1 and state = 'completed'`,
        [since],
      );
      const [units] = await query(
        `select count(*)::float / greatest(count(distinct claim_token), 1) as per_unit from rota.messages where priority = 0 and bulk_id is null and created_at >= $1`,
        [new Date(since).getTime()],
      );
      return {
        'OTP job queued p50 / p99 ms': `${ms(jobs.q50)} / ${ms(jobs.q99)}`,
        'OTP job held p50 / p99 ms': `${ms(jobs.h50)} / ${ms(jobs.h99)}`,
        'OTPs a unit': Number(units.per_unit).toFixed(1),
      };
    },
  };
}

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
      more: otpJobFigures(postgres, installation),
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
