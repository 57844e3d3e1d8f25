import { runProviderContract } from '@rota/testkit/contract';
import { createMobildevProvider } from './mobildev-provider.js';

const accounts = [
  { companyCode: '01234', username: 'acme-otp', password: 'md-secret-1', senderList: ['ACMEOTP'], smsIysMessageType: 'NOTIFICATION' as const },
  { companyCode: '01234', username: 'acme-ads', password: 'md-secret-2', senderList: ['ACME'], encoding: 'GSM7' as const, smsIysMessageType: 'CAMPAIGN' as const },
];

runProviderContract('mobildev (stub)', () => ({ provider: createMobildevProvider({ accounts }), expectsAcceptance: false }));

runProviderContract('mobildev (simulated)', () => ({
  provider: createMobildevProvider({ accounts, simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
